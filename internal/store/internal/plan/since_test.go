package plan

import (
	"errors"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

func TestSinceFloor(t *testing.T) {
	d := func(s string) model.Date {
		v, err := model.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	since := d("2015-02-01")
	ended := func(n int) []Span {
		var out []Span
		for i := range n {
			start := d("2010-01-01").AddDays(i)
			out = append(out, Span{start, start.AddDays(2)})
		}
		return out
	}
	fail := errors.New("index by end unreadable")
	cases := []struct {
		name   string
		first  []Span
		byEnd  model.Date
		err    error
		want   model.Date
		called bool
	}{
		{"no spanning incident before since", nil, model.Date{}, nil, since, false},
		{"a straddler in the probe", append(ended(3), Span{d("2014-12-30"), d("2015-02-01")}), model.Date{}, nil, d("2014-12-30"), false},
		{"the probe short of a full one, none straddles", ended(Probe - 1), model.Date{}, nil, since, false},
		{"a full probe: the index by end answers", ended(Probe), d("2012-03-01"), nil, d("2012-03-01"), true},
		{"a full probe, no straddler by end", ended(Probe), model.Date{}, nil, since, true},
		{"a full probe, the index fails", ended(Probe), model.Date{}, fail, since, true},
	}
	for _, c := range cases {
		called := false
		got, err := SinceFloor(since, c.first, func() (model.Date, error) { called = true; return c.byEnd, c.err })
		if got != c.want || called != c.called || !errors.Is(err, c.err) {
			t.Errorf("%s: got %s (by end asked: %v, err %v), want %s (%v, %v)", c.name, got, called, err, c.want, c.called, c.err)
		}
	}
}
