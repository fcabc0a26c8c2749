package gtd

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// makeXLSX writes the rows of a CSV fixture into a workbook the way the
// official release stores them: numbers as numbers, the resolution date
// as a date cell, text as shared strings. It parses the fixture with
// encoding/csv, so that the test does not lean on the reader's own parser.
func makeXLSX(t *testing.T, csvData []byte) []byte {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvData, []byte("\xEF\xBB\xBF"))))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	resCol := -1
	for i, h := range rows[0] {
		if h == "resolution" {
			resCol = i
		}
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
			if i == 0 || v == "" {
				continue
			}
			if j == resCol {
				if tm, err := time.Parse("1/2/2006", v); err == nil {
					cells[j] = tm
					continue
				}
			}
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				cells[j] = n
			} else if x, err := strconv.ParseFloat(v, 64); err == nil && strconv.FormatFloat(x, 'f', -1, 64) == v {
				cells[j] = x
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXSameClaims(t *testing.T) {
	csvData := readFile(t, "utf8bom.csv")
	xlsx := makeXLSX(t, csvData)
	opts := source.Options{Name: "fixture", Fetched: fetched}

	// The workbook holds the resolution date as a serial day number, the
	// stored form that the reader must turn back into a date.
	wb, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	cell, err := wb.GetCellValue(wb.GetSheetName(0), "G2", excelize.Options{RawCellValue: true})
	wb.Close()
	if _, perr := strconv.ParseFloat(cell, 64); err != nil || perr != nil {
		t.Fatalf("resolution cell G2: got %q, %v; want a serial day number", cell, err)
	}

	fromCSV, _ := readAll(t, mustReader(t, csvData, "fixture"))
	xr, err := NewXLSXReader(bytes.NewReader(xlsx), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer xr.Close()
	fromXLSX, rowErrs := readAll(t, xr)
	if len(rowErrs) != 0 || len(fromXLSX) != len(fromCSV) {
		t.Fatalf("got %d records and row errors %v, want %d records", len(fromXLSX), rowErrs, len(fromCSV))
	}
	for i := range fromCSV {
		c, x := fromCSV[i], fromXLSX[i]
		if !reflect.DeepEqual(c.Claim, x.Claim) {
			t.Errorf("row %d: XLSX claim differs from CSV claim:\ngot  %s\nwant %s", i+2, describe(x.Claim), describe(c.Claim))
		}
		if want := "fixture:" + strconv.Itoa(i+2); x.Report.Origin != want {
			t.Errorf("row %d: Origin: got %q, want %q", i+2, x.Report.Origin, want)
		}
		// Raw is the row as one CSV record in the header's order.
		rec, err := csv.NewReader(bytes.NewReader(x.Report.Raw)).Read()
		if err != nil || len(rec) != 135 || rec[0] != c.Report.SourceRef {
			t.Errorf("row %d: Raw %.40q does not read back as a 135-field CSV row: %v", i+2, x.Report.Raw, err)
		}
		if x.Report.ID != c.Report.ID || x.Report.Hash != source.Hash(x.Report.Raw) {
			t.Errorf("row %d: report id %q hash %s, want id %q and the hash of Raw", i+2, x.Report.ID, x.Report.Hash, c.Report.ID)
		}
	}
}

func TestXLSXRowErrorsAndDetection(t *testing.T) {
	// A cell holds any text, so the row that bad.csv quotes wrongly is
	// written with its text as it was meant.
	xlsx := makeXLSX(t, bytes.Replace(readFile(t, "bad.csv"), []byte(`"Day"ton`), []byte(`Day"ton`), 1))
	path := filepath.Join(t.TempDir(), "bad.xlsx")
	if err := os.WriteFile(path, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	openers := map[string]func() (*Reader, error){
		"Open": func() (*Reader, error) { return Open(path, source.Options{Fetched: fetched}) },
		"New": func() (*Reader, error) {
			return New(bytes.NewReader(xlsx), source.Options{Name: path, Fetched: fetched})
		},
	}
	for name, open := range openers {
		t.Run(name, func(t *testing.T) {
			r, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			recs, rowErrs := readAll(t, r)
			// A spreadsheet keeps no trailing empty cells, so the row that
			// is truncated in bad.csv reads as a padded row here.
			wantErrs := []struct {
				line  int
				field string
			}{{3, "imonth"}, {4, "iday"}, {6, "nkill"}, {7, "eventid"}}
			if len(rowErrs) != len(wantErrs) {
				t.Fatalf("got row errors %v, want %d", rowErrs, len(wantErrs))
			}
			for i, w := range wantErrs {
				if e := rowErrs[i]; e.Line != w.line || e.Field != w.field || e.File != path {
					t.Errorf("row error %d: got %s line %d field %q, want %s line %d field %q", i, e.File, e.Line, e.Field, path, w.line, w.field)
				}
			}
			var lines []string
			for _, rec := range recs {
				lines = append(lines, rec.Report.Origin)
			}
			want := []string{path + ":2", path + ":5", path + ":8", path + ":9", path + ":10"}
			if !reflect.DeepEqual(lines, want) {
				t.Errorf("records at %v, want %v", lines, want)
			}
		})
	}
}

func TestOpenCSVAndErrors(t *testing.T) {
	r, err := Open(filepath.Join("testdata", "cp1252.csv"), source.Options{Fetched: fetched})
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := readAll(t, r)
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if len(recs) != 4 || recs[0].Report.Origin != filepath.Join("testdata", "cp1252.csv")+":2" {
		t.Errorf("got %d records, first origin %q", len(recs), recs[0].Report.Origin)
	}
	if _, err := r.Next(); err == nil || source.IsRowError(err) {
		t.Errorf("Next after Close: got %v, want a fatal error", err)
	}

	if _, err := Open(filepath.Join("testdata", "no-such-file.csv"), source.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: got %v, want os.ErrNotExist", err)
	}
	if _, err := New(bytes.NewReader([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1}), source.Options{Name: "old.xls"}); err == nil {
		t.Errorf("New of a legacy .xls: got no error")
	}
	if _, err := New(bytes.NewReader([]byte("PK\x03\x04not a zip")), source.Options{Name: "broken.xlsx"}); err == nil {
		t.Errorf("New of a broken XLSX: got no error")
	}
	var ke *source.KindError
	if _, err := NewXLSXReader(bytes.NewReader(makeXLSX(t, readFile(t, "acled.csv"))), source.Options{Name: "acled.xlsx"}); !errors.As(err, &ke) {
		t.Errorf("XLSX with an ACLED header: got %v, want a *source.KindError", err)
	}
}

// TestSources checks the reader stands behind source.Reader.
func TestSources(t *testing.T) {
	var _ source.Reader = (*Reader)(nil)
	if Source.Name != "gtd" || Source.Kind != model.KindDataset || Source.Reliability <= 0 || Source.Reliability > 1 {
		t.Errorf("Source: got %+v", Source)
	}
}
