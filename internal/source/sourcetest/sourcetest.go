// Package sourcetest holds what the tests of the file readers
// (source/acled, ucdp, claims, gdelt, gtd) share: reading a file to its
// end, finding a record by reference, and the fuzz targets' seeds and
// end-of-file checks that every reader must pass whatever its input.
package sourcetest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// Result is everything a reader yielded from one file.
type Result struct {
	Recs []model.Record
	Errs []*source.RowError
}

// ByRef finds the record with the source's own reference ref.
func (res Result) ByRef(ref string) (model.Record, bool) {
	for _, r := range res.Recs {
		if r.Report.SourceRef == ref {
			return r, true
		}
	}
	return model.Record{}, false
}

// Drain reads r to its end, keeping the records and the row errors; a
// fatal error (anything else but io.EOF) fails the test.
func Drain(tb testing.TB, r source.Reader) Result {
	tb.Helper()
	var res Result
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return res
		}
		var re *source.RowError
		switch {
		case errors.As(err, &re):
			res.Errs = append(res.Errs, re)
		case err != nil:
			tb.Fatalf("Next: fatal error: %v", err)
		default:
			res.Recs = append(res.Recs, rec)
		}
	}
}

// AddSeeds adds each file that matches pattern (e.g. testdata/*.csv) to
// the fuzz corpus; a pattern that matches nothing fails, as a fuzz
// target without its seeds would search blind.
func AddSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds match %s: %v", pattern, err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// Exhaust is a fuzz target's check of a reader over size bytes of input
// named file: it must end (each call consumes at least a byte or ends the
// file), every row error must name the file and a line, no other error
// may come, and good must accept every record.
func Exhaust(t *testing.T, r source.Reader, size int, file string, good func(model.Record) bool) {
	t.Helper()
	for i := 0; ; i++ {
		if i > size+2 {
			t.Fatalf("no end after %d calls on %d bytes", i, size)
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		var re *source.RowError
		if errors.As(err, &re) {
			if re.Line < 1 || re.File != file {
				t.Fatalf("row error without a place: %+v", re)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if !good(rec) {
			t.Fatalf("bad record %+v", rec)
		}
	}
}
