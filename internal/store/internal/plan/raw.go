package plan

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// Raw codecs: how a report's raw bytes are stored.
const (
	CodecNone    = ""        // stored as is
	CodecDeflate = "deflate" // compress/flate at BestSpeed
)

// minDeflate is the smallest raw report worth compressing: below it the
// codec's fixed cost outweighs what it saves.
const minDeflate = 256

// rawEncoder compresses raw reports, reusing one flate writer: a new
// writer allocates hundreds of kilobytes.
type rawEncoder struct {
	w   *flate.Writer
	buf bytes.Buffer
}

// encode returns how raw is best stored: deflated when that is smaller,
// else as is.
func (e *rawEncoder) encode(raw []byte) (codec string, data []byte) {
	if len(raw) < minDeflate {
		return CodecNone, raw
	}
	e.buf.Reset()
	if e.w == nil {
		// BestSpeed never fails with a valid level.
		e.w, _ = flate.NewWriter(&e.buf, flate.BestSpeed)
	} else {
		e.w.Reset(&e.buf)
	}
	if _, err := e.w.Write(raw); err != nil {
		return CodecNone, raw
	}
	if err := e.w.Close(); err != nil || e.buf.Len() >= len(raw) {
		return CodecNone, raw
	}
	return CodecDeflate, bytes.Clone(e.buf.Bytes())
}

// EncodeRaw returns how raw is best stored (see Plan.Encode).
func EncodeRaw(raw []byte) (codec string, data []byte) {
	var e rawEncoder
	return e.encode(raw)
}

// DecodeRaw returns the raw bytes stored with codec.
func DecodeRaw(codec string, data []byte) ([]byte, error) {
	switch codec {
	case CodecNone:
		return data, nil
	case CodecDeflate:
		r := flate.NewReader(bytes.NewReader(data))
		defer r.Close()
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("inflate raw report: %w", err)
		}
		return raw, nil
	}
	return nil, fmt.Errorf("unknown raw codec %q", codec)
}
