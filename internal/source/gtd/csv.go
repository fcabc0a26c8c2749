package gtd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"

	"github.com/vigil-project/vigil/internal/source"
)

const (
	// bufSize is the read buffer, and the window the encoding is sniffed in.
	bufSize = 64 << 10
	// maxRecord bounds one row: GTD rows are a few KiB, so a row past this
	// is a quote left open that would swallow the rest of the file.
	maxRecord = 16 << 20
)

// encoding is what the CSV bytes are taken to be.
type encoding int

const (
	// encSniff: no BOM and no proof yet; a record that is valid UTF-8 is
	// read as UTF-8, and the first one that is not proves Windows-1252.
	encSniff encoding = iota
	// encUTF8: the file has a UTF-8 BOM; a record that is nonetheless not
	// valid UTF-8 is decoded as Windows-1252 rather than rejected.
	encUTF8
	// encCP1252: GTD's own encoding, proven by a byte sequence that is not
	// UTF-8; every record is decoded from Windows-1252.
	encCP1252
)

// cp1252High maps the bytes 0x80–0xFF of Windows-1252 to runes.
var cp1252High = func() (t [128]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(0x80 + i))
	}
	return t
}()

// csvRows splits a GTD CSV stream into rows. It is its own RFC 4180
// parser rather than encoding/csv because a report keeps the row's exact
// bytes and the line it starts on, which encoding/csv does not expose, and
// because decoding per row lets plain ASCII rows skip decoding.
type csvRows struct {
	name   string
	header []string
	br     *bufio.Reader
	enc    encoding
	line   int    // physical lines consumed so far
	rec    []byte // the current record's bytes as read, reused
	dec    []byte // the current record decoded to UTF-8, reused
	fields []string
}

// NewReader reads a GTD file in CSV form. The bytes are taken as
// Windows-1252, GTD's encoding, unless they are UTF-8: a UTF-8 BOM settles
// it; otherwise the first 64 KiB and then each row are checked, and the
// first byte sequence that is not UTF-8 switches the file to Windows-1252.
// The header is read and checked at once.
func NewReader(r io.Reader, opts source.Options) (*Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < bufSize {
		br = bufio.NewReaderSize(r, bufSize)
	}
	c := &csvRows{name: opts.Name, br: br}
	if err := c.sniff(); err != nil {
		return nil, err
	}
	header, err := c.readHeader()
	if err != nil {
		return nil, err
	}
	c.header = header
	return newReader(header, c, opts)
}

// sniff skips a UTF-8 BOM and picks the encoding from the first window.
func (c *csvRows) sniff() error {
	if b, _ := c.br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		c.br.Discard(3)
		c.enc = encUTF8
		return nil
	}
	w, err := c.br.Peek(bufSize)
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, bufio.ErrBufferFull):
	default:
		return fmt.Errorf("%s: %w", c.name, err)
	}
	if invalidUTF8(w, err != nil) {
		c.enc = encCP1252
	}
	return nil
}

// invalidUTF8 reports whether w holds a sequence that is not UTF-8. A
// sequence cut off at the end of a window that is not the end of the file
// does not count.
func invalidUTF8(w []byte, atEOF bool) bool {
	if utf8.Valid(w) {
		return false
	}
	if !atEOF {
		for k := 1; k <= utf8.UTFMax-1 && k <= len(w); k++ {
			if tail := w[len(w)-k:]; utf8.RuneStart(tail[0]) {
				if !utf8.FullRune(tail) {
					return !utf8.Valid(w[:len(w)-k])
				}
				break
			}
		}
	}
	return true
}

// readHeader reads the header row. A file with no header, or one that
// cannot be split, is not GTD.
func (c *csvRows) readHeader() ([]string, error) {
	notGTD := &source.KindError{File: c.name, Kind: kind, Expected: requiredColumns, Missing: requiredColumns}
	rec, _, err := c.readRecord()
	if errors.Is(err, io.EOF) {
		return nil, notGTD
	}
	if err != nil {
		return nil, err
	}
	fields, bad, _ := splitFields(nil, string(c.decode(rec)))
	if bad >= 0 {
		return nil, notGTD
	}
	return fields, nil
}

// next implements rowSource.
func (c *csvRows) next() ([]string, int, []byte, error) {
	rec, line, err := c.readRecord()
	if err != nil {
		return nil, 0, nil, err
	}
	raw := bytes.Clone(c.decode(rec))
	// The fields are cut from raw's own memory, one copy of the row
	// instead of two: a report's Raw is immutable (see Reader).
	s := unsafe.String(unsafe.SliceData(raw), len(raw))
	fields, bad, reason := splitFields(c.fields[:0], s)
	c.fields = fields[:0]
	if bad >= 0 {
		field := ""
		if bad < len(c.header) {
			field = strings.TrimSpace(c.header[bad])
		}
		return nil, line, nil, &source.RowError{File: c.name, Line: line, Field: field, Reason: reason, Raw: s}
	}
	if len(fields) != len(c.header) {
		return nil, line, nil, &source.RowError{File: c.name, Line: line,
			Reason: fmt.Sprintf("%d fields, want %d", len(fields), len(c.header)), Raw: s}
	}
	return fields, line, raw, nil
}

func (c *csvRows) close() error { return nil }

// Scanner states of the record splitter.
const (
	stField    = iota // at the start of a field
	stUnquoted        // inside an unquoted field
	stQuoted          // inside a quoted field
	stQuote           // just after a quote inside a quoted field: closing, or the first of ""
)

