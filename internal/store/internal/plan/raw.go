package plan

import (
	"container/list"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Raw reports are stored per import batch, not per report: a batch's raw
// bytes, concatenated in report order, are compressed as one chunk (a
// raw_chunks row) and each report keeps its chunk, offset and length.
//
// Why: raw rows were half of the bytes an import wrote (a GTD row is
// 1.6 kB), and writing bytes is what a SQLite import spends its time on.
// Rows of one file share most of their text, so a whole chunk compresses
// far better than rows one by one (compress/flate at BestSpeed only
// halved a single GTD row, at 12–27 µs of CPU a row), and zstd at its
// fastest level compresses a 2,000-row chunk in a few milliseconds, on
// another goroutine while the write transaction runs.

// Chunk codecs: how a chunk's data is encoded (the codec column).
const (
	CodecNone = ""     // stored as is
	CodecZstd = "zstd" // one zstd frame
)

// maxChunk is the largest decoded chunk DecodeChunk accepts: far above
// any batch (2,000 rows of a few kB), low enough that a corrupt length
// in a stored frame cannot make a reader allocate without bound.
const maxChunk = 1 << 30

// The zstd coders are safe for concurrent EncodeAll and DecodeAll calls
// and costly to create, so every batch and reader shares one of each.
var (
	zstdEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
		return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(2))
	})
	zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxChunk))
	})
)

// EncodeChunk compresses the concatenated raw bytes of a batch.
func EncodeChunk(raw []byte) (codec string, data []byte, err error) {
	enc, err := zstdEncoder()
	if err != nil {
		return "", nil, fmt.Errorf("raw chunk: %w", err)
	}
	return CodecZstd, enc.EncodeAll(raw, make([]byte, 0, len(raw)/4+64)), nil
}

// DecodeChunk returns the raw bytes of a chunk stored with codec.
func DecodeChunk(codec string, data []byte) ([]byte, error) {
	switch codec {
	case CodecNone:
		if data == nil {
			return []byte{}, nil
		}
		return data, nil
	case CodecZstd:
		dec, err := zstdDecoder()
		if err != nil {
			return nil, fmt.Errorf("raw chunk: %w", err)
		}
		out, err := dec.DecodeAll(data, nil)
		if err != nil {
			return nil, fmt.Errorf("raw chunk: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown raw chunk codec %q", codec)
}

// SliceRaw returns a copy of the bytes [offset, offset+length) of a
// decoded chunk, or an error when the stored range does not fit in it.
func SliceRaw(chunk []byte, offset, length int64) ([]byte, error) {
	if offset < 0 || length < 0 || offset > int64(len(chunk)) || length > int64(len(chunk))-offset {
		return nil, fmt.Errorf("raw range %d+%d outside its chunk of %d bytes", offset, length, len(chunk))
	}
	out := make([]byte, length)
	copy(out, chunk[offset:offset+length])
	return out, nil
}

// ChunkCache keeps the last few decoded chunks, so that reading the
// reports of one batch one after another decodes their chunk once. It is
// safe for concurrent use; the zero value is not usable, see NewChunkCache.
type ChunkCache struct {
	mu    sync.Mutex
	max   int
	order *list.List              // of *cached, most recently used first
	byID  map[int64]*list.Element // into order
}

type cached struct {
	id   int64
	data []byte
}

// NewChunkCache returns a cache of at most n decoded chunks.
func NewChunkCache(n int) *ChunkCache {
	return &ChunkCache{max: max(n, 1), order: list.New(), byID: make(map[int64]*list.Element)}
}

// Get returns the decoded chunk id, calling load (outside the lock) when
// it is not cached. The returned bytes are shared: callers must not
// change them.
func (c *ChunkCache) Get(id int64, load func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.byID[id]; ok {
		c.order.MoveToFront(e)
		data := e.Value.(*cached).data
		c.mu.Unlock()
		return data, nil
	}
	c.mu.Unlock()
	data, err := load()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok { // loaded meanwhile by another reader
		c.order.MoveToFront(e)
		return e.Value.(*cached).data, nil
	}
	c.byID[id] = c.order.PushFront(&cached{id: id, data: data})
	for c.order.Len() > c.max {
		e := c.order.Back()
		delete(c.byID, e.Value.(*cached).id)
		c.order.Remove(e)
	}
	return data, nil
}
