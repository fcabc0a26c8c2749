package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAnalyzeReport writes the report of the demo's Islamic State attacks
// in Iran and checks its sections and the Kerman bombing's figures.
func TestAnalyzeReport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	mustVigil(t, db, "demo")
	out := filepath.Join(dir, "report.html")
	msg := mustVigil(t, db, "analyze", "report", "--country", "IR", "--actor", "Islamic State", "--out", out)
	if !strings.Contains(msg, "6 incidents") {
		t.Errorf("analyze report says %q, want the number of incidents (6)", msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		`<html lang="en">`, `<meta charset="utf-8">`,
		"Incidents attributed to or claimed by Islamic State in Iran",
		`id="tempo"`, `id="severity"`, `id="tail"`, `id="changepoints"`, `id="hawkes"`, `id="incidents"`, `id="methods"`, `id="how-to-read"`,
		"2017-06-07 to 2024-01-03",
		"2026-11-25 12:00 UTC", // the time passed in, not the wall clock
		"n = 6 incidents",
		// Too few deaths for a power law: the section says why.
		"No power law was fitted: only 6 incidents with a known death toll above zero; at least 10 are needed",
		"Small numbers: the selection has 6 incidents",
		"the killed figures are ranges; see low/high",
		"Clauset, A., Shalizi, C. R. &amp; Newman",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// The Kerman bombing, with its 95 killed (84–103), in the table and on the chart.
	row := regexp.MustCompile(`(?s)<tr><td dir="auto" class="nowrap">2024-01-03</td><td dir="auto">Kerman</td>.*?</tr>`).FindString(page)
	if !strings.Contains(row, "84–103 (best 95)") {
		t.Errorf("Kerman row = %q, want killed 84–103 (best 95)", row)
	}
	if !strings.Contains(page, "2024-01-03 Kerman, IR: killed 84–103 (best 95)") {
		t.Error("the killed chart has no point for the Kerman bombing")
	}
	if n := strings.Count(page, "<svg "); n < 5 {
		t.Errorf("%d charts, want at least 5", n)
	}
	for _, ext := range []string{`src="http`, `href="http`, `src="//`, `href="//`, "<script", "<link"} {
		if strings.Contains(page, ext) {
			t.Errorf("report has an external reference or script: %q", ext)
		}
	}

	// To standard output, and for an empty selection.
	stdout := mustVigil(t, db, "analyze", "report", "--country", "IR", "--actor", "Islamic State", "--out", "-")
	if stdout != page {
		t.Error("--out - does not write the same page to standard output")
	}
	empty := mustVigil(t, db, "analyze", "report", "--country", "FR", "--out", "-")
	if !strings.Contains(empty, "No incident matches this selection") {
		t.Error("the report of an empty selection does not say so")
	}
	if _, _, err := vigil(t, db, "analyze", "report", "--out", filepath.Join(dir, "missing", "r.html")); err == nil || ExitCode(err) != 1 {
		t.Errorf("writing into a missing directory: err = %v, want a failure", err)
	}
}
