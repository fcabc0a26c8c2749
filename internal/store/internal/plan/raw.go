package plan

import "fmt"

// Raw codecs: how a report's raw bytes are stored (the raw_codec column).
//
// Imports store raw reports as they are. compress/flate at BestSpeed, the
// fastest codec in the standard library, halves a GTD row (1,606 to 848
// bytes on average over the shared GTD sample) but costs 12–27 µs of CPU
// a row on this project's 2-core machines: more than the whole budget of
// an import row, and more than writing the saved bytes costs. The codec
// column lets a later version compress without a schema change.
const (
	CodecNone = "" // stored as is
)

// DecodeRaw returns the raw bytes stored with codec.
func DecodeRaw(codec string, data []byte) ([]byte, error) {
	switch codec {
	case CodecNone:
		if data == nil {
			return []byte{}, nil
		}
		return data, nil
	}
	return nil, fmt.Errorf("unknown raw codec %q", codec)
}