// readRecord returns the bytes of the next non-blank record without its
// final line break, and the line it starts on. A record is one physical
// line, or several while a quoted field is open. The bytes are valid until
// the next call.
func (c *csvRows) readRecord() ([]byte, int, error) {
	for {
		c.rec = c.rec[:0]
		start := c.line + 1
		state := stField
		for {
			chunk, err := c.br.ReadSlice('\n')
			state = scan(state, chunk)
			c.rec = append(c.rec, chunk...)
			if len(c.rec) > maxRecord {
				return nil, start, fmt.Errorf("%s:%d: row longer than %d MiB: is a quote left open?", c.name, start, maxRecord>>20)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, start, fmt.Errorf("%s:%d: %w", c.name, start, err)
			}
			if n := len(chunk); n > 0 && chunk[n-1] == '\n' {
				c.line++
				if state != stQuoted && err == nil {
					break
				}
			}
			if err != nil { // io.EOF: the record ends with the file, even inside quotes
				if len(c.rec) == 0 {
					return nil, start, io.EOF
				}
				break
			}
		}
		rec := trimEOL(c.rec)
		if len(rec) > 0 {
			return rec, start, nil
		}
	}
}

// scan runs the splitter's state machine over a chunk of a record. Only
// the state matters: the fields are cut later, from the decoded bytes.
// Outside quotes, only a quote that opens a field changes what follows,
// so the scan jumps from quote to quote (a GTD row has a few quoted
// fields among its 135) instead of from comma to comma: 0.2 of the 0.3
// CPU seconds it took over a 200,000-row file.
func scan(state int, b []byte) int {
	for i := 0; i < len(b); {
		switch state {
		case stQuoted:
			j := bytes.IndexByte(b[i:], '"')
			if j < 0 {
				return stQuoted
			}
			i += j + 1
			state = stQuote
		case stQuote:
			switch b[i] {
			case '"':
				state = stQuoted
			case ',', '\n':
				state = stField
			default:
				state = stUnquoted // malformed; splitFields names the field
			}
			i++
		default: // stField or stUnquoted
			j := bytes.IndexByte(b[i:], '"')
			if j < 0 {
				return afterUnquoted(state, b[i:])
			}
			state = afterUnquoted(state, b[i:i+j])
			if state == stField {
				state = stQuoted
			} // else a quote inside an unquoted field: malformed, splitFields names it
			i += j + 1
		}
	}
	return state
}

// afterUnquoted is the state after b, which holds no quote, from state
// stField or stUnquoted: at a field's start after a comma or a line
// break, else inside an unquoted field.
func afterUnquoted(state int, b []byte) int {
	if len(b) == 0 {
		return state
	}
	if c := b[len(b)-1]; c == ',' || c == '\n' {
		return stField
	}
	return stUnquoted
}

// trimEOL drops a final "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// decode returns rec as UTF-8, following the file's encoding (see
// NewReader). The result is valid until the next call.
func (c *csvRows) decode(rec []byte) []byte {
	if c.enc != encCP1252 {
		if utf8.Valid(rec) {
			return rec
		}
		if c.enc == encSniff {
			c.enc = encCP1252
		}
	} else if isASCII(rec) {
		return rec
	}
	c.dec = c.dec[:0]
	for len(rec) > 0 {
		i := 0
		for i < len(rec) && rec[i] < utf8.RuneSelf {
			i++
		}
		c.dec = append(c.dec, rec[:i]...)
		if i == len(rec) {
			break
		}
		c.dec = utf8.AppendRune(c.dec, cp1252High[rec[i]-0x80])
		rec = rec[i+1:]
	}
	return c.dec
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// splitFields cuts a decoded record into fields (RFC 4180: "" is a quote
// inside a quoted field; a quoted line break "\r\n" reads as "\n", as
// encoding/csv does). Fields without escapes are substrings of s. bad is
// the index of a malformed field, or -1, with the reason.
func splitFields(dst []string, s string) (fields []string, bad int, reason string) {
	fields = dst
	for i := 0; ; {
		if i < len(s) && s[i] == '"' {
			f, n, ok, why := quotedField(s[i:])
			if !ok {
				return fields, len(fields), why
			}
			fields = append(fields, f)
			i += n
		} else {
			j := strings.IndexByte(s[i:], ',')
			end := len(s)
			if j >= 0 {
				end = i + j
			}
			f := s[i:end]
			if strings.IndexByte(f, '"') >= 0 {
				return fields, len(fields), `bare " in unquoted field`
			}
			fields = append(fields, f)
			i = end
		}
		if i >= len(s) {
			return fields, -1, ""
		}
		i++ // the comma
	}
}

// quotedField reads the quoted field that s starts with. n is the number
// of bytes it takes, up to but not including the comma after it.
func quotedField(s string) (f string, n int, ok bool, why string) {
	escapes := 0
	end := -1
	for i := 1; end < 0; {
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			return "", 0, false, "quoted field not closed"
		}
		i += j
		switch {
		case i+1 < len(s) && s[i+1] == '"':
			escapes++
			i += 2
		case i+1 < len(s) && s[i+1] != ',':
			return "", 0, false, "text after closing quote"
		default:
			end = i
		}
	}
	f = s[1:end]
	if escapes > 0 {
		var b strings.Builder
		b.Grow(len(f) - escapes)
		for {
			i := strings.Index(f, `""`)
			if i < 0 {
				break
			}
			b.WriteString(f[:i+1])
			f = f[i+2:]
		}
		b.WriteString(f)
		f = b.String()
	}
	if strings.Contains(f, "\r\n") {
		f = strings.ReplaceAll(f, "\r\n", "\n")
	}
	return f, end + 1, true, ""
}
