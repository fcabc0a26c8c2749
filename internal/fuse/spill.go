package fuse

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// A store keeps its claims' documents in compressed chunks of a couple of
// thousand rows, in the order they were imported, and reads them fastest
// in that order: read in blocking order, nearly every claim would cost a
// chunk to decompress (measured: 40,000 claims took four times the CPU of
// the whole fusion before). So All reads the store once, in its order,
// and sorts the claims into blocking order itself, the way sort(1) does
// with more lines than memory: sorted runs of runClaims claims are
// written to temporary files, and each pass merges them. Memory holds one
// run while reading, then one claim per run. Each file is unlinked as soon
// as it is written and read through its open descriptor: a run killed
// mid-way leaves nothing behind on Unix.

// runClaims is how many claims one sorted run holds (tens of MB of slim
// claims).
const runClaims = 32768

// blockRec is a claim with its sort key, as a run holds it.
type blockRec struct {
	day int
	sc  StoredClaim
}

func blockCmp(a, b *blockRec) int {
	return cmp.Or(cmp.Compare(a.sc.Claim.Country, b.sc.Claim.Country), cmp.Compare(a.day, b.day),
		cmp.Compare(a.sc.Claim.ID, b.sc.Claim.ID))
}

// sorter puts claims in blocking order through sorted runs on disk.
type sorter struct {
	dir   string
	run   int // claims per run: runClaims, fewer in tests
	buf   []blockRec
	runs  []*os.File
	count int
}

// newSorter makes a sorter spilling into a new directory under tmp (the
// system's temporary directory when empty).
func newSorter(tmp string) (*sorter, error) {
	dir, err := os.MkdirTemp(tmp, "vigil-fuse-")
	if err != nil {
		return nil, fmt.Errorf("sort claims: %w", err)
	}
	return &sorter{dir: dir, run: runClaims}, nil
}

// close closes and removes the runs.
func (s *sorter) close() error {
	for _, f := range s.runs {
		f.Close()
	}
	return os.RemoveAll(s.dir)
}

// add takes a claim in any order.
func (s *sorter) add(sc StoredClaim) error {
	s.buf = append(s.buf, blockRec{day: epochDay(sc.Claim.Start), sc: sc})
	s.count++
	if len(s.buf) >= s.run {
		return s.spill()
	}
	return nil
}

// spill writes the buffer as one sorted run.
func (s *sorter) spill() error {
	slices.SortFunc(s.buf, func(a, b blockRec) int { return blockCmp(&a, &b) })
	name := filepath.Join(s.dir, "run"+strconv.Itoa(len(s.runs)))
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("sort claims: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	enc := json.NewEncoder(w) // one document a line
	for i := range s.buf {
		if err := enc.Encode(&s.buf[i].sc); err != nil {
			f.Close()
			return fmt.Errorf("sort claims: claim %s: %w", s.buf[i].sc.Claim.ID, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("sort claims: %s: %w", name, err)
	}
	// Read back through this descriptor; where an open file cannot be
	// removed (Windows) close removes the directory.
	_ = os.Remove(name)
	clear(s.buf)
	s.buf = s.buf[:0]
	s.runs = append(s.runs, f)
	return nil
}

// finish ends the input: a store smaller than a run stays in memory.
func (s *sorter) finish() error {
	if len(s.runs) == 0 {
		slices.SortFunc(s.buf, func(a, b blockRec) int { return blockCmp(&a, &b) })
		return nil
	}
	if len(s.buf) > 0 {
		return s.spill()
	}
	return nil
}

// stream returns the claims in blocking order, as often as asked.
func (s *sorter) stream() ClaimStream {
	return func(ctx context.Context, fn func(StoredClaim) error) error {
		if len(s.runs) == 0 {
			for i := range s.buf {
				if err := fn(s.buf[i].sc); err != nil {
					return err
				}
			}
			return nil
		}
		return s.merge(ctx, fn)
	}
}

// cursor is one run being merged.
type cursor struct {
	name string
	dec  *json.Decoder
	cur  blockRec
}

func (c *cursor) next() (bool, error) {
	c.cur = blockRec{}
	if err := c.dec.Decode(&c.cur.sc); err == io.EOF {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("sort claims: %s: %w", c.name, err)
	}
	c.cur.day = epochDay(c.cur.sc.Claim.Start)
	return true, nil
}

type cursorHeap []*cursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return blockCmp(&h[i].cur, &h[j].cur) < 0 }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// merge reads the runs together, smallest claim first.
func (s *sorter) merge(ctx context.Context, fn func(StoredClaim) error) error {
	var h cursorHeap
	for _, f := range s.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("sort claims: %w", err)
		}
		c := &cursor{name: f.Name(), dec: json.NewDecoder(bufio.NewReaderSize(f, 1<<16))}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for n := 0; len(h) > 0; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c := h[0]
		if err := fn(c.cur.sc); err != nil {
			return err
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}
