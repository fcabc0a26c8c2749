package sourcetest

import (
	"io"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// script is a reader that yields what it is told, then io.EOF.
type script struct {
	steps []step
	i     int
}

type step struct {
	ref string // a record with this reference, when err is nil
	err error
}

func (s *script) Next() (model.Record, error) {
	if s.i >= len(s.steps) {
		return model.Record{}, io.EOF
	}
	st := s.steps[s.i]
	s.i++
	if st.err != nil {
		return model.Record{}, st.err
	}
	return model.Record{Report: model.Report{SourceRef: st.ref}}, nil
}

func (s *script) Source() model.Source { return model.Source{Name: "script"} }

// TestDrain: records and row errors are kept apart, each in the order
// read, and ByRef finds a record by its reference.
func TestDrain(t *testing.T) {
	bad := &source.RowError{File: "f.csv", Line: 3, Reason: "bad date"}
	res := Drain(t, &script{steps: []step{{ref: "a"}, {err: bad}, {ref: "b"}}})
	if len(res.Recs) != 2 || res.Recs[0].Report.SourceRef != "a" || res.Recs[1].Report.SourceRef != "b" {
		t.Errorf("records got %+v, want a then b", res.Recs)
	}
	if len(res.Errs) != 1 || res.Errs[0] != bad {
		t.Errorf("row errors got %v, want [%v]", res.Errs, bad)
	}
	if got, ok := res.ByRef("b"); !ok || got.Report.SourceRef != "b" {
		t.Errorf("ByRef(b) got %+v, %v; want the record b", got, ok)
	}
	if _, ok := res.ByRef("c"); ok {
		t.Error("ByRef(c) found a record that was never read")
	}
}

// TestExhaust: a reader that ends, with placed row errors and good
// records, passes.
func TestExhaust(t *testing.T) {
	r := &script{steps: []step{{ref: "a"}, {err: &source.RowError{File: "fuzz.csv", Line: 2}}, {ref: "b"}}}
	var seen []string
	Exhaust(t, r, 10, "fuzz.csv", func(rec model.Record) bool {
		seen = append(seen, rec.Report.SourceRef)
		return true
	})
	if len(seen) != 2 {
		t.Errorf("good was asked about %v, want a and b", seen)
	}
}
