package store

import (
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

func TestParseCursor(t *testing.T) {
	cases := []struct {
		in      string
		start   model.Date
		id      string
		wantErr bool
	}{
		{"2024-01-03/i0123456789ab", model.Date{Year: 2024, Month: 1, Day: 3}, "i0123456789ab", false},
		{"/i0123456789ab", model.Date{}, "i0123456789ab", false}, // an incident of unknown date
		{"2024-01-03/a/b", model.Date{Year: 2024, Month: 1, Day: 3}, "a/b", false},
		{"", model.Date{}, "", true},
		{"2024-01-03", model.Date{}, "", true},
		{"2024-01-03/", model.Date{}, "", true},
		{"2024-13-03/i1", model.Date{}, "", true},
		{"yesterday/i1", model.Date{}, "", true},
	}
	for _, tc := range cases {
		start, id, err := ParseCursor(tc.in)
		if (err != nil) != tc.wantErr || start != tc.start || id != tc.id {
			t.Errorf("ParseCursor(%q) got %v, %q, %v; want %v, %q, error %v", tc.in, start, id, err, tc.start, tc.id, tc.wantErr)
		}
	}
	inc := model.Incident{ID: "i1", Start: model.Date{Year: 2017, Month: 6, Day: 7}}
	if start, id, err := ParseCursor(Cursor(inc)); err != nil || start != inc.Start || id != inc.ID {
		t.Errorf("ParseCursor(Cursor(inc)) got %v, %q, %v", start, id, err)
	}
}

// FuzzParseCursor checks that any cursor either parses into what Cursor
// makes back, or is refused, and never panics.
func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"2024-01-03/i0123456789ab", "/i1", "", "2024-01-03", "0000-00-00/x", "2024-02-30/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, id, err := ParseCursor(s)
		if err != nil {
			return
		}
		back := Cursor(model.Incident{ID: id, Start: start})
		if again, id2, err := ParseCursor(back); err != nil || again != start || id2 != id {
			t.Errorf("ParseCursor(%q) = %v, %q; its Cursor %q parses to %v, %q, %v", s, start, id, back, again, id2, err)
		}
	})
}

func BenchmarkParseCursor(b *testing.B) {
	for b.Loop() {
		if _, _, err := ParseCursor("2024-01-03/i0123456789ab"); err != nil {
			b.Fatal(err)
		}
	}
}
