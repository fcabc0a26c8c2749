package feed

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// xmlDecl matches an XML declaration's encoding attribute; group 1 is
// the label, group 0 ends at its closing quote.
var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']`)

// toUTF8 returns a feed document as UTF-8 with its XML declaration (if
// any) saying so, and the name of the encoding it was read in.
//
// The XML parser would honour a declared encoding itself, but not a
// document that declares none and is not UTF-8 (real feeds served as
// ISO-8859-1 without a declaration), nor a declaration that lies. The
// encoding is taken from, in order: a byte-order mark, the XML
// declaration, the HTTP Content-Type, then the bytes themselves: valid
// UTF-8 is UTF-8, anything else is read as Windows-1252 (a superset of
// ISO-8859-1 that decodes every byte), which gets Western feeds right and
// never fails. A declared encoding under which the bytes do not decode
// falls back the same way. Bytes that are still not valid UTF-8 become
// U+FFFD, and control characters that XML forbids are removed, so that
// one bad byte cannot cost a whole feed.
func toUTF8(data []byte, contentType string) (out []byte, enc string, notes []string) {
	label := ""
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data, label = data[3:], "utf-8"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{'<', 0, '?', 0}):
		label = "utf-16le"
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0, '<', 0, '?'}):
		label = "utf-16be"
	}
	if label == "" {
		if m := xmlDecl.FindSubmatch(data); m != nil {
			label = strings.TrimSpace(string(m[1]))
		}
	}
	if label == "" && contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			label = params["charset"]
		}
	}

	var e encoding.Encoding
	name := ""
	if label != "" {
		switch strings.ToLower(label) {
		case "utf-16le":
			e, name = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "utf-16le"
		case "utf-16be":
			e, name = unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "utf-16be"
		case "utf-16":
			e, name = unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "utf-16"
		default:
			e, name = charset.Lookup(label)
			if e == nil {
				notes = append(notes, fmt.Sprintf("unknown encoding %q: read by its bytes", label))
			}
		}
	}
	if e != nil && name != "utf-8" {
		if dec, err := e.NewDecoder().Bytes(data); err == nil {
			data = dec
		} else {
			notes = append(notes, fmt.Sprintf("bytes are not %s (%v): read by their bytes", name, err))
			e = nil
		}
	}
	if e == nil {
		if utf8.Valid(data) {
			name = "utf-8"
		} else {
			data, _ = charmap.Windows1252.NewDecoder().Bytes(data) // decodes every byte
			name = "windows-1252"
			if label == "" {
				notes = append(notes, "no encoding declared and not UTF-8: read as Windows-1252")
			}
		}
	}
	if !utf8.Valid(data) {
		notes = append(notes, "invalid UTF-8 sequences replaced")
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	data, removed := dropControls(data)
	if removed > 0 {
		notes = append(notes, fmt.Sprintf("%d control characters removed", removed))
	}
	if m := xmlDecl.FindSubmatchIndex(data); m != nil {
		fixed := make([]byte, 0, len(data))
		fixed = append(fixed, data[:m[2]]...)
		fixed = append(fixed, "utf-8"...)
		fixed = append(fixed, data[m[3]:]...)
		data = fixed
	}
	return data, name, notes
}

// dropControls removes the C0 control characters other than tab, line
// feed and carriage return, which XML 1.0 forbids even as references,
// and returns how many it removed. It copies only when it must.
func dropControls(data []byte) ([]byte, int) {
	bad := func(c byte) bool { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' }
	n := 0
	for _, c := range data {
		if bad(c) {
			n++
		}
	}
	if n == 0 {
		return data, 0
	}
	out := make([]byte, 0, len(data)-n)
	for _, c := range data {
		if !bad(c) {
			out = append(out, c)
		}
	}
	return out, n
}
