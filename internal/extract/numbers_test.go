package extract

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
)

// fig is the part of a Figure the table tests compare.
type fig struct {
	low, best, high int
	q               model.Qualifier
	source, note    string
	earlier         bool
	attackers       int
	vague           string
}

func (f fig) String() string {
	return Figure{Range: model.Range{Low: f.low, Best: f.best, High: f.high, Qualifier: f.q}, Source: f.source,
		Note: f.note, Earlier: f.earlier, Attackers: f.attackers}.String() + " vague=" + f.vague
}

func pt(n int, q model.Qualifier) fig { return fig{low: n, best: n, high: n, q: q} }

func (f fig) src(s string) fig              { f.source = s; return f }
func (f fig) nt(s string) fig               { f.note = s; return f }
func (f fig) early() fig                    { f.earlier = true; return f }
func (f fig) vg(s string) fig               { f.vague = s; return f }
func (f fig) att(n int) fig                 { f.attackers = n; return f }
func rng(lo, hi int, q model.Qualifier) fig { return fig{low: lo, best: lo, high: hi, q: q} }

func toFig(f Figure) fig {
	return fig{f.Range.Low, f.Range.Best, f.Range.High, f.Range.Qualifier, f.Source, f.Note, f.Earlier, f.Attackers, f.Vague}
}

func checkFigures(t *testing.T, in string, got Figures, want []fig) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("ParseFigure(%q) got %d figures %v, want %d %v", in, len(got), got, len(want), want)
		return
	}
	for i := range want {
		if g := toFig(got[i]); g != want[i] {
			t.Errorf("ParseFigure(%q)[%d] got %v, want %v", in, i, g, want[i])
		}
	}
}

const (
	ex = model.Exact
	al = model.AtLeast
	ab = model.About
	ut = model.UpTo
)

