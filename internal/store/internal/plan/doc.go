package plan

import (
	"encoding/json"
	"slices"

	"github.com/vigil-project/vigil/internal/model"
)

// claimEncoder writes claims' JSON documents: what json.Marshal gives,
// except that the codes come last. encoding/json writes a struct through
// reflection and a map with its keys sorted anew for every claim; for a
// GTD claim's thirty-odd codes that was a twelfth of an import's time.
// appendClaim writes the fields, and the codes are written in the order
// of every code name seen so far, kept sorted, so that a claim's names
// need no sorting of their own. Prepare has checked that the text is
// valid UTF-8.
type claimEncoder struct {
	keys []string // every code name seen, sorted
}

// marshal returns c's document.
func (e *claimEncoder) marshal(c model.Claim) ([]byte, error) {
	return e.append(make([]byte, 0, 512+40*len(c.Codes)), c)
}

// append appends c's document to b. An import writes a batch's claim
// documents one after another into its chunk this way, without a buffer
// of their own.
func (e *claimEncoder) append(b []byte, c model.Claim) ([]byte, error) {
	codes := c.Codes
	c.Codes = nil // omitempty: left out
	start := len(b)
	b, ok := appendClaim(b, &c)
	if !ok {
		j, err := json.Marshal(c)
		if err != nil {
			return b[:start], err
		}
		b = append(b[:start], j...)
	}
	if len(codes) == 0 {
		return b, nil
	}
	b = append(b[:len(b)-1], `,"codes":{`...)
	mark := len(b)
	for {
		n := 0
		for _, k := range e.keys {
			v, ok := codes[k]
			if !ok {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
		if n == len(codes) {
			return append(b, "}}"...), nil
		}
		// A code name not seen before: learn the claim's names and write
		// the codes again, once more at most, since every name is then
		// known and e.keys holds each name once.
		e.learn(codes)
		b = b[:mark]
	}
}

// learn adds the names of codes to e.keys, keeping it sorted and without
// duplicates.
func (e *claimEncoder) learn(codes map[string]string) {
	known := len(e.keys)
	for k := range codes {
		if _, found := slices.BinarySearch(e.keys[:known], k); !found {
			e.keys = append(e.keys, k)
		}
	}
	slices.Sort(e.keys)
	e.keys = slices.Compact(e.keys)
}

// appendJSONString appends s as a JSON string. s must be valid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
