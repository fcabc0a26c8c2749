package gtd

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
)

func FuzzReader(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.csv"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	header := readFile(f, "bad.csv")
	header = header[:bytes.IndexByte(header, '\n')+1]
	for _, s := range []string{"", "\xEF\xBB\xBF", "\"", "\n\n", "eventid\n1\n"} {
		f.Add([]byte(s))
		f.Add(append(append([]byte(nil), header...), s...))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), source.Options{Name: "fuzz"})
		if err != nil {
			var ke *source.KindError
			if !errors.As(err, &ke) && err.Error() == "" {
				t.Fatalf("NewReader: error without a message: %#v", err)
			}
			return
		}
		for range 10000 {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				if _, again := r.Next(); !errors.Is(again, io.EOF) {
					t.Fatalf("Next after EOF: got %v, want io.EOF", again)
				}
				return
			}
			var re *source.RowError
			if errors.As(err, &re) {
				if re.Line < 2 || re.File != "fuzz" || re.Reason == "" || !utf8.ValidString(re.Raw) {
					t.Fatalf("row error without place or reason: %#v", re)
				}
				continue
			}
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("fatal error without a message: %#v", err)
				}
				return
			}
			c, rep := rec.Claim, rec.Report
			if !utf8.Valid(rep.Raw) || !utf8.ValidString(c.Text) || rep.Hash != source.Hash(rep.Raw) {
				t.Fatalf("report %q: raw or text not UTF-8, or hash wrong", rep.ID)
			}
			if c.ID != rep.ID+"#1" || !strings.HasPrefix(rep.ID, "gtd:") || len(rep.SourceRef) != 12 {
				t.Fatalf("ids: claim %q report %q ref %q", c.ID, rep.ID, rep.SourceRef)
			}
			if c.Start.IsZero() || c.End.Before(c.Start) || !c.DatePrecision.Valid() || !c.PlacePrecision.Valid() || !c.AttackType.Valid() {
				t.Fatalf("claim %q: dates %v–%v %q, place %q, attack %q", c.ID, c.Start, c.End, c.DatePrecision, c.PlacePrecision, c.AttackType)
			}
			if (c.Lat == nil) != (c.Lon == nil) || (c.Killed != nil && c.Killed.Best < 0) || (c.Wounded != nil && c.Wounded.Best < 0) {
				t.Fatalf("claim %q: coordinates or figures inconsistent", c.ID)
			}
		}
		t.Fatalf("reader did not end after 10000 calls")
	})
}

// BenchmarkReader reads the real GTD extract from memory.
func BenchmarkReader(b *testing.B) {
	data, err := os.ReadFile(shareddata.Path(b, "gtd", "gtd_0718dist_us_2000-2017.csv"))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkReader(b, data)
}

// BenchmarkReaderFixture reads the synthetic rows, for machines without
// the shared data.
func BenchmarkReaderFixture(b *testing.B) {
	benchmarkReader(b, readFile(b, "cp1252.csv"))
}

func benchmarkReader(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), source.Options{Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !source.IsRowError(err) {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// scanByByte is the splitter's state machine taken byte by byte, the
// plain form that scan must agree with.
func scanByByte(state int, b []byte) int {
	for _, c := range b {
		switch state {
		case stQuoted:
			if c == '"' {
				state = stQuote
			}
		case stQuote:
			switch c {
			case '"':
				state = stQuoted
			case ',', '\n':
				state = stField
			default:
				state = stUnquoted
			}
		case stField:
			switch c {
			case '"':
				state = stQuoted
			case ',', '\n':
			default:
				state = stUnquoted
			}
		default:
			if c == ',' || c == '\n' {
				state = stField
			}
		}
	}
	return state
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"", `a,b`, `"a,b",c`, `a"b,c`, `"a""b",`, `,"`, "\"x\"\n", `"a"b`, "a,\"b\nc\",d\n", `""`, `,,"",`} {
		for st := stField; st <= stQuote; st++ {
			f.Add(st, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, state int, b []byte) {
		if state < stField || state > stQuote {
			return
		}
		if got, want := scan(state, b), scanByByte(state, b); got != want {
			t.Fatalf("scan(%d, %q) got %d, want %d", state, b, got, want)
		}
		// A record cut into chunks anywhere scans to the same state.
		if len(b) > 1 {
			mid := len(b) / 2
			if got, want := scan(scan(state, b[:mid]), b[mid:]), scanByByte(state, b); got != want {
				t.Fatalf("scan of %q in two chunks got %d, want %d", b, got, want)
			}
		}
	})
}