func TestParseFigure(t *testing.T) {
	tests := []struct {
		in   string
		want []fig
	}{
		{"12", []fig{pt(12, ex)}},
		{"12+", []fig{pt(12, al)}},
		{">=12", []fig{pt(12, al)}},
		{"≥ 12", []fig{pt(12, al)}},
		{"at least 12", []fig{pt(12, al)}},
		{"At least 17 people were killed", []fig{pt(17, al).nt("people were killed")}},
		{"no fewer than 9", []fig{pt(9, al)}},
		{"more than 100", []fig{pt(101, al)}},
		{"over 20", []fig{pt(21, al)}},
		{">60", []fig{pt(61, al)}},
		{"up to 7", []fig{pt(7, ut)}},
		{"<= 7", []fig{pt(7, ut)}},
		{"as many as 30", []fig{pt(30, ut)}},
		{"fewer than 10", []fig{pt(9, ut)}},
		{"about 20", []fig{pt(20, ab)}},
		{"around 20", []fig{pt(20, ab)}},
		{"nearly 30", []fig{pt(30, ab)}},
		{"some 60", []fig{pt(60, ab)}},
		{"~20", []fig{pt(20, ab)}},
		{"20-25", []fig{rng(20, 25, ex)}},
		{"20–25", []fig{rng(20, 25, ex)}},
		{"20 to 25", []fig{rng(20, 25, ex)}},
		{"between 20 and 25", []fig{rng(20, 25, ex)}},
		{"about 20-25", []fig{rng(20, 25, ab)}},
		{"1,200", []fig{pt(1200, ex)}},
		{"seventeen", []fig{pt(17, ex)}},
		{"Twenty-nine", []fig{pt(29, ex)}},
		{"twenty five", []fig{pt(25, ex)}},
		{"one hundred and twelve", []fig{pt(112, ex)}},
		{"a dozen", []fig{pt(12, ab)}},
		{"two dozen", []fig{pt(24, ab)}},
		{"a hundred", []fig{pt(100, ex)}},
		{"none", []fig{pt(0, ex)}},
		{"no one", []fig{pt(0, ex)}},
		{"no deaths", []fig{pt(0, ex).nt("deaths")}},
		{"nobody", []fig{pt(0, ex)}},
		{"no more than 5", []fig{pt(5, ut)}},
		{"killing 18 and injuring at least 56", []fig{pt(18, ex).nt("and injuring at least 56")}},
		{"several", []fig{rng(3, 9, ab).vg("several")}},
		{"a few", []fig{rng(2, 5, ab).vg("a few")}},
		{"a couple of", []fig{rng(2, 3, ab).vg("a couple of")}},
		{"dozens", []fig{rng(12, 99, ab).vg("dozens")}},
		{"tens", []fig{rng(10, 99, ab).vg("tens")}},
		{"scores", []fig{rng(20, 199, ab).vg("scores")}},
		{"hundreds", []fig{rng(100, 999, ab).vg("hundreds")}},
		{"more than dozens", []fig{rng(12, 99, al).vg("dozens")}},
		{"several hundred", []fig{rng(300, 900, ab).vg("several hundred")}},
		{"tens of thousands", []fig{rng(10000, 99999, ab).vg("tens of thousands")}},
		// Persian and Arabic-Indic
		{"۱۲", []fig{pt(12, ex)}},
		{"١٢", []fig{pt(12, ex)}},
		{"دست‌کم ۱۲", []fig{pt(12, al)}},
		{"دست کم ۱۲", []fig{pt(12, al)}},
		{"حداقل ۱۲ نفر", []fig{pt(12, al).nt("نفر")}},
		{"بیش از ۱۰۰", []fig{pt(101, al)}},
		{"بیش از 2 هزار", []fig{pt(2001, al)}},
		{"حدود ۲۰", []fig{pt(20, ab)}},
		{"نزدیک به ۵۰", []fig{pt(50, ab)}},
		{"تا ۷", []fig{pt(7, ut)}},
		{"۲۰ تا ۲۵", []fig{rng(20, 25, ex)}},
		{"ده‌ها", []fig{rng(10, 99, ab).vg("دهها")}},
		{"صدها", []fig{rng(100, 999, ab).vg("صدها")}},
		{"چند", []fig{rng(3, 9, ab).vg("چند")}},
		{"چندین", []fig{rng(3, 9, ab).vg("چندین")}},
		{"چند صد", []fig{rng(300, 900, ab).vg("چند صد")}},
		{"بیست و نه", []fig{pt(29, ex)}},
		{"دو", []fig{pt(2, ex)}},
		{"يك", []fig{pt(1, ex)}},
		{"یک هزار و دویست", []fig{pt(1200, ex)}},
		{"صد و ده", []fig{pt(110, ex)}},
		// compound cells with sources
		{"2 (IRNA); 7 (Fars via CNN)", []fig{pt(2, ex).src("IRNA"), pt(7, ex).src("Fars via CNN")}},
		{"۲ (ایرنا)؛ ۷ (فارس)", []fig{pt(2, ex).src("ایرنا"), pt(7, ex).src("فارس")}},
		{"body text: 17 civilians", []fig{pt(17, ex).src("body text").nt("civilians")}},
		{"28 (earlier 24)", []fig{pt(28, ex), pt(24, ex).early()}},
		{"33 incl. 5 attackers", []fig{pt(33, ex).att(5).nt("incl. 5 attackers")}},
	}
	for _, tt := range tests {
		got, err := ParseFigure(tt.in)
		if err != nil {
			t.Errorf("ParseFigure(%q): %v", tt.in, err)
			continue
		}
		checkFigures(t, tt.in, got, tt.want)
	}
}

