package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/vigil-project/vigil/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// generated is the fixed time the test reports say they were made.
var generated = time.Date(2024, 7, 1, 9, 30, 0, 0, time.UTC)

// fixture loads the synthetic selection: 63 incidents of an imaginary group
// in Iran from 2015 to 2024, coming closer together, with heavy-tailed
// tolls, ranges and disputed figures, Persian place names, month-precision
// dates, a twin attack on one day and one incident without a date.
func fixture(t testing.TB) []model.Incident {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "incidents.json"))
	if err != nil {
		t.Fatal(err)
	}
	var incs []model.Incident
	if err := json.Unmarshal(b, &incs); err != nil {
		t.Fatalf("testdata/incidents.json: %v", err)
	}
	return incs
}

func fixtureOptions() Options {
	return Options{
		Selection: Selection{Country: "IR", Actor: "Example Front"},
		Generated: generated,
		Sources:   []Source{{Name: "gtd", Reports: 120}, {Name: "news", Title: "Persian news feeds", Reports: 480}},
		Bootstrap: 200,
		Seed:      2009,
		Version:   "test",
	}
}

func render(t testing.TB, r *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGolden compares the report of the fixture with testdata/report.golden.html;
// go test -run TestGolden -update rewrites it after a deliberate change.
func TestGolden(t *testing.T) {
	got := render(t, Build(fixture(t), fixtureOptions()))
	path := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := at(gl, i), at(wl, i)
			if g != w {
				t.Fatalf("report differs from %s at line %d:\ngot  %.300s\nwant %.300s\n(run go test -update after a deliberate change)", path, i+1, g, w)
			}
		}
	}
	checkPage(t, got)
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<missing>"
}

