package archive

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/jsonesc"
	"github.com/vigil-project/vigil/internal/store"
)

// timeLayout is how times are written: RFC 3339 in UTC, to the
// microsecond at most (what both stores keep), trailing zeros dropped.
const timeLayout = time.RFC3339Nano

// appendRow appends one row of t as a JSON object, keys in column order,
// and a newline. Text must be valid UTF-8: JSON cannot carry other bytes,
// and replacing them would change the row.
func appendRow(b []byte, t *store.DumpTable, row []any) ([]byte, error) {
	b = append(b, '{')
	for i, c := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, c.Name)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, c, row[i]); err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
	}
	return append(b, '}', '\n'), nil
}

func appendValue(b []byte, c store.DumpColumn, v any) ([]byte, error) {
	if v == nil {
		if !c.Null {
			return nil, errors.New("null in a column that does not allow it")
		}
		return append(b, "null"...), nil
	}
	switch c.Kind {
	case store.KindText, store.KindDate:
		if s, ok := v.(string); ok {
			if !utf8.ValidString(s) {
				return nil, errors.New("text is not valid UTF-8")
			}
			return appendString(b, s), nil
		}
	case store.KindInt:
		if n, ok := v.(int64); ok {
			return strconv.AppendInt(b, n, 10), nil
		}
	case store.KindFloat:
		if f, ok := v.(float64); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%v is not a finite number", f)
			}
			return strconv.AppendFloat(b, f, 'g', -1, 64), nil
		}
	case store.KindBool:
		if x, ok := v.(bool); ok {
			return strconv.AppendBool(b, x), nil
		}
	case store.KindTime:
		if t, ok := v.(time.Time); ok {
			b = append(b, '"')
			b = t.UTC().Truncate(time.Microsecond).AppendFormat(b, timeLayout)
			return append(b, '"'), nil
		}
	case store.KindJSON:
		if raw, ok := v.([]byte); ok {
			return appendCanonical(b, raw)
		}
	case store.KindBytes:
		if raw, ok := v.([]byte); ok {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, raw)
			return append(b, '"'), nil
		}
	}
	return nil, fmt.Errorf("value of type %T for a %s column", v, c.Kind)
}

// appendString appends s as a JSON string. Unlike encoding/json it does
// not escape <, > and &: a dump is read by programs, not browsers. Text
// that is not valid UTF-8 is written with U+FFFD in its place.
func appendString(b []byte, s string) []byte {
	b, _ = jsonesc.Append(b, s, 0)
	return b
}

// appendCanonical appends the JSON value raw in vigil's canonical form:
// compact, object keys sorted bytewise, strings escaped as appendString
// does, integers as written, other numbers as the shortest text that
// reads back as the same float64. PostgreSQL's jsonb reorders keys and
// respaces documents; the canonical form makes a document the same bytes
// whichever store it was dumped from.
func appendCanonical(b []byte, raw []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := d.Token(); err == nil {
		return nil, errors.New("invalid JSON: more than one value")
	}
	return appendAny(b, v)
}

func appendAny(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendString(b, x), nil
	case json.Number:
		return appendNumber(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendAny(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendAny(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("JSON value of type %T", v)
}

// appendNumber keeps an integer as written (it may not fit a float64)
// and writes any other number as the shortest form of its float64, or as
// written when it is beyond a float64's range.
func appendNumber(b []byte, n json.Number) ([]byte, error) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			return append(b, '0'), nil
		}
		return append(b, s...), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Beyond float64 (1e400): kept as written, as an integer is.
		return append(b, s...), nil
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(b, int64(f), 10), nil
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64), nil
}

// FieldError is a value of a dump that cannot be restored: the file, the
// line (from 1) and the field, with the reason.
type FieldError struct {
	File  string
	Line  int64
	Field string // "" when the line as a whole is wrong
	Err   error
}

// Error returns "FILE:LINE: field FIELD: reason".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: field %s: %v", e.File, e.Line, e.Field, e.Err)
}

// Unwrap returns the reason.
func (e *FieldError) Unwrap() error { return e.Err }

// parseRow reads one line of t's file into row (len(t.Columns) values).
// A key the table does not have is an error; a missing key is NULL in a
// column that allows it (a dump made before the column existed), else an
// error.
func parseRow(line []byte, t *store.DumpTable, row []any) (field string, err error) {
	var obj map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&obj); err != nil {
		return "", fmt.Errorf("not a JSON object: %w", err)
	}
	if obj == nil {
		return "", errors.New("not a JSON object")
	}
	if _, err := d.Token(); err == nil {
		return "", errors.New("more than one JSON value on the line")
	}
	for k := range obj {
		if t.Column(k) < 0 {
			return k, fmt.Errorf("table %s has no such column", t.Name)
		}
	}
	for i, c := range t.Columns {
		raw, ok := obj[c.Name]
		if !ok {
			if c.Null {
				row[i] = nil
				continue
			}
			return c.Name, errors.New("missing")
		}
		v, err := parseValue(c, raw)
		if err != nil {
			return c.Name, err
		}
		row[i] = v
	}
	return "", nil
}

func parseValue(c store.DumpColumn, raw json.RawMessage) (any, error) {
	if string(raw) == "null" {
		if !c.Null {
			return nil, errors.New("null in a column that does not allow it")
		}
		return nil, nil
	}
	switch c.Kind {
	case store.KindText:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a string: %w", err)
		}
		return s, nil
	case store.KindDate:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a date string: %w", err)
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, fmt.Errorf("want a date YYYY-MM-DD: %q", s)
		}
		return s, nil
	case store.KindInt:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want an integer, got %.40s", raw)
		}
		return n, nil
	case store.KindFloat:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || math.IsInf(f, 0) || raw[0] == '"' {
			return nil, fmt.Errorf("want a number, got %.40s", raw)
		}
		return f, nil
	case store.KindBool:
		switch string(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("want true or false, got %.40s", raw)
	case store.KindTime:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a time string: %w", err)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("want an RFC 3339 time: %q", s)
		}
		return t.UTC().Truncate(time.Microsecond), nil
	case store.KindJSON:
		// Stored as given: the decoder has checked it is one JSON value,
		// and a dump writes it canonical again whatever its spacing.
		return []byte(raw), nil
	case store.KindBytes:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a base64 string: %w", err)
		}
		out, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("want base64: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown kind %s", c.Kind)
}
