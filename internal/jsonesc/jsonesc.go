// Package jsonesc writes a Go string as a JSON string into a byte slice,
// without reflection or allocation, for the hand-written encoders on hot
// paths: an import's documents (store/internal/plan), which must be the
// bytes json.Marshal writes, and an archive's rows (archive), which are
// read by programs only.
package jsonesc

import "unicode/utf8"

// Mode says how far a string is escaped beyond what JSON requires.
type Mode uint8

const (
	// HTML escapes <, > and & as \u003c, \u003e and \u0026, and \b and \f
	// by their short forms: the bytes encoding/json writes.
	HTML Mode = 1 << iota
)

// Append appends s to b as a quoted JSON string. Control characters,
// '"' and '\\' are escaped (\n, \r and \t by their short forms), and
// U+2028 and U+2029 too, as encoding/json does, since they end lines in
// JavaScript. A byte that is not valid UTF-8 is written as \ufffd, as
// encoding/json does, and valid reports false so that a caller that
// needs the original bytes can tell.
func Append(b []byte, s string, m Mode) (out []byte, valid bool) {
	const hex = "0123456789abcdef"
	safe := &plain
	if m&HTML != 0 {
		safe = &htmlSafe
	}
	valid = true
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b' && m&HTML != 0:
				b = append(b, '\\', 'b')
			case c == '\f' && m&HTML != 0:
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			valid = false
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"'), valid
}

// plain and htmlSafe say which ASCII bytes are written as they are: a
// table look-up is cheaper than the comparisons on every byte of text.
var plain, htmlSafe = safeSets()

func safeSets() (plain, html [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}
