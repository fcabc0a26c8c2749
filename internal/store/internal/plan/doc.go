package plan

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/vigil-project/vigil/internal/model"
)

// claimEncoder writes claims' JSON documents: what json.Marshal gives,
// except that the codes come last. encoding/json writes a map through
// reflection and sorts its keys anew for every claim; for a GTD claim's
// thirty-odd codes that was a twelfth of an import's time. The claims of
// one source share their code names, so the sorted names of the last
// claim are kept and reused while they fit. Prepare has checked that the
// text is valid UTF-8.
type claimEncoder struct {
	keys []string // the last claim's code names, sorted
}

// marshal returns c's document.
func (e *claimEncoder) marshal(c model.Claim) ([]byte, error) {
	codes := c.Codes
	c.Codes = nil // omitempty: left out
	b, err := json.Marshal(c)
	if err != nil || len(codes) == 0 {
		return b, err
	}
	if !e.sameKeys(codes) {
		e.keys = slices.AppendSeq(e.keys[:0], maps.Keys(codes))
		slices.Sort(e.keys)
	}
	b = append(b[:len(b)-1], `,"codes":{`...)
	for i, k := range e.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, codes[k])
	}
	return append(b, "}}"...), nil
}

// sameKeys reports whether codes has exactly the names in e.keys.
func (e *claimEncoder) sameKeys(codes map[string]string) bool {
	if len(e.keys) != len(codes) {
		return false
	}
	for _, k := range e.keys {
		if _, ok := codes[k]; !ok {
			return false
		}
	}
	return true
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
