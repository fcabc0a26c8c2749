package feeds

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

func TestCheck(t *testing.T) {
	ok := store.Feed{Name: "wire", URL: "https://example.org/rss", Interval: time.Minute}
	for _, tc := range []struct {
		name string
		edit func(*store.Feed)
		want string // in the error; "" for none
	}{
		{"good", func(*store.Feed) {}, ""},
		{"no name", func(f *store.Feed) { f.Name = "" }, "empty name or URL"},
		{"no URL", func(f *store.Feed) { f.URL = "" }, "empty name or URL"},
		{"interval under a second", func(f *store.Feed) { f.Interval = time.Millisecond }, "under a second"},
		{"NUL in the name", func(f *store.Feed) { f.Name = "wi\x00re" }, "NUL character"},
	} {
		f := ok
		tc.edit(&f)
		err := Check(f)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestChunk(t *testing.T) {
	arts := []model.Article{{Report: model.Report{Raw: []byte("ab")}}, {Report: model.Report{Raw: nil}}, {Report: model.Report{Raw: []byte("cde")}}}
	raw, offsets := Chunk(arts)
	if string(raw) != "abcde" || !slices.Equal(offsets, []int64{0, 2, 2}) {
		t.Errorf("got %q at %v, want abcde at [0 2 2]", raw, offsets)
	}
	for i, a := range arts {
		if got := string(raw[offsets[i] : offsets[i]+int64(len(a.Report.Raw))]); got != string(a.Report.Raw) {
			t.Errorf("article %d: got %q back, want %q", i, got, a.Report.Raw)
		}
	}
}

// rows is a result set held in memory.
type rows struct {
	data [][]any
	i    int
	err  error
}

func (r *rows) Next() bool { r.i++; return r.i <= len(r.data) }
func (r *rows) Err() error { return r.err }
func (r *rows) Scan(dest ...any) error {
	row := r.data[r.i-1]
	if len(dest) != len(row) {
		return errors.New("column count")
	}
	for i, d := range dest {
		switch d := d.(type) {
		case *string:
			*d = row[i].(string)
		case *bool:
			*d = row[i].(bool)
		}
	}
	return nil
}

func TestReportRefs(t *testing.T) {
	ids, cur, hash, err := ReportRefs(&rows{data: [][]any{{"r1", false, "h1"}, {"r1~2", true, "h2"}}})
	if err != nil || !slices.Equal(ids, []string{"r1", "r1~2"}) || cur != "r1~2" || hash != "h2" {
		t.Errorf("got %v, %q, %q, %v; want [r1 r1~2], r1~2, h2", ids, cur, hash, err)
	}
	boom := errors.New("connection lost")
	if _, _, _, err := ReportRefs(&rows{err: boom}); !errors.Is(err, boom) {
		t.Errorf("rows error: got %v, want %v", err, boom)
	}
}

func TestStringsAndUnknown(t *testing.T) {
	known, err := Strings(&rows{data: [][]any{{"b"}, {"d"}}})
	if err != nil || !slices.Equal(known, []string{"b", "d"}) {
		t.Fatalf("Strings got %v, %v; want [b d]", known, err)
	}
	if got := Unknown([]string{"d", "a", "b", "c"}, known); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("Unknown got %v, want [a c] in the order given", got)
	}
	if got := Unknown([]string{"b"}, known); got != nil {
		t.Errorf("Unknown of known refs got %v, want none", got)
	}
}
