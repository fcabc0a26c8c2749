package claims

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/sourcetest"
)

const realFile = "casualty_claims_tehran2017_ahvaz2018.csv"

var fetched = time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)

type result = sourcetest.Result

func readBytes(tb testing.TB, data []byte, name string, opts Options) result {
	tb.Helper()
	opts.Name, opts.Fetched = name, fetched
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		tb.Fatalf("NewReader(%s): %v", name, err)
	}
	return sourcetest.Drain(tb, r)
}

func readFile(tb testing.TB, path string) result {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return readBytes(tb, data, filepath.Base(path), Options{})
}

func rangeStr(r *model.Range) string {
	if r == nil {
		return "-"
	}
	return r.String()
}

// want is what the tests check of one record.
type want struct {
	ref             string
	line            int
	start, end      string
	prec            model.DatePrecision
	country, admin1 string
	killed, wounded string // Range.String(), "-" for none
	kq, wq          model.Qualifier
	cited           string
	claimedBy       []string
	published       string // RFC 3339, "" for none
	flags           []string
	codes           map[string]string
}

func check(t *testing.T, res result, src string, w want) {
	t.Helper()
	rec, ok := res.ByRef(w.ref)
	if !ok {
		t.Errorf("no record with ref %q", w.ref)
		return
	}
	rep, c := rec.Report, rec.Claim
	wantID := model.ReportID(src, w.ref, 0)
	if rep.ID != wantID || rep.Source != src || c.ID != model.ClaimID(wantID, 1) || c.ReportID != wantID || c.Source != src {
		t.Errorf("%s: ids got report %q %q claim %q %q, want %q", w.ref, rep.ID, rep.Source, c.ID, c.ReportID, wantID)
	}
	if rep.Hash != source.Hash(rep.Raw) || !rep.Fetched.Equal(fetched) {
		t.Errorf("%s: hash/fetched got %q %v", w.ref, rep.Hash, rep.Fetched)
	}
	if !strings.HasSuffix(rep.Origin, ":"+itoa(w.line)) {
		t.Errorf("%s: origin got %q, want line %d", w.ref, rep.Origin, w.line)
	}
	if got := c.Start.String() + " " + c.End.String() + " " + string(c.DatePrecision); got != w.start+" "+w.end+" "+string(w.prec) {
		t.Errorf("%s: dates got %q, want %q", w.ref, got, w.start+" "+w.end+" "+string(w.prec))
	}
	if c.Country != w.country || c.Admin1 != w.admin1 {
		t.Errorf("%s: country/admin1 got %q %q, want %q %q", w.ref, c.Country, c.Admin1, w.country, w.admin1)
	}
	if rangeStr(c.Killed) != w.killed || rangeStr(c.Wounded) != w.wounded {
		t.Errorf("%s: killed/wounded got %s / %s, want %s / %s", w.ref, rangeStr(c.Killed), rangeStr(c.Wounded), w.killed, w.wounded)
	}
	if c.Killed != nil && c.Killed.Qualifier != w.kq || c.Wounded != nil && c.Wounded.Qualifier != w.wq {
		t.Errorf("%s: qualifiers got %v %v, want %q %q", w.ref, c.Killed, c.Wounded, w.kq, w.wq)
	}
	if got := CitedSource(c); got != w.cited {
		t.Errorf("%s: cited source got %q, want %q", w.ref, got, w.cited)
	}
	if !slices.Equal(c.ClaimedBy, w.claimedBy) {
		t.Errorf("%s: claimed_by got %q, want %q", w.ref, c.ClaimedBy, w.claimedBy)
	}
	pub := ""
	if rep.Published != nil {
		pub = rep.Published.Format(time.RFC3339)
	}
	if pub != w.published {
		t.Errorf("%s: published got %q, want %q", w.ref, pub, w.published)
	}
	if !slices.Equal(c.Flags, w.flags) {
		t.Errorf("%s: flags got %q, want %q", w.ref, c.Flags, w.flags)
	}
	if c.Perpetrator != "" || c.AttackType != model.UnknownAttack {
		t.Errorf("%s: perpetrator/attack got %q %q, want empty, unknown", w.ref, c.Perpetrator, c.AttackType)
	}
	for k, v := range w.codes {
		if c.Codes[k] != v {
			t.Errorf("%s: codes[%s] got %q, want %q", w.ref, k, c.Codes[k], v)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRealTable(t *testing.T) {
	res := readFile(t, shareddata.Path(t, "news", "claims", realFile))
	if len(res.Errs) != 0 {
		t.Errorf("got %d rejected rows, want 0: %v", len(res.Errs), res.Errs)
	}
	rows := map[string]bool{}
	perEvent := map[string]int{}
	ids := map[string]bool{}
	for _, r := range res.Recs {
		row := r.Report.Origin
		if !rows[row] {
			rows[row] = true
			perEvent[r.Claim.Codes["event"]]++
		}
		if ids[r.Report.ID] {
			t.Errorf("duplicate report id %q", r.Report.ID)
		}
		ids[r.Report.ID] = true
		if err := r.CheckText(); err != nil {
			t.Errorf("%s: %v", r.Report.ID, err)
		}
	}
	// 27 rows (SOURCE.md: 14 Tehran 2017, 13 Ahvaz 2018); rows with several
	// figures give several claims: 9 more (Atlantic 4, Wikipedia 3, and 2
	// each for noticiabrasil, defensepost, dawgnet and news-front).
	if len(rows) != 27 || perEvent["tehran_2017"] != 14 || perEvent["ahvaz_2018"] != 13 {
		t.Errorf("got %d rows (%v), want 27: 14 tehran_2017, 13 ahvaz_2018", len(rows), perEvent)
	}
	if len(res.Recs) != 36 {
		t.Errorf("got %d records, want 36", len(res.Recs))
	}
	src := "claims:casualty_claims_tehran2017_ahvaz2018"
	tehran := func(w want) want {
		w.start, w.end, w.prec, w.country, w.admin1 = "2017-06-07", "2017-06-07", model.PrecisionDay, "IR", "Tehran"
		return w
	}
	ahvaz := func(w want) want {
		w.start, w.end, w.prec, w.country, w.admin1 = "2018-09-22", "2018-09-22", model.PrecisionDay, "IR", "Khuzestan"
		return w
	}
	atlantic := "https://www.theatlantic.com/liveblogs/2017/06/iran-attacks/529407/?utm_source=feed"
	nos := "https://nos.nl/artikel/2251540-doden-bij-aanslag-op-militaire-parade-iran.html"
	dawg := "http://dawgnetnews.com/2017/06/07/one-dead-12-injured-after-attacks-on-irans-parliament-and.html"
	wiki := "https://en.wikipedia.org/wiki/2017_Tehran_attacks"
	noticia := "https://noticiabrasil.net.br/20180922/terroristas-atacam-desfile-militar-feridos-mortos-ira-fotos-videos-12269279.html"
	defpost := "https://thedefensepost.com/2018/09/22/iran-ahvaz-parade-attack"
	newsfront := "https://de.news-front.su/2017/06/08/teheran-schieserei-in-parlament-video"
	for _, w := range []want{
		ahvaz(want{ref: "http://www.tgcom24.mediaset.it/mondo/iran-attacco-a-una-parata-militare-morti-e-feriti-bimbi-e-giornalisti-tra-le-vittime-l-isis-rivendica-l-attentato_3164720-201802a.shtml",
			line: 2, killed: "~3–9 (best 3)", kq: model.About, wounded: "≥20", wq: model.AtLeast, cited: "Iranian state TV",
			claimedBy: []string{"ISIS"}, codes: map[string]string{"lang": "it", "page_date": "2018-09", "perpetrator_claim": "ISIS (Amaq)"}}),
		ahvaz(want{ref: "https://www.sott.net/article/396533-8-soldiers-killed-20-people-injured-during-attack-on-military-parade-in-southern-Iran",
			line: 3, killed: "≥8", kq: model.AtLeast, wounded: "≤20", wq: model.UpTo, cited: "Tasnim; ISNA",
			published: "2018-09-22T00:00:00Z", codes: map[string]string{"killed_text": ">=8", "injured_text": "up to 20"}}),
		ahvaz(want{ref: noticia, line: 6, killed: "28", kq: model.Exact, wounded: "≥61", wq: model.AtLeast,
			cited: "parliament defence committee deputy via Sputnik; IRNA", claimedBy: nil, published: "2018-09-22T00:00:00Z"}),
		ahvaz(want{ref: noticia + "#k2", line: 6, killed: "24", kq: model.Exact, wounded: "53", wq: model.Exact,
			cited: "parliament defence committee deputy via Sputnik; IRNA", published: "2018-09-22T00:00:00Z",
			flags: []string{FlagEarlierFigure}}),
		ahvaz(want{ref: defpost + "#k2", line: 9, killed: "≥10", kq: model.AtLeast, wounded: "21", wq: model.Exact,
			cited: "deputy governor", claimedBy: []string{"ISIS", "Ahvaz National Resistance"},
			published: "2018-09-22T00:00:00Z", flags: []string{FlagEarlierFigure}}),
		ahvaz(want{ref: defpost, line: 9, killed: "≥24", kq: model.AtLeast, wounded: "≥51", wq: model.AtLeast,
			cited: "IRNA; Tasnim", claimedBy: []string{"ISIS", "Ahvaz National Resistance"}, published: "2018-09-22T00:00:00Z"}),
		tehran(want{ref: newsfront, line: 20, killed: "≥7", kq: model.AtLeast, wounded: "-", published: "2017-06-08T00:00:00Z",
			flags: []string{FlagEarlierFigure}, codes: map[string]string{"killed_note": "unconfirmed, early", "lang": "de"}}),
		tehran(want{ref: newsfront + "#k2", line: 20, killed: "12", kq: model.Exact, wounded: "42", wq: model.Exact,
			published: "2017-06-08T00:00:00Z", codes: map[string]string{"killed_note": "latest"}}),
		ahvaz(want{ref: nos, line: 7, killed: "≥8", kq: model.AtLeast, wounded: "20", wq: model.Exact, claimedBy: nil}),
		tehran(want{ref: nos + "#tehran_2017", line: 18, killed: "18", kq: model.Exact, wounded: "-", claimedBy: []string{"IS"},
			codes: map[string]string{"event": "tehran_2017", "page_date": "2018-09"}}),
		tehran(want{ref: atlantic, line: 11, killed: "2", kq: model.Exact, wounded: "-", cited: "IRNA",
			published: "2017-06-06T00:00:00Z", codes: map[string]string{"killed_figure": "2", "cited_source": "IRNA; Fars; BBC; NYT"}}),
		tehran(want{ref: atlantic + "#k2", line: 11, killed: "7", kq: model.Exact, wounded: "-", cited: "Fars via CNN", published: "2017-06-06T00:00:00Z"}),
		tehran(want{ref: atlantic + "#k3", line: 11, killed: "1", kq: model.Exact, wounded: "-", cited: "BBC", published: "2017-06-06T00:00:00Z",
			codes: map[string]string{"killed_note": "guard"}}),
		tehran(want{ref: atlantic + "#k4", line: 11, killed: "-", wounded: "38", wq: model.Exact, cited: "IRNA; Fars; BBC; NYT", published: "2017-06-06T00:00:00Z"}),
		tehran(want{ref: dawg, line: 13, killed: "1", kq: model.Exact, wounded: "12", wq: model.Exact, cited: "headline",
			claimedBy: []string{"IS"}, published: "2017-06-07T00:00:00Z"}),
		tehran(want{ref: dawg + "#k2", line: 13, killed: "3", kq: model.Exact, wounded: "~12–99 (best 12)", wq: model.About, cited: "ISNA in body",
			claimedBy: []string{"IS"}, published: "2017-06-07T00:00:00Z"}),
		tehran(want{ref: wiki, line: 19, killed: "23", kq: model.Exact, wounded: "-", cited: "Wikipedia", claimedBy: []string{"Islamic State"},
			flags: []string{FlagIncludesAttackers}, codes: map[string]string{"attackers_included": "5"}}),
		tehran(want{ref: wiki + "#k2", line: 19, killed: "18", kq: model.Exact, wounded: "52", wq: model.Exact, cited: "infobox",
			claimedBy: []string{"Islamic State"}, codes: map[string]string{"killed_note": "victims"}}),
		tehran(want{ref: wiki + "#k3", line: 19, killed: "17", kq: model.Exact, wounded: "43", wq: model.Exact, cited: "body text",
			claimedBy: []string{"Islamic State"}, codes: map[string]string{"killed_note": "civilians"}}),
		tehran(want{ref: "https://worldview.stratfor.com/article/iran-islamic-state-puts-tehran-its-crosshairs", line: 21,
			killed: "≥7", kq: model.AtLeast, wounded: "-", claimedBy: []string{"Islamic State"}, published: "2017-06-07T13:08:00Z"}),
		tehran(want{ref: "http://www.xebersaati.com/news/63526-tehran-terrorist-attacks-death-toll-reaches-16/", line: 23,
			killed: "16", kq: model.Exact, wounded: "-", cited: "ILNA quoting head of Legal Medicine Organization (via Trend, Baku)",
			claimedBy: []string{"ISIS"}, published: "2017-06-08T00:00:00Z"}),
		ahvaz(want{ref: "http://yeeders.com/iran-atemptk-on-military-parade/", line: 24, killed: "33", kq: model.Exact, wounded: "53", wq: model.Exact,
			cited: "Iranian state TV", flags: []string{FlagIncludesAttackers}}),
		ahvaz(want{ref: "https://simple.m.wikipedia.org/wiki/Ahvaz_military_parade_attack", line: 25, killed: "29", kq: model.Exact,
			wounded: "70", wq: model.Exact, cited: "Simple English Wikipedia (cites Fars English, CNN)",
			claimedBy: []string{"Arab Struggle Movement for the Liberation of Ahwaz", "ISIL"}}),
		ahvaz(want{ref: "https://deschide.md/ro/stiri/externe/36985/Atac-armat-%C3%AEn-Iran-%C3%AEn-timpul-unei-parade-militare-mai-mul%C5%A3i-mor%C5%A3i-%C5%9Fi-r%C4%83ni%C5%A3i-Primele-IMAGINI-impact-emo%C5%A3ional.htm",
			line: 26, killed: "8", kq: model.Exact, wounded: "20", wq: model.Exact, cited: "IRNA via BBC/Al Jazeera/Mediafax",
			codes: map[string]string{"killed_note": "IRGC", "perpetrator_claim": "suspected Islamic State"}}),
		ahvaz(want{ref: "https://www.nieuwsblad.be/cnt/dmf20180922_03776834", line: 27, killed: "-", wounded: "≥20", wq: model.AtLeast,
			cited: "IRNA", codes: map[string]string{"killed_text": "unconfirmed"}}),
	} {
		check(t, res, src, w)
	}
	// Every row's figures: each row's killed and injured cells as the records carry them.
	for _, r := range res.Recs {
		c := r.Claim
		if c.Killed == nil && c.Wounded == nil {
			t.Errorf("%s: a record with neither killed nor wounded (every row of the real table gives one)", r.Report.ID)
		}
		if c.Text == "" && !strings.Contains(c.Codes["url"], "channel4.com") && !strings.Contains(c.Codes["url"], "novinite.com") {
			t.Errorf("%s: empty text", r.Report.ID)
		}
	}
}

// TestReimportSameIDs reads the real table twice: the same ids, hashes and
// claims come back, so a second import stores nothing new.
func TestReimportSameIDs(t *testing.T) {
	path := shareddata.Path(t, "news", "claims", realFile)
	a, b := readFile(t, path), readFile(t, path)
	if len(a.Recs) != len(b.Recs) {
		t.Fatalf("got %d then %d records", len(a.Recs), len(b.Recs))
	}
	for i := range a.Recs {
		if a.Recs[i].Report.ID != b.Recs[i].Report.ID || a.Recs[i].Report.Hash != b.Recs[i].Report.Hash || a.Recs[i].Claim.ID != b.Recs[i].Claim.ID {
			t.Errorf("record %d: got %s/%s then %s/%s", i, a.Recs[i].Report.ID, a.Recs[i].Report.Hash, b.Recs[i].Report.ID, b.Recs[i].Report.Hash)
		}
	}
}

func TestSynthetic(t *testing.T) {
	data, err := os.ReadFile("testdata/synthetic.csv")
	if err != nil {
		t.Fatal(err)
	}
	res := readBytes(t, data, "synthetic.csv", Options{})
	src := "claims:synthetic"
	kerman := func(w want) want {
		w.start, w.end, w.prec, w.country, w.admin1 = "2024-01-03", "2024-01-03", model.PrecisionDay, "IR", "Kerman"
		return w
	}
	for _, w := range []want{
		kerman(want{ref: "https://example.org/kerman-1", line: 2, killed: "103", kq: model.Exact, wounded: "211", wq: model.Exact, cited: "IRNA",
			published: "2024-01-03T00:00:00Z", codes: map[string]string{"cited_source": "IRNA; Ministry of Health"}}),
		kerman(want{ref: "https://example.org/kerman-1#k2", line: 2, killed: "84", kq: model.Exact, wounded: "284", wq: model.Exact,
			cited: "health ministry", published: "2024-01-03T00:00:00Z"}),
		kerman(want{ref: "https://example.org/kerman-fa", line: 4, killed: "≥84", kq: model.AtLeast, wounded: "≥201", wq: model.AtLeast,
			cited: "ایرنا", claimedBy: []string{"داعش"}, published: "2024-01-04T00:00:00Z"}),
		kerman(want{ref: "https://example.org/kerman-1#kerman_2024-2", line: 5, killed: "95", kq: model.Exact, wounded: "284", wq: model.Exact,
			cited: "IRNA", claimedBy: []string{"Islamic State"}, published: "2024-01-04T00:00:00Z"}),
		kerman(want{ref: "https://example.org/kerman-1#kerman_2024-2#k2", line: 5, killed: "84", kq: model.Exact, wounded: "-",
			cited: "IRNA", claimedBy: []string{"Islamic State"}, published: "2024-01-04T00:00:00Z", flags: []string{FlagEarlierFigure}}),
		{ref: "https://example.org/kerman-1#shiraz_2023", line: 6, start: "2023-08-13", end: "2023-08-13", prec: model.PrecisionDay,
			country: "IR", admin1: "Fars", killed: "2", kq: model.Exact, wounded: "~12–99 (best 12)", wq: model.About,
			claimedBy: []string{"ISIS", "Ahvaz National Resistance"}},
		{ref: "https://example.org/no-figures", line: 13, start: "2017-06-07", end: "2017-06-07", prec: model.PrecisionDay,
			country: "IR", admin1: "Tehran", killed: "-", wounded: "-"},
	} {
		check(t, res, src, w)
	}
	if rec, _ := res.ByRef("https://example.org/kerman-1"); rec.Claim.Text != "first toll,\nthen revised" {
		t.Errorf("multi-line notes got %q", rec.Claim.Text)
	}
	wantErrs := []struct {
		line  int
		field string
	}{{7, "killed"}, {8, "event_date"}, {9, "url"}, {10, ""}, {11, "page_date_in_corpus"}}
	if len(res.Errs) != len(wantErrs) {
		t.Fatalf("got %d row errors %v, want %d", len(res.Errs), res.Errs, len(wantErrs))
	}
	for i, w := range wantErrs {
		e := res.Errs[i]
		if e.Line != w.line || e.Field != w.field || e.File != "synthetic.csv" || e.Raw == "" {
			t.Errorf("row error %d got %s:%d field %q (raw %q), want line %d field %q", i, e.File, e.Line, e.Field, e.Raw, w.line, w.field)
		}
	}
	if len(res.Recs) != 7 {
		t.Errorf("got %d records, want 7", len(res.Recs))
	}
}

func TestCountryOption(t *testing.T) {
	data := []byte("event,event_date,url,killed,injured\nkabul_2021,2021-08-26,https://example.org/k,170,\n")
	res := readBytes(t, data, "kabul.csv", Options{})
	if len(res.Recs) != 1 || res.Recs[0].Claim.Country != "" || res.Recs[0].Claim.PlacePrecision != model.PlaceUnknown {
		t.Fatalf("unknown place got %+v", res.Recs)
	}
	res = readBytes(t, data, "kabul.csv", Options{Country: "af"})
	if c := res.Recs[0].Claim; c.Country != "AF" || c.PlacePrecision != model.PlaceCountry || rangeStr(c.Killed) != "170" {
		t.Errorf("--country af got %q %q %s, want AF country 170", c.Country, c.PlacePrecision, rangeStr(c.Killed))
	}
	if _, err := NewReader(bytes.NewReader(data), Options{Country: "XX"}); err == nil {
		t.Errorf("country XX got no error")
	}
}

// TestRefCollision: a url that spells another row's claim reference still
// gets a report id of its own.
func TestRefCollision(t *testing.T) {
	data := []byte("event,event_date,url,killed,injured\n" +
		"a_1,2021-01-01,https://x.org/u,1 (IRNA); 2 (Fars),\n" +
		"b_1,2021-01-01,https://x.org/u#k2,3,\n" +
		"a_1,2021-01-01,https://x.org/u,4,\n")
	res := readBytes(t, data, "c.csv", Options{})
	var got []string
	for _, r := range res.Recs {
		got = append(got, r.Report.SourceRef)
	}
	want := []string{"https://x.org/u", "https://x.org/u#k2", "https://x.org/u#k2~2", "https://x.org/u#a_1-2"}
	if !slices.Equal(got, want) {
		t.Errorf("refs got %q, want %q", got, want)
	}
}

func TestWrongKind(t *testing.T) {
	for _, name := range []string{"testdata/wrong_kind.csv", "empty"} {
		var data []byte
		if name != "empty" {
			var err error
			if data, err = os.ReadFile(name); err != nil {
				t.Fatal(err)
			}
		}
		_, err := NewReader(bytes.NewReader(data), Options{Options: source.Options{Name: name}})
		var ke *source.KindError
		if !errors.As(err, &ke) || len(ke.Missing) == 0 || !slices.Equal(ke.Expected, Required) {
			t.Errorf("%s: got %v, want a KindError naming %v", name, err, Required)
		}
	}
}

func TestClaimedBy(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"ISIS (Amaq)", []string{"ISIS"}}, {"none yet", nil}, {"", nil}, {"not yet claimed", nil},
		{"takfiri (Tasnim)", nil}, {"takfiri elements", nil}, {"Takfiri", nil}, {"suspected Islamic State", nil},
		{"Daesh", []string{"Daesh"}}, {"Islamic State (ISIL)", []string{"Islamic State"}},
		{"ISIS and Ahvaz National Resistance both claimed", []string{"ISIS", "Ahvaz National Resistance"}},
		{"both Arab Struggle Movement for the Liberation of Ahwaz and ISIL claimed", []string{"Arab Struggle Movement for the Liberation of Ahwaz", "ISIL"}},
	}
	for _, tt := range tests {
		if got := claimedBy(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("claimedBy(%q) got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, p := range []string{"testdata/synthetic.csv", "testdata/wrong_kind.csv"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("event,event_date,url,killed,injured\nx,1402/10/13,u,\"2 (a); 3 (b)\",\"dozens (a)\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), Options{Options: source.Options{Name: "fuzz.csv"}})
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for range 10000 {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if source.IsRowError(err) {
				continue
			}
			if err != nil {
				return
			}
			if ids[rec.Report.ID] {
				t.Fatalf("duplicate report id %q", rec.Report.ID)
			}
			ids[rec.Report.ID] = true
		}
		t.Fatal("no end after 10000 records")
	})
}

func BenchmarkReader(b *testing.B) {
	data, err := os.ReadFile(shareddata.Path(b, "news", "claims", realFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for range b.N {
		res := readBytes(b, data, realFile, Options{})
		if len(res.Recs) == 0 {
			b.Fatal("no records")
		}
	}
}