func TestParseFigureStatedAndSpan(t *testing.T) {
	in := "killed: more than ۱۰۰ (IRNA)"
	got, err := ParseFigure(in)
	if err != nil || len(got) != 1 {
		t.Fatalf("ParseFigure(%q) got %v, %v", in, got, err)
	}
	f := got[0]
	if f.Stated != 100 || f.Range.Low != 101 || f.Source != "IRNA" {
		t.Errorf("got stated %d low %d source %q, want 100 101 IRNA", f.Stated, f.Range.Low, f.Source)
	}
	if f.Text != "more than ۱۰۰" || in[f.Start:f.End] != f.Text {
		t.Errorf("got text %q at %d:%d, want %q as a span of the input", f.Text, f.Start, f.End, "more than ۱۰۰")
	}
}

func TestParseFigureNone(t *testing.T) {
	for _, in := range []string{"", "  ", "unconfirmed", "unknown", "a number of", "تعدادی", "n/a", "many"} {
		if got, err := ParseFigure(in); !errors.Is(err, ErrNoFigure) {
			t.Errorf("ParseFigure(%q) got %v, %v, want ErrNoFigure", in, got, err)
		}
	}
	for _, in := range []string{"blah", "(12)", "IRNA", "x; 12"} {
		if got, err := ParseFigure(in); !errors.Is(err, ErrBadFigure) {
			t.Errorf("ParseFigure(%q) got %v, %v, want ErrBadFigure", in, got, err)
		}
	}
}

// claimTable is the shared table of what published pages said about
// Tehran 2017 and Ahvaz 2018 (see its SOURCE.md).
const claimTable = "casualty_claims_tehran2017_ahvaz2018.csv"

// TestParseFigureClaimTable reads every killed and injured cell of the
// shared claim table: each gives figures, or no figure where the cell is
// empty or says "unconfirmed"; chosen cells are checked field by field.
func TestParseFigureClaimTable(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "news", "claims", claimTable))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 28 {
		t.Fatalf("got %d rows, want 28 (header + 27)", len(rows))
	}
	ki, ii := 5, 6
	if rows[0][ki] != "killed" || rows[0][ii] != "injured" {
		t.Fatalf("header %v: killed/injured not at 5/6", rows[0])
	}
	cells, none := 0, 0
	for n, r := range rows[1:] {
		for _, c := range []string{r[ki], r[ii]} {
			cells++
			figs, err := ParseFigure(c)
			if errors.Is(err, ErrNoFigure) {
				none++
				if c != "" && c != "unconfirmed" {
					t.Errorf("row %d: %q gave no figure", n+2, c)
				}
				continue
			}
			if err != nil || len(figs) == 0 {
				t.Errorf("row %d: ParseFigure(%q): %v %v", n+2, c, figs, err)
			}
		}
	}
	if cells != 54 || none != 4 {
		t.Errorf("got %d cells, %d without a figure; want 54 and 4 (3 empty, 1 unconfirmed)", cells, none)
	}
	want := map[string][]fig{
		"several":                              {rng(3, 9, ab).vg("several")},
		">=20":                                 {pt(20, al)},
		"up to 20":                             {pt(20, ut)},
		"28 (earlier 24)":                      {pt(28, ex), pt(24, ex).early()},
		">60 (earlier 53)":                     {pt(61, al), pt(53, ex).early()},
		">=24 (deputy governor earlier: >=10)": {pt(24, al), pt(10, al).src("deputy governor").early()},
		">50 (deputy governor earlier: 21)":    {pt(51, al), pt(21, ex).src("deputy governor").early()},
		"2 (IRNA); 7 (Fars via CNN); 1 guard (BBC)": {pt(2, ex).src("IRNA"), pt(7, ex).src("Fars via CNN"),
			pt(1, ex).src("BBC").nt("guard")},
		"1 (headline); 3 (ISNA in body)": {pt(1, ex).src("headline"), pt(3, ex).src("ISNA in body")},
		"12 (headline); dozens (body)":   {pt(12, ex).src("headline"), rng(12, 99, ab).vg("dozens").src("body")},
		"2 (at shrine)":                  {pt(2, ex).nt("at shrine")},
		"23 incl. 5 attackers (infobox: 18 victims); body text: 17 civilians": {
			pt(23, ex).att(5).nt("incl. 5 attackers"), pt(18, ex).src("infobox").nt("victims"),
			pt(17, ex).src("body text").nt("civilians")},
		"52 (infobox); 43 (body)":               {pt(52, ex).src("infobox"), pt(43, ex).src("body")},
		">=7 (unconfirmed, early); 12 (latest)": {pt(7, al).early().nt("unconfirmed, early"), pt(12, ex).nt("latest")},
		">=7 (initial assault)":                 {pt(7, al).nt("initial assault")},
		"33 incl. 5 attackers":                  {pt(33, ex).att(5).nt("incl. 5 attackers")},
		"8 (IRGC)":                              {pt(8, ex).nt("IRGC")},
		">=8 (IRGC)":                            {pt(8, al).nt("IRGC")},
		"dozens":                                {rng(12, 99, ab).vg("dozens")},
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		for _, c := range []string{r[ki], r[ii]} {
			if w, ok := want[c]; ok {
				seen[c] = true
				got, err := ParseFigure(c)
				if err != nil {
					t.Errorf("ParseFigure(%q): %v", c, err)
					continue
				}
				checkFigures(t, c, got, w)
			}
		}
	}
	for c := range want {
		if !seen[c] {
			t.Errorf("cell %q not found in the table", c)
		}
	}
}

