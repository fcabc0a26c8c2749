package metrics_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/metrics"
)

// documented reads the series tables of docs/METRICS.md: name → type and
// labels.
func documented(t *testing.T) map[string]struct {
	typ    string
	labels []string
} {
	t.Helper()
	b, err := os.ReadFile("../../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]struct {
		typ    string
		labels []string
	}{}
	tick := regexp.MustCompile("`([a-z_]+)`")
	for i, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `vigil_") {
			continue
		}
		cells := strings.Split(line, " | ")
		if len(cells) < 5 {
			t.Errorf("METRICS.md:%d: want name | type | labels | meaning | alert, got %q", i+1, line)
			continue
		}
		name := strings.Trim(strings.TrimPrefix(cells[0], "| "), "`")
		if _, dup := out[name]; dup {
			t.Errorf("METRICS.md:%d: %s documented twice", i+1, name)
		}
		var labels []string
		for _, m := range tick.FindAllStringSubmatch(cells[2], -1) {
			labels = append(labels, m[1])
		}
		out[name] = struct {
			typ    string
			labels []string
		}{cells[1], labels}
	}
	return out
}

// TestDocumented: every series vigil registers is documented in
// docs/METRICS.md with its labels, and every one documented exists.
func TestDocumented(t *testing.T) {
	docs := documented(t)
	series := metrics.New().Series()
	if len(series) < 30 {
		t.Fatalf("Series() gave %d, want vigil's whole set (30 or more)", len(series))
	}
	have := map[string]bool{}
	for _, s := range series {
		have[s.Name] = true
		d, ok := docs[s.Name]
		if !ok {
			t.Errorf("%s is registered but not documented in docs/METRICS.md", s.Name)
			continue
		}
		got, want := slices.Sorted(slices.Values(d.labels)), slices.Sorted(slices.Values(s.Labels))
		if !slices.Equal(got, want) {
			t.Errorf("%s: documented labels %v, registered %v", s.Name, got, want)
		}
		typeOK := map[string]bool{"counter": strings.HasSuffix(s.Name, "_total"), "gauge": !strings.HasSuffix(s.Name, "_total"),
			"histogram": strings.HasSuffix(s.Name, "_seconds") && !strings.HasSuffix(s.Name, "_timestamp_seconds")}
		if !typeOK[d.typ] {
			t.Errorf("%s: documented as %q, which its name does not fit (counters end in _total, histograms of time in _seconds)", s.Name, d.typ)
		}
	}
	for name := range docs {
		if !have[name] {
			t.Errorf("docs/METRICS.md documents %s, which vigil does not register", name)
		}
	}
}

var (
	promName  = regexp.MustCompile(`\bvigil_[a-z_]+`)
	selector  = regexp.MustCompile(`\b(vigil_[a-z_]+)\{([^}]*)\}`)
	matcher   = regexp.MustCompile(`([a-z_]+)\s*(=~|!~|!=|=)`)
	grouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring)\s*\(([^)]*)\)`)
	histogram = regexp.MustCompile(`_(bucket|sum|count)$`)
)

// TestGrafana: every series and label the sample dashboard queries
// exists, and it has panels for every part of vigil.
func TestGrafana(t *testing.T) {
	b, err := os.ReadFile("../../docs/grafana/vigil.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("vigil.json: %v", err)
	}
	labels := map[string][]string{}
	for _, s := range metrics.New().Series() {
		labels[s.Name] = s.Labels
	}
	// series resolves a name as queried (a histogram's _bucket too).
	series := func(n string) (string, bool) {
		if _, ok := labels[n]; ok {
			return n, true
		}
		base := histogram.ReplaceAllString(n, "")
		_, ok := labels[base]
		return base, ok && base != n
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["expr"].(string); ok {
				exprs = append(exprs, e)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	if len(exprs) < 20 {
		t.Fatalf("vigil.json: %d queries found, want the dashboard's (20 or more)", len(exprs))
	}
	used := map[string]bool{}
	for _, e := range exprs {
		allowed := map[string]bool{"le": true}
		for _, n := range promName.FindAllString(e, -1) {
			base, ok := series(n)
			if !ok {
				t.Errorf("vigil.json: %q queries %s, which vigil does not register", e, n)
				continue
			}
			used[base] = true
			for _, l := range labels[base] {
				allowed[l] = true
			}
		}
		for _, sel := range selector.FindAllStringSubmatch(e, -1) {
			base, _ := series(sel[1])
			for _, m := range matcher.FindAllStringSubmatch(sel[2], -1) {
				if !slices.Contains(labels[base], m[1]) {
					t.Errorf("vigil.json: %q selects %s by label %s, which it does not have", e, sel[1], m[1])
				}
			}
		}
		for _, g := range grouping.FindAllStringSubmatch(e, -1) {
			for l := range strings.SplitSeq(g[1], ",") {
				if l = strings.TrimSpace(l); l != "" && !allowed[l] {
					t.Errorf("vigil.json: %q groups by %s, a label of none of its series", e, l)
				}
			}
		}
	}
	for _, part := range []string{"vigil_http_", "vigil_import_", "vigil_fuse_", "vigil_feed_", "vigil_alert", "vigil_store_"} {
		found := false
		for n := range used {
			found = found || strings.HasPrefix(n, part)
		}
		if !found {
			t.Errorf("vigil.json: no panel shows a %s… series", part)
		}
	}
}

// TestDocumentedOps: the operations docs/METRICS.md lists for the op
// label are those both backends time, no more, no fewer.
func TestDocumentedOps(t *testing.T) {
	b, err := os.ReadFile("../../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile("(?s)- `op` of store operations is one of:(.*?)\n- ").FindSubmatch(b)
	if list == nil {
		t.Fatal("METRICS.md: no list of the op label's values")
	}
	var documented []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllSubmatch(list[1], -1) {
		documented = append(documented, string(m[1]))
	}
	slices.Sort(documented)
	call := regexp.MustCompile(`s\.op\("([a-z_]+)"\)`)
	for _, backend := range []string{"sqlite", "postgres"} {
		files, err := filepath.Glob("../store/" + backend + "/*.go")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range call.FindAllSubmatch(src, -1) {
				seen[string(m[1])] = true
			}
		}
		got := slices.Sorted(maps.Keys(seen))
		if !slices.Equal(got, documented) {
			t.Errorf("%s times the operations %v; METRICS.md documents %v", backend, got, documented)
		}
	}
}
