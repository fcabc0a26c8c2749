package csvmap

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/source"
)

// FuzzReader feeds arbitrary bytes through the fixture mapping: the reader
// must never panic, every error must be a row error, a fatal error or EOF,
// and every row error must carry a plausible line.
func FuzzReader(f *testing.F) {
	m, data := load(f, "incidents")
	f.Add(data)
	_, tsv := load(f, "tsv")
	f.Add(tsv)
	if demo, err := os.ReadFile(filepath.Join(demoDir, "iran_is_2017_2024.csv")); err == nil {
		f.Add(demo)
	}
	f.Add(rowCSV(map[string]string{"Dead": "5", "DeadMax": "3"}))
	f.Add([]byte("event_id\n\"unterminated\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := NewReader(bytes.NewReader(in), m, source.Options{Name: "fuzz.csv", Fetched: fetched})
		if err != nil {
			return
		}
		lines := bytes.Count(in, []byte("\n")) + bytes.Count(in, []byte("\r")) + 1
		for i := 0; i < 1_000_000; i++ {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *source.RowError
			if errors.As(err, &re) {
				if re.Line < 1 || re.Line > lines {
					t.Fatalf("row error line %d outside the input's %d lines: %v", re.Line, lines, re)
				}
				continue
			}
			if err != nil {
				return
			}
			if rec.Report.SourceRef == "" || rec.Claim.Start.IsZero() || rec.Claim.End.Before(rec.Claim.Start) {
				t.Fatalf("record without id or with a bad period: %+v", rec)
			}
		}
		t.Fatal("reader did not reach the end")
	})
}

// FuzzParseMapping feeds arbitrary TOML: ParseMapping must never panic, and
// a mapping it accepts must be usable by NewReader.
func FuzzParseMapping(f *testing.F) {
	for _, name := range []string{"incidents.toml", "tsv.toml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if demo, err := os.ReadFile(filepath.Join(demoDir, "iran_is_2017_2024.toml")); err == nil {
		f.Add(demo)
	}
	f.Add([]byte(minimal))
	f.Add([]byte(rowMapping))
	f.Add([]byte(minimal + "[values.attack_type]\n\"x\" = \"bombing\""))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ParseMapping("fuzz.toml", in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		p, err := m.compile()
		if err != nil {
			t.Fatalf("accepted mapping does not compile again: %v", err)
		}
		var hdr bytes.Buffer
		w := csv.NewWriter(&hdr)
		w.Comma = p.comma
		if err := w.Write(p.expected); err != nil {
			return // a delimiter encoding/csv refuses; NewReader reports it at the first read
		}
		w.Flush()
		_, err = NewReader(&hdr, m, source.Options{Name: "h.csv"})
		var he *HeaderError
		if err != nil && !errors.As(err, &he) && !strings.Contains(err.Error(), "times in the header") &&
			!strings.Contains(err.Error(), "reading the header") {
			t.Fatalf("header of the mapping's own columns %q: %v", p.expected, err)
		}
	})
}

// BenchmarkReader reads a synthetic file of 10,000 rows in the fixture
// layout, every field filled.
func BenchmarkReader(b *testing.B) {
	m, data := load(b, "incidents")
	lines := bytes.SplitN(data, []byte("\n"), 3)
	header := lines[0]
	var buf bytes.Buffer
	buf.Write(header)
	buf.WriteByte('\n')
	const rows = 10_000
	for i := range rows {
		fmt.Fprintf(&buf, "e%d,1,2017-06-07,2017-06-08,day,IR,Tehran,Tehran,35.6926,51.4330,exact,Shooting,government_general,firearms,"+
			"Islamic State,ISIS;Daesh,yes,2,17,16,18,about,43,40,52,exact,\"Gunmen stormed the parliament, with hostages.\",e%d,"+
			"2017-06-08T10:00:00Z,https://example.org/%d\n", i, i+1, i)
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(in), m, source.Options{Name: "bench.csv", Fetched: fetched})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows), "rows/op")
}
