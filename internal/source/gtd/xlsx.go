package gtd

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/vigil-project/vigil/internal/source"
)

// xlsxRows yields the rows of a workbook's first sheet through excelize's
// streaming row iterator.
type xlsxRows struct {
	name   string
	f      *excelize.File
	rows   *excelize.Rows
	row    int // the spreadsheet row number of the current row
	width  int // fields per row: the header's length
	resCol int // the resolution column, whose dates may be serial numbers
	idCol  int // the eventid column, which may be stored as a number
	buf    bytes.Buffer
	w      *csv.Writer
}

// rawCells asks excelize for the stored cell values, not the values as
// formatted for display: the display format of a number (an eventid in
// "General" can show as 2.00001E+11) would corrupt it.
var rawCells = excelize.Options{RawCellValue: true}

// NewXLSXReader reads a GTD workbook: the first sheet, whose first
// non-empty row is the header. r is read into memory whole (a zip archive
// needs random access). Each report's Raw is the row written as one CSV
// record in the header's column order, and its line is the spreadsheet
// row number.
func NewXLSXReader(r io.Reader, opts source.Options) (*Reader, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: reading XLSX: %w", opts.Name, err)
	}
	return newXLSXReader(f, opts)
}

// openXLSXFile reads a GTD workbook from disk without loading it whole.
func openXLSXFile(path string, opts source.Options) (*Reader, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: reading XLSX: %w", opts.Name, err)
	}
	return newXLSXReader(f, opts)
}

func newXLSXReader(f *excelize.File, opts source.Options) (*Reader, error) {
	x := &xlsxRows{name: opts.Name, f: f}
	r, err := x.open(opts)
	if err != nil {
		x.close()
		return nil, err
	}
	return r, nil
}

func (x *xlsxRows) open(opts source.Options) (*Reader, error) {
	sheets := x.f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: workbook has no sheet", x.name)
	}
	rows, err := x.f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %q: %w", x.name, sheets[0], err)
	}
	x.rows = rows
	var header []string
	for header == nil {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, fmt.Errorf("%s: sheet %q: %w", x.name, sheets[0], err)
			}
			return nil, &source.KindError{File: x.name, Kind: kind, Expected: requiredColumns, Missing: requiredColumns}
		}
		x.row++
		cells, err := rows.Columns(rawCells)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", x.name, x.row, err)
		}
		if !allEmpty(cells) {
			header = cells
		}
	}
	r, err := newReader(header, x, opts)
	if err != nil {
		return nil, err
	}
	x.width = len(header)
	x.resCol, x.idCol = r.cols.resolution, r.cols.eventid
	x.w = csv.NewWriter(&x.buf)
	return r, nil
}

// next implements rowSource.
func (x *xlsxRows) next() ([]string, int, []byte, error) {
	for {
		if !x.rows.Next() {
			if err := x.rows.Error(); err != nil {
				return nil, 0, nil, fmt.Errorf("%s: row %d: %w", x.name, x.row+1, err)
			}
			return nil, 0, nil, io.EOF
		}
		x.row++
		cells, err := x.rows.Columns(rawCells)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("%s: row %d: %w", x.name, x.row, err)
		}
		if allEmpty(cells) {
			continue
		}
		// A sheet stores no trailing empty cells, so a short row is only
		// padded; cells past the header are an error when they hold data.
		if len(cells) > x.width {
			if !allEmpty(cells[x.width:]) {
				return nil, x.row, nil, &source.RowError{File: x.name, Line: x.row,
					Reason: fmt.Sprintf("%d fields, want %d", len(cells), x.width), Raw: x.line(cells)}
			}
			cells = cells[:x.width]
		}
		for len(cells) < x.width {
			cells = append(cells, "")
		}
		x.normalize(cells)
		raw := []byte(x.line(cells))
		return cells, x.row, raw, nil
	}
}

// normalize turns the stored forms of values that a spreadsheet keeps as
// numbers into the text the CSV release has, so that both forms give the
// same claims: an eventid that a writer stored as a float ("…0027.0"),
// and the resolution date stored as a serial day number. An eventid in
// exponent form ("2.01703E+11") has lost digits and is left to fail.
func (x *xlsxRows) normalize(cells []string) {
	if id, frac, ok := strings.Cut(cells[x.idCol], "."); ok && allDigits(id) && strings.Trim(frac, "0") == "" {
		cells[x.idCol] = id
	}
	if res := cells[x.resCol]; res != "" {
		if v, err := strconv.ParseFloat(res, 64); err == nil && v > 0 {
			if t, err := excelize.ExcelDateToTime(v, false); err == nil {
				cells[x.resCol] = fmt.Sprintf("%d/%d/%d", t.Month(), t.Day(), t.Year())
			}
		}
	}
}

// line writes cells as one CSV record without its line break.
func (x *xlsxRows) line(cells []string) string {
	x.buf.Reset()
	if err := x.w.Write(cells); err != nil { // a bytes.Buffer does not fail
		return strings.Join(cells, ",")
	}
	x.w.Flush()
	return strings.TrimSuffix(x.buf.String(), "\n")
}

func (x *xlsxRows) close() error {
	var errs []error
	if x.rows != nil {
		errs = append(errs, x.rows.Close())
		x.rows = nil
	}
	if x.f != nil {
		errs = append(errs, x.f.Close())
		x.f = nil
	}
	return errors.Join(errs...)
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