// TestFixtureContent checks what the fixture's report must say, apart from
// the golden file's exact bytes.
func TestFixtureContent(t *testing.T) {
	r := Build(fixture(t), fixtureOptions())
	if r.N() != 62 || r.undated != 1 {
		t.Errorf("N = %d, undated = %d; want 62 dated and 1 undated", r.N(), r.undated)
	}
	for name, err := range map[string]error{"tempo": r.tempoErr, "severity": r.sevErr, "tail": r.tailErr, "changepoints": r.cpErr, "hawkes": r.hawkesErr} {
		if err != nil {
			t.Errorf("%s failed on the fixture: %v", name, err)
		}
	}
	if r.hawkes != nil && r.hawkes.N+r.hawkesLeft != 62 {
		t.Errorf("hawkes used %d and left out %d, want 62 in all", r.hawkes.N, r.hawkesLeft)
	}
	page := string(render(t, r))
	for _, want := range []string{
		`<html lang="en">`, `<meta charset="utf-8">`,
		"Incidents attributed to or claimed by Example Front in Iran",
		"62 incidents (and 1 incident without a usable date, left out)",
		"2024-07-01 09:30 UTC",
		"the killed figures are ranges; see low/high.",
		"Reporting bias", "How to read this", "Methods and references",
		"Clauset, A., Shalizi, C. R. &amp; Newman", "Adams, R. P. &amp; MacKay", "Killick", "Ogata", "Mann, H. B.", "Sen, P. K.", "quasi-Poisson",
		"power-law exponent α", "dated only to the week, month or year",
		"زاهدان", "کرمان", // Persian place names reach the page as UTF-8
		"The 30 deadliest of the 62 incidents",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// checkPage checks that a page is well-formed (every element closed in
// order), has no external reference, and that each chart is an <svg> with
// a title and a description that parses as XML on its own.
func checkPage(t *testing.T, page []byte) {
	t.Helper()
	checkBalanced(t, page)
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var svgs, figures, dataCells, autoCells int
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignObject", "foreignobject":
				t.Errorf("page has a <%s> element", n.Data)
			case "html":
				if attr(n, "lang") == "" {
					t.Error("<html> has no lang attribute")
				}
			case "svg":
				svgs++
				checkSVGNode(t, n)
			case "figure":
				figures++
			case "td":
				dataCells++
				if attr(n, "dir") == "auto" {
					autoCells++
				}
			case "style":
				css := text(n)
				if strings.Contains(css, "url(") || strings.Contains(css, "@import") {
					t.Error("the style sheet refers to an outside resource")
				}
			}
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case a.Key == "src" || strings.HasSuffix(a.Key, "href") || a.Key == "action":
					if strings.HasPrefix(v, "http:") || strings.HasPrefix(v, "https:") || strings.HasPrefix(v, "//") || strings.HasPrefix(v, "data:") {
						t.Errorf("<%s %s=%q> refers outside the page", n.Data, a.Key, a.Val)
					}
				case a.Key == "style" && strings.Contains(v, "url("):
					t.Errorf("<%s style=%q> refers to a resource", n.Data, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if svgs != figures {
		t.Errorf("%d <svg> and %d <figure>: want one chart per figure", svgs, figures)
	}
	if dataCells > 0 && autoCells != dataCells {
		t.Errorf("%d of %d data cells have dir=auto, want all", autoCells, dataCells)
	}
	for i, frag := range svgRE.FindAll(page, -1) {
		if err := wellFormedXML(frag); err != nil {
			t.Errorf("chart %d is not well-formed XML: %v", i+1, err)
		}
	}
}

var svgRE = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// checkSVGNode wants a chart's first two elements to be a non-empty
// <title> and <desc>, and its accessible name to point at them.
func checkSVGNode(t *testing.T, n *html.Node) {
	t.Helper()
	var kids []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			kids = append(kids, c)
		}
	}
	if len(kids) < 2 || kids[0].Data != "title" || kids[1].Data != "desc" || text(kids[0]) == "" || text(kids[1]) == "" {
		t.Errorf("<svg> does not start with a non-empty <title> and <desc>")
		return
	}
	if attr(n, "role") != "img" || attr(n, "aria-labelledby") != attr(kids[0], "id")+" "+attr(kids[1], "id") {
		t.Errorf("<svg role=%q aria-labelledby=%q>: want img and the ids of its title and desc", attr(n, "role"), attr(n, "aria-labelledby"))
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// voidElements have no end tag in HTML.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkBalanced walks the tokens and wants every start tag closed, in
// order, by its end tag (the HTML parser would forgive a missing one).
func checkBalanced(t *testing.T, page []byte) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatalf("tokenize: %v", z.Err())
			}
			if len(stack) > 0 {
				t.Errorf("unclosed elements at the end: %v", stack)
			}
			return
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				stack = append(stack, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				t.Fatalf("</%s> closes %v", name, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
}

func wellFormedXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestSmallSelections wants a readable page, saying plainly what could not
// be computed, for selections too small for some or all analyses.
func TestSmallSelections(t *testing.T) {
	all := fixture(t)
	day := func(s string) model.Date { d, _ := model.ParseDate(s); return d }
	oneDay := []model.Incident{all[0], all[0]}
	oneDay[1].ID = "other"
	for _, tc := range []struct {
		name  string
		incs  []model.Incident
		wants []string
	}{
		{"none", nil, []string{"No incident matches this selection", "The tempo cannot be measured: the selection has 0 incidents with a date, and at least 3 are needed.",
			"No power law was fitted: only 0 incidents with a known death toll above zero; at least 10 are needed to fit a power law."}},
		{"one", all[:1], []string{"The tempo cannot be measured: the selection has 1 incident with a date", "The self-exciting model cannot be fitted"}},
		{"two", all[:2], []string{"at least 3 are needed", "The trend in severity cannot be measured"}},
		{"same day", oneDay, []string{"The tempo cannot be measured"}},
		{"six", all[:6], []string{"Small numbers: the selection has 6 incidents", "No power law was fitted: only"}},
		{"undated only", []model.Incident{{ID: "x", Killed: model.Point(3, model.Exact)}}, []string{"1 incident without a usable date is left out"}},
		{"bad date", []model.Incident{{ID: "x", Start: model.Date{Year: 2023, Month: 2, Day: 30}}}, []string{"without a usable date"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := fixtureOptions()
			opts.Selection.Since = day("2015-01-01")
			page := render(t, Build(tc.incs, opts))
			checkPage(t, page)
			for _, w := range tc.wants {
				if !bytes.Contains(page, []byte(w)) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}

// TestEscaping puts markup and Persian text where data reaches the page:
// it must come out as text.
func TestEscaping(t *testing.T) {
	incs := fixture(t)[:12]
	incs[0].Place = `<script>alert("x")</script>`
	incs[1].Perpetrator = `a & b "c" <d>`
	incs[2].Place = "شاهچراغ"
	opts := fixtureOptions()
	opts.Selection.Actor = `</p><b>`
	page := render(t, Build(incs, opts))
	checkPage(t, page)
	for _, bad := range []string{"<script>", "<d>", "</p><b>"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "a &amp; b &#34;c&#34; &lt;d&gt;", "شاهچراغ"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestLargeSelection checks that a big selection stays bounded: one mark
// per month instead of per incident, and a short table.
func TestLargeSelection(t *testing.T) {
	incs := synthetic(1500)
	opts := fixtureOptions()
	opts.Bootstrap = 20
	r := Build(incs, opts)
	page := render(t, r)
	checkPage(t, page)
	if n := len(page); n > 2<<20 {
		t.Errorf("report of 1,500 incidents is %d bytes, want under 2 MiB", n)
	}
	for _, want := range []string{"deadliest incident of each month", "mean gap between one incident and the next in each month", "The 30 deadliest of the 1,500 incidents"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// synthetic makes n day-precise incidents over about ten years with tolls
// from a deterministic heavy-tailed sequence.
func synthetic(n int) []model.Incident {
	incs := make([]model.Incident, n)
	start := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
	x := uint64(88172645463325252)
	for i := range incs {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		u := float64(x%1_000_000+1) / 1_000_001
		k := int(1/u) - 1
		if k > 5000 {
			k = 5000
		}
		d := model.DateOf(start.AddDate(0, 0, i*3650/n))
		incs[i] = model.Incident{ID: fmt.Sprintf("s%05d", i), Start: d, End: d, DatePrecision: model.PrecisionDay, Country: "IR",
			Admin1: "Tehran", Killed: &model.Range{Low: k, Best: k, High: k + k/5}, Sources: 1, Sites: 1 + i%7/6}
	}
	return incs
}

func TestDescribe(t *testing.T) {
	day := func(s string) model.Date { d, _ := model.ParseDate(s); return d }
	for _, tc := range []struct {
		sel  Selection
		want string
	}{
		{Selection{}, "All incidents in the store"},
		{Selection{Country: "IR", Actor: "Islamic State"}, "Incidents attributed to or claimed by Islamic State in Iran"},
		{Selection{Country: "IR", Admin1: "Kerman", AttackType: model.Bombing, MinKilled: 10}, "Incidents of type bombing in Kerman, Iran that killed at least 10"},
		{Selection{Since: day("2017-01-01"), Until: day("2024-12-31"), Status: model.StatusConfirmed}, "Incidents, status confirmed, 2017-01-01 to 2024-12-31"},
		{Selection{Since: day("2017-01-01")}, "Incidents, from 2017-01-01"},
		{Selection{Until: day("2017-01-01"), Country: "XX"}, "Incidents in XX, until 2017-01-01"},
	} {
		if got := tc.sel.Describe(); got != tc.want {
			t.Errorf("Describe(%+v) = %q, want %q", tc.sel, got, tc.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{fmtNum(0), "0"}, {fmtNum(1234.4), "1,234"}, {fmtNum(-12.4), "−12"}, {fmtNum(2.04), "2"}, {fmtNum(2.25), "2.2"},
		{fmtNum(0.0734), "0.073"}, {fmtNum(0.5), "0.5"}, {fmtNum(-0.0012), "−0.0012"},
		{fmtP(0.0004), "< 0.001"}, {fmtP(0.0049), "0.005"}, {fmtP(0.04999), "0.049"}, {fmtP(0.571), "0.57"},
		{pText(0.0001), "p < 0.001"}, {pText(0.2), "p = 0.20"},
		{fmtChange(1.24), "+24%"}, {fmtChange(0.988), "−1.2%"}, {fmtChange(1), "+0%"},
		{fmtEstimate(2.4321, 0.18), "2.4 ± 0.2"}, {fmtEstimate(13, 4), "13 ± 4"}, {fmtEstimate(2.5, 0), "2.5"},
		{fmtInt(-1234567), "−1,234,567"}, {fmtInt(999), "999"},
		{plural(1, "incident", "incidents"), "1 incident"}, {plural(1200, "incident", "incidents"), "1,200 incidents"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestDeterministic wants the same bytes from the same input.
func TestDeterministic(t *testing.T) {
	incs := fixture(t)
	opts := fixtureOptions()
	a := render(t, Build(incs, opts))
	shuffled := slices.Clone(incs)
	slices.Reverse(shuffled)
	b := render(t, Build(shuffled, opts))
	if !bytes.Equal(a, b) {
		t.Error("the report depends on the order of the incidents")
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		incs := synthetic(n)
		opts := fixtureOptions()
		opts.Bootstrap = 100
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				Build(incs, opts)
			}
		})
	}
}

func BenchmarkWriteHTML(b *testing.B) {
	opts := fixtureOptions()
	opts.Bootstrap = 20
	r := Build(synthetic(10_000), opts)
	b.ResetTimer()
	for b.Loop() {
		if err := r.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzBuild builds and renders reports of arbitrary small selections: no
// input may panic or give a page that is not well-formed.
func FuzzBuild(f *testing.F) {
	f.Add([]byte{0, 5, 3, 7, 1, 0, 10, 0, 0, 0, 0, 1, 40, 90, 95, 103, 0, 2})
	f.Add([]byte("\x00\x00\x00\x00\x00\x00"))
	f.Add(bytes.Repeat([]byte{200, 1, 2, 3, 0, 1}, 30))
	f.Fuzz(fuzzOne)
}

// fuzzOne turns data into up to 60 incidents, six bytes each, and checks
// their report. Minimisation is slow (each run fits every model), so run
// the campaign with -fuzzminimizetime=0x.
func fuzzOne(t *testing.T, data []byte) {
	{
		var incs []model.Incident
		day := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i+6 <= len(data) && len(incs) < 60; i += 6 {
			c := data[i : i+6]
			day = day.AddDate(0, 0, int(c[0]))
			inc := model.Incident{ID: fmt.Sprint(i), Start: model.DateOf(day), End: model.DateOf(day), DatePrecision: model.PrecisionDay,
				Country: "IR", Place: string(rune(0x600 + int(c[5]))), Sites: int(c[5] % 3), Sources: 1}
			if c[5]%5 == 1 {
				inc.DatePrecision = model.PrecisionMonth
			}
			if c[5]%7 == 2 {
				inc.Start = model.Date{}
			}
			if c[1] != 255 {
				inc.Killed = &model.Range{Low: int(c[1]) - int(c[4]%3), Best: int(c[2]), High: int(c[3])}
			}
			if c[4]%2 == 0 {
				s := c[4]%4 == 0
				inc.Suicide = &s
			}
			incs = append(incs, inc)
		}
		opts := fixtureOptions()
		opts.Bootstrap = -1
		page := render(t, Build(incs, opts))
		checkBalanced(t, page)
		for i, frag := range svgRE.FindAll(page, -1) {
			if err := wellFormedXML(frag); err != nil {
				t.Fatalf("chart %d is not well-formed XML: %v", i+1, err)
			}
		}
	}
}
