package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// UTF8BOM is stripped from the start of a file: spreadsheet programs write
// it, and left in place it would become part of the first column's name.
var UTF8BOM = []byte{0xEF, 0xBB, 0xBF}

// ErrNoHeader is returned by NewTable for a file without a header row.
var ErrNoHeader = errors.New("no header row")

// Table reads the rows of an RFC 4180 CSV file that starts with a header,
// keeping each row's bytes as read (for the report's Raw) and the physical
// line where it starts (quoted fields may span lines, so the record number
// is not the line number).
type Table struct {
	rec    *recorder
	cr     *csv.Reader
	off    int64          // input offset where the next row starts
	Header []string       // column names as the file gives them, trimmed
	cols   map[string]int // trimmed, lower-cased header name → index; first one wins
	rows   int            // data rows read by Row so far
}

// NewTable reads the header. A header that cannot be read as CSV is
// returned as a *csv.ParseError; an empty input as ErrNoHeader.
func NewTable(r io.Reader) (*Table, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(UTF8BOM)); err == nil && bytes.Equal(b, UTF8BOM) {
		if _, err := br.Discard(len(UTF8BOM)); err != nil {
			return nil, err
		}
	}
	t := &Table{rec: &recorder{r: br}}
	t.cr = csv.NewReader(t.rec)
	t.cr.FieldsPerRecord = -1 // field counts are checked per row, to reject the row and go on
	header, _, _, err := t.Next()
	if errors.Is(err, io.EOF) {
		return nil, ErrNoHeader
	}
	if err != nil {
		return nil, err
	}
	t.Header = header
	t.cols = make(map[string]int, len(header))
	for i, h := range header {
		header[i] = strings.TrimSpace(h) // row errors name the column as the file does, less padding
		k := strings.ToLower(header[i])
		if _, dup := t.cols[k]; !dup && k != "" {
			t.cols[k] = i
		}
	}
	return t, nil
}

// Index returns the column of the first of names that the header has, or -1.
func (t *Table) Index(names ...string) int {
	for _, n := range names {
		if i, ok := t.cols[n]; ok {
			return i
		}
	}
	return -1
}

// Missing returns the names the header lacks.
func (t *Table) Missing(names []string) []string {
	var out []string
	for _, n := range names {
		if t.Index(n) < 0 {
			out = append(out, n)
		}
	}
	return out
}

// Next reads one row. raw is the row's bytes without its line ending; line
// is the physical line the row starts on (also for a *csv.ParseError).
func (t *Table) Next() (row []string, raw []byte, line int, err error) {
	row, err = t.cr.Read()
	end := t.cr.InputOffset()
	raw = t.rec.take(t.off, end)
	t.off = end
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, raw, line, err
	}
	line, _ = t.cr.FieldPos(0)
	return row, raw, line, nil
}

// recorder keeps the bytes the CSV reader has read and not yet handed out
// as a row, so that each row's exact bytes can be kept.
type recorder struct {
	r    io.Reader
	buf  []byte
	base int64 // input offset of buf[0]
}

func (w *recorder) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.buf = append(w.buf, p[:n]...)
	return n, err
}

// take returns a copy of the input between offsets from and to, trimmed of
// line endings (blank lines the CSV reader skipped come before a row), and
// forgets everything before to.
func (w *recorder) take(from, to int64) []byte {
	lo, hi := clamp(from-w.base, len(w.buf)), clamp(to-w.base, len(w.buf))
	if lo > hi {
		lo = hi
	}
	raw := bytes.Trim(w.buf[lo:hi], "\r\n")
	raw = append([]byte(nil), raw...)
	n := copy(w.buf, w.buf[hi:])
	w.buf = w.buf[:n]
	w.base += int64(hi)
	return raw
}

func clamp(i int64, n int) int {
	switch {
	case i < 0:
		return 0
	case i > int64(n):
		return n
	}
	return int(i)
}

// IsHXL reports whether a row is a row of HXL hashtags ("#date+start"),
// which HDX distributions put right under the header.
func IsHXL(row []string) bool {
	seen := false
	for _, c := range row {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if c[0] != '#' {
			return false
		}
		seen = true
	}
	return seen
}

// Row reads the next data row of file: io.EOF at the end; a *RowError for
// a row that is not well-formed CSV or whose field count differs from the
// header's, after which reading can go on; any other error, wrapped with
// the file name, ends the file. An HXL hashtag row right under the header,
// as HDX distributions carry, is passed over.
func (t *Table) Row(file string) (row []string, raw []byte, line int, err error) {
	for {
		row, raw, line, err = t.Next()
		t.rows++
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return nil, nil, 0, io.EOF
		case errors.As(err, &pe):
			return nil, raw, line, &RowError{File: file, Line: line, Reason: "malformed CSV: " + pe.Err.Error(), Raw: string(raw)}
		case err != nil:
			return nil, nil, 0, fmt.Errorf("%s: %w", file, err)
		}
		if t.rows == 1 && IsHXL(row) {
			continue
		}
		if len(row) != len(t.Header) {
			return nil, raw, line, &RowError{File: file, Line: line,
				Reason: fmt.Sprintf("%d fields, want %d", len(row), len(t.Header)), Raw: string(raw)}
		}
		return row, raw, line, nil
	}
}
