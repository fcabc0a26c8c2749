// Package gtd reads the Global Terrorism Database (GTD, START, University
// of Maryland) in both forms of its public release: the CSV file
// (Windows-1252, RFC 4180 quoting, 135 columns) and the XLSX workbook with
// the same columns. Each row becomes one record: the row as a report, kept
// as received, and the one claim it states.
//
// Pick a constructor by what you hold:
//
//   - Open(path, opts): a file on disk, CSV or XLSX told apart by content.
//   - New(r, opts): a stream, CSV or XLSX told apart by content.
//   - NewReader(r, opts): a stream known to be CSV.
//   - NewXLSXReader(r, opts): a stream known to be XLSX.
//
// All of them check the header at once and return a *source.KindError when
// the file is not GTD. Close the reader when done: it releases the
// workbook's temporary files and, for Open, the file.
package gtd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// Source describes GTD: a curated dataset whose coders read several
// sources per incident, hence the high reliability prior.
var Source = model.Source{
	Name:        "gtd",
	Kind:        model.KindDataset,
	Title:       "Global Terrorism Database (START, University of Maryland)",
	Reliability: 0.9,
}

// FlagUnknownCountry marks a claim whose country_txt is not in vigil's
// country table: Country is left empty and the GTD codes are kept.
const FlagUnknownCountry = "unknown_country"

// kind is the name a KindError gives to the files this package reads.
const kind = "GTD"

// rowSource yields the rows of one file form (CSV or XLSX).
type rowSource interface {
	// next returns the next row's fields (as many as the header has),
	// the line or spreadsheet row it starts on, and its raw bytes as
	// UTF-8, which the caller may keep. A row that cannot be split into
	// fields is a *source.RowError; io.EOF ends the file.
	next() (fields []string, line int, raw []byte, err error)
	close() error
}

// Reader reads the records of one GTD file. It implements source.Reader.
// A Reader is not safe for concurrent use.
//
// Each record's report and claim are its own: nothing is reused by the
// next call. To keep copies down, the claim's strings of a CSV row share
// memory with its Report.Raw, so Raw must be treated as read-only, as
// reports are anyway.
type Reader struct {
	opts   source.Options
	cols   columns
	header []string
	rows   rowSource
	file   io.Closer // the file Open opened, closed by Close
	err    error     // a fatal error, returned again by every later Next

	countries map[string]string // country_txt → ISO2 ("" when unknown)
}

// Source returns GTD's source description.
func (r *Reader) Source() model.Source { return Source }

// Next returns the next record. A row that cannot be used is a
// *source.RowError and reading may go on; io.EOF ends the file; any other
// error is fatal and is returned again by every later call.
func (r *Reader) Next() (model.Record, error) {
	if r.err != nil {
		return model.Record{}, r.err
	}
	fields, line, raw, err := r.rows.next()
	if err != nil {
		if !source.IsRowError(err) {
			r.err = err
		}
		return model.Record{}, err
	}
	return r.record(fields, line, raw)
}

// Close releases what the reader holds. It is safe to call more than once.
func (r *Reader) Close() error {
	var errs []error
	if r.rows != nil {
		errs = append(errs, r.rows.close())
	}
	if r.file != nil {
		errs = append(errs, r.file.Close())
		r.file = nil
	}
	if r.err == nil {
		r.err = errors.New("gtd: reader closed")
	}
	return errors.Join(errs...)
}

// zipMagic starts every XLSX file (a zip archive); oleMagic starts the
// legacy binary .xls format, which this package does not read.
var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0}
)

// New reads a GTD file from r, telling XLSX from CSV by its first bytes.
// An XLSX stream is read into memory whole (a zip archive needs random
// access); prefer Open for large workbooks on disk.
func New(r io.Reader, opts source.Options) (*Reader, error) {
	br := bufio.NewReaderSize(r, bufSize)
	magic, err := br.Peek(len(zipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", opts.Name, err)
	}
	switch {
	case bytes.Equal(magic, zipMagic):
		return NewXLSXReader(br, opts)
	case bytes.Equal(magic, oleMagic):
		return nil, fmt.Errorf("%s: legacy Excel .xls is not supported: save it as .xlsx or .csv", opts.Name)
	}
	return NewReader(br, opts)
}

// Open opens a GTD file on disk, CSV or XLSX told apart by content (an
// XLSX file starts with the zip signature "PK\x03\x04"). opts.Name
// defaults to path. The caller must Close the reader.
func Open(path string, opts source.Options) (*Reader, error) {
	if opts.Name == "" {
		opts.Name = path
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gtd: %w", err)
	}
	magic := make([]byte, len(zipMagic))
	n, err := io.ReadFull(f, magic)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		f.Close()
		return nil, fmt.Errorf("%s: %w", opts.Name, err)
	}
	if bytes.Equal(magic[:n], zipMagic) {
		f.Close()
		return openXLSXFile(path, opts)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", opts.Name, err)
	}
	r, err := New(f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// newReader checks a header and makes the reader around a row source.
func newReader(header []string, rows rowSource, opts source.Options) (*Reader, error) {
	cols, missing := indexColumns(header)
	if len(missing) > 0 {
		return nil, &source.KindError{File: opts.Name, Kind: kind, Expected: requiredColumns, Missing: missing}
	}
	return &Reader{opts: opts, cols: cols, header: header, rows: rows}, nil
}

// headerName returns the name of column i for a row error, or "" when the
// row has more fields than the header.
func (r *Reader) headerName(i int) string {
	if i >= 0 && i < len(r.header) {
		return strings.TrimSpace(r.header[i])
	}
	return ""
}
