package model

import (
	"encoding/json"
	"fmt"
)

// Qualifier says how a source qualified a figure.
type Qualifier string

// Qualifiers of figures.
const (
	Exact   Qualifier = "exact"    // "17 killed"
	AtLeast Qualifier = "at_least" // "at least 17", "more than 100": High is not bounded by the source
	About   Qualifier = "about"    // "about 20", "dozens"
	UpTo    Qualifier = "up_to"    // "up to 30": Low is not bounded by the source
)

// Valid reports whether q is one of the defined qualifiers.
func (q Qualifier) Valid() bool {
	switch q {
	case Exact, AtLeast, About, UpTo:
		return true
	}
	return false
}

// Range is a count given as low, best and high. A source that gives one
// number gives Low = Best = High. Ranges are kept as given: a source whose
// low exceeds its best is recorded as such (see Ordered) and flagged on the
// claim, never silently reordered.
type Range struct {
	Low       int       `json:"low"`
	Best      int       `json:"best"`
	High      int       `json:"high"`
	Qualifier Qualifier `json:"qualifier,omitempty"`
}

// Point returns the range of a single figure with a qualifier.
func Point(n int, q Qualifier) *Range {
	return &Range{Low: n, Best: n, High: n, Qualifier: q}
}

// Ordered reports whether Low ≤ Best ≤ High.
func (r Range) Ordered() bool { return r.Low <= r.Best && r.Best <= r.High }

// Fused returns a copy for an incident made of this one figure; nil stays nil.
func (r *Range) Fused() *Range {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// String formats the range for people: "95", "84–103 (best 95)", "≥100".
func (r *Range) String() string {
	if r == nil {
		return ""
	}
	prefix := ""
	switch r.Qualifier {
	case AtLeast:
		prefix = "≥"
	case About:
		prefix = "~"
	case UpTo:
		prefix = "≤"
	}
	if r.Low == r.Best && r.Best == r.High {
		return fmt.Sprintf("%s%d", prefix, r.Best)
	}
	return fmt.Sprintf("%s%d–%d (best %d)", prefix, r.Low, r.High, r.Best)
}

// UnmarshalJSON accepts the object form and, for hand-written input, a bare number.
func (r *Range) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*r = Range{Low: n, Best: n, High: n, Qualifier: Exact}
		return nil
	}
	type plain Range
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("range: %w", err)
	}
	*r = Range(p)
	return nil
}
