package plan

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/vigil-project/vigil/internal/model"
)

// marshalClaim returns a claim's JSON document: what json.Marshal gives,
// except that the codes come last. encoding/json writes a map through
// reflection and sorts its keys as reflect values; for a GTD claim's
// thirty-odd codes that was a twelfth of an import's time, so the codes
// are written here. Prepare has checked that the text is valid UTF-8.
func marshalClaim(c model.Claim) ([]byte, error) {
	codes := c.Codes
	c.Codes = nil // omitempty: left out
	b, err := json.Marshal(c)
	if err != nil || len(codes) == 0 {
		return b, err
	}
	b = append(b[:len(b)-1], `,"codes":{`...)
	for i, k := range slices.Sorted(maps.Keys(codes)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, codes[k])
	}
	return append(b, "}}"...), nil
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