// TestParseFigureGold parses the killed figures the hand labels quote
// verbatim (killed_all_values in shared/data/news/*/gold.jsonl): each is
// a figure, except a noun phrase for one person ("a security guard"),
// which is the extractor's business, not a figure's.
func TestParseFigureGold(t *testing.T) {
	n := 0
	for _, dir := range []string{"tehrantimes", "farsnews"} {
		data, err := os.ReadFile(shareddata.Path(t, "news", dir, "gold.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var doc struct {
				Incidents []struct {
					Killed *struct {
						Low *int `json:"low"`
					} `json:"killed"`
					Values []string `json:"killed_all_values"`
				} `json:"incidents"`
			}
			if err := json.Unmarshal([]byte(line), &doc); err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			for _, inc := range doc.Incidents {
				for _, v := range inc.Values {
					figs, err := ParseFigure(v)
					if strings.HasPrefix(strings.ToLower(v), "a ") {
						continue
					}
					n++
					if err != nil || len(figs) != 1 || figs[0].Range.Best < 1 {
						t.Errorf("%s: ParseFigure(%q) got %v, %v, want one figure", dir, v, figs, err)
					}
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("got %d quoted figures, want at least 10", n)
	}
}

func readFixtureLines(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open("testdata/figures.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func FuzzParseFigure(f *testing.F) {
	for _, s := range readFixtureLines(f) {
		f.Add(s)
	}
	f.Add("((((12")
	f.Add("\xff\xfe 12")
	f.Add("99999999999999999999")
	f.Fuzz(func(t *testing.T, s string) {
		figs, err := ParseFigure(s)
		if err != nil {
			if len(figs) != 0 {
				t.Errorf("ParseFigure(%q) returned figures with error %v", s, err)
			}
			return
		}
		if len(figs) == 0 {
			t.Errorf("ParseFigure(%q) returned no figures and no error", s)
		}
		for _, g := range figs {
			if !g.Range.Qualifier.Valid() || g.Range.Low < 0 || g.Range.High > 2*maxCount {
				t.Errorf("ParseFigure(%q) got %+v", s, g.Range)
			}
			if g.Start < 0 || g.End > len(s) || g.Start > g.End || !strings.Contains(s, g.Text) {
				t.Errorf("ParseFigure(%q) span %d:%d %q not in input", s, g.Start, g.End, g.Text)
			}
		}
	})
}

func BenchmarkParseFigure(b *testing.B) {
	lines := readFixtureLines(b)
	b.ReportAllocs()
	for i := range b.N {
		_, _ = ParseFigure(lines[i%len(lines)])
	}
}
