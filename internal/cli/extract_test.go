package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vigilIn runs one command with the given standard input.
func vigilIn(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	err := Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

// goldShape is the part of the output the hand labels have.
type goldShape struct {
	Doc              string `json:"doc"`
	Published        string `json:"published"`
	IsIncidentReport bool   `json:"is_incident_report"`
	Incidents        []struct {
		Main    bool    `json:"main"`
		Date    *string `json:"date"`
		City    *string `json:"city"`
		Admin1  *string `json:"admin1"`
		Country *string `json:"country"`
		Killed  *struct {
			Low       *int   `json:"low"`
			High      *int   `json:"high"`
			Qualifier string `json:"qualifier"`
		} `json:"killed"`
		Spans map[string]struct {
			Start int    `json:"start"`
			End   int    `json:"end"`
			Text  string `json:"text"`
		} `json:"spans"`
	} `json:"incidents"`
}

func TestExtractCommandStdin(t *testing.T) {
	text := "دیروز در دو انفجار تروریستی در کرمان دست‌کم ۸۴ نفر به شهادت رسیدند."
	out, stderr, err := vigilIn(t, text, "extract", "-", "--lang", "auto", "--published", "1402-10-14", "--format", "json")
	if err != nil {
		t.Fatalf("vigil extract -: %v\n%s", err, stderr)
	}
	var g goldShape
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	if !g.IsIncidentReport || len(g.Incidents) != 1 || !g.Incidents[0].Main {
		t.Fatalf("got report=%v with %d incidents, want a report with its main incident\n%s", g.IsIncidentReport, len(g.Incidents), out)
	}
	inc := g.Incidents[0]
	if g.Published != "2024-01-04" || inc.Date == nil || *inc.Date != "2024-01-03" {
		t.Errorf("published %q, date %v: want 2024-01-04 (1402-10-14) and the day before", g.Published, inc.Date)
	}
	if inc.City == nil || *inc.City != "Kerman" || inc.Admin1 == nil || *inc.Admin1 != "Kerman" || *inc.Country != "IR" {
		t.Errorf("place %v/%v/%v, want Kerman/Kerman/IR", inc.City, inc.Admin1, inc.Country)
	}
	if inc.Killed == nil || inc.Killed.Low == nil || *inc.Killed.Low != 84 || inc.Killed.Qualifier != "at_least" {
		t.Errorf("killed %+v, want at least 84", inc.Killed)
	}
	sp := inc.Spans["killed"]
	if text[sp.Start:sp.End] != sp.Text || !strings.Contains(sp.Text, "۸۴") {
		t.Errorf("killed span %+v does not quote the input's %q", sp, "دست‌کم ۸۴")
	}
}

func TestExtractCommandPublishedTimestamp(t *testing.T) {
	out, stderr, err := vigilIn(t, "Two bombs exploded yesterday in Kerman, killing 84 people.", "extract", "-", "--published", "2024-01-04T09:15:00+03:30")
	if err != nil {
		t.Fatalf("vigil extract: %v\n%s", err, stderr)
	}
	var g goldShape
	if err := json.Unmarshal([]byte(out), &g); err != nil || len(g.Incidents) == 0 {
		t.Fatalf("output %q: %v", out, err)
	}
	if g.Published != "2024-01-04" || g.Incidents[0].Date == nil || *g.Incidents[0].Date != "2024-01-03" {
		t.Errorf("published %q, date %v; want 2024-01-04 and yesterday 2024-01-03", g.Published, g.Incidents[0].Date)
	}
}

func TestExtractCommandArticleList(t *testing.T) {
	list := `[{"title":"ادامه درگیری‌ها در طرابلس/ ۲ لبنانی دیگر کشته شدند","abstract":"ادامه درگیری‌ها در طرابلس در طول دیشب و امروز باعث کشته شدن دو نفر و زخمی شدن چند تن شد.","paragraphs":[],"link":"https://www.farsnews.ir/news/13920304000753/x"},
	{"title":"چاپ دوم کتاب منتشر شد","abstract":"کتاب منتشر شد.","paragraphs":["متن"],"link":"https://www.farsnews.ir/news/13940525000372/y"}]`
	path := filepath.Join(t.TempDir(), "fars.json")
	if err := os.WriteFile(path, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := vigilIn(t, "", "extract", path, "--format", "json")
	if err != nil {
		t.Fatalf("vigil extract: %v\n%s", err, stderr)
	}
	var gs []goldShape
	if err := json.Unmarshal([]byte(out), &gs); err != nil {
		t.Fatalf("output is not a JSON list: %v\n%s", err, out)
	}
	if len(gs) != 2 {
		t.Fatalf("%d results, want one per article (2)", len(gs))
	}
	if !gs[0].IsIncidentReport || gs[0].Published != "2013-05-25" || len(gs[0].Incidents) != 1 {
		t.Fatalf("first article: report=%v published=%q incidents=%d, want a report published 2013-05-25 (from the link id) with one incident",
			gs[0].IsIncidentReport, gs[0].Published, len(gs[0].Incidents))
	}
	inc := gs[0].Incidents[0]
	if inc.Date == nil || *inc.Date != "2013-05-25" || inc.City == nil || *inc.City != "Tripoli" || *inc.Country != "LB" {
		t.Errorf("first article: date %v city %v country %v, want 2013-05-25 Tripoli LB", inc.Date, inc.City, inc.Country)
	}
	if inc.Killed == nil || inc.Killed.Low == nil || *inc.Killed.Low != 2 {
		t.Errorf("first article: killed %+v, want 2", inc.Killed)
	}
	if gs[1].IsIncidentReport || len(gs[1].Incidents) != 0 {
		t.Errorf("second article (a book): report=%v incidents=%d, want neither", gs[1].IsIncidentReport, len(gs[1].Incidents))
	}
}

func TestExtractCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"extract"}, "one FILE", 2},
		{[]string{"extract", "-", "--format", "csv"}, "use json", 2},
		{[]string{"extract", "-", "--lang", "de"}, "use en, fa or auto", 2},
		{[]string{"extract", "-", "--published", "yesterday"}, "--published", 2},
		{[]string{"extract", filepath.Join(t.TempDir(), "missing.txt")}, "missing.txt", 1},
	} {
		_, _, err := vigilIn(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || ExitCode(err) != tc.code {
			t.Errorf("vigil %s: error %v (exit %d), want one mentioning %q with exit %d", strings.Join(tc.args, " "), err, ExitCode(err), tc.want, tc.code)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`[{"title": 3}]`), 0o644)
	if _, _, err := vigilIn(t, "", "extract", bad); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("vigil extract of a broken article list: %v, want an error naming the file", err)
	}
}
