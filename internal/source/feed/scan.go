package feed

import (
	"bytes"
)

// segment is one item element's bytes in a feed document.
type segment struct {
	start, end int // doc[start:end] is the element, tags included
	line       int // line of its start tag, from 1
}

// maxSegments bounds how many items one document is scanned for, so that
// a hostile document of a million empty items costs bounded work.
const maxSegments = 100_000

// scanItems finds the <item> and <entry> elements of an XML feed (any
// namespace prefix) without parsing it: their bytes are the items "as
// received" that reports keep, and a document the XML parser gives up on
// is salvaged item by item from them. Comments, CDATA sections and
// processing instructions are skipped, so markup inside them does not
// count; an element without its end tag (a truncated feed) is not
// returned.
func scanItems(doc []byte) []segment {
	var out []segment
	line := 1
	i := 0
	for i < len(doc) && len(out) < maxSegments {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			break
		}
		line += bytes.Count(doc[i:i+j], []byte{'\n'})
		i += j
		if skip := skipSpecial(doc, i); skip > 0 {
			line += bytes.Count(doc[i:skip], []byte{'\n'})
			i = skip
			continue
		}
		name, ok := itemStart(doc[i:])
		if !ok {
			i++
			continue
		}
		end := findEnd(doc, i+1, name)
		if end < 0 {
			break
		}
		out = append(out, segment{start: i, end: end, line: line})
		line += bytes.Count(doc[i:end], []byte{'\n'})
		i = end
	}
	return out
}

// skipSpecial returns the index after a comment, CDATA section,
// declaration or processing instruction starting at doc[i], or 0 when
// none starts there. An unterminated one runs to the end.
func skipSpecial(doc []byte, i int) int {
	rest := doc[i:]
	var close []byte
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		close = []byte("-->")
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		close = []byte("]]>")
	case bytes.HasPrefix(rest, []byte("<?")):
		close = []byte("?>")
	case bytes.HasPrefix(rest, []byte("<!")):
		close = []byte(">")
	default:
		return 0
	}
	k := bytes.Index(rest[2:], close)
	if k < 0 {
		return len(doc)
	}
	return i + 2 + k + len(close)
}

// itemStart reports whether b starts with the start tag of an item or
// entry element, and returns the element's qualified name.
func itemStart(b []byte) ([]byte, bool) {
	k := 1
	for k < len(b) && isNameByte(b[k]) {
		k++
	}
	if k == 1 || k >= len(b) {
		return nil, false
	}
	name := b[1:k]
	local := name
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		local = name[c+1:]
	}
	if !bytes.Equal(local, []byte("item")) && !bytes.Equal(local, []byte("entry")) {
		return nil, false
	}
	switch b[k] {
	case '>', '/', ' ', '\t', '\n', '\r':
		return name, true
	}
	return nil, false
}

func isNameByte(c byte) bool {
	return c == ':' || c == '-' || c == '_' || c == '.' ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// findEnd returns the index just after the end tag </name> that closes the
// element whose start tag begins before from, or -1. A self-closing start
// tag ends the element at once. Same-named elements nested inside (an
// Atom entry's <source> never holds one, but a broken feed might) are
// counted.
func findEnd(doc []byte, from int, name []byte) int {
	gt := bytes.IndexByte(doc[from:], '>')
	if gt < 0 {
		return -1
	}
	if doc[from+gt-1] == '/' {
		return from + gt + 1
	}
	depth := 1
	i := from + gt + 1
	for i < len(doc) {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if skip := skipSpecial(doc, i); skip > 0 {
			i = skip
			continue
		}
		rest := doc[i+1:]
		closing := len(rest) > 0 && rest[0] == '/'
		if closing {
			rest = rest[1:]
		}
		if bytes.HasPrefix(rest, name) && len(rest) > len(name) && !isNameByte(rest[len(name)]) {
			if closing {
				depth--
				if depth == 0 {
					k := bytes.IndexByte(doc[i:], '>')
					if k < 0 {
						return -1
					}
					return i + k + 1
				}
			} else if gt := bytes.IndexByte(rest, '>'); gt < 0 || rest[gt-1] != '/' {
				depth++
			}
		}
		i++
	}
	return -1
}
