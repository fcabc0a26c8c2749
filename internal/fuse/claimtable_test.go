package fuse

import (
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/claims"
)

// This file reads the shared claim table with a deliberately small figure
// parser: internal/extract is building the full one. It is enough for the
// table's spellings: "12", ">=12", ">60", "up to 7", "several", "dozens",
// "28 (earlier 24)", "2 (IRNA); 7 (Fars via CNN)", "33 incl. 5 attackers",
// Persian and Arabic-Indic digits.

// tableFigure is one figure found in a cell.
type tableFigure struct {
	r           model.Range
	label       string // the parenthesised or prefixed label: a cited voice or a part of the page
	earlier     bool   // the page gives it as an earlier figure
	unconfirmed bool
	attackers   int // attackers the figure includes; -1 when it does not say
}

// vague maps the vague words of the table to documented ranges (ACLED
// codes "dozens" conservatively as 12; we keep the plain reading 24 as
// low and best and leave high open at 99).
var vague = map[string]model.Range{
	"several": {Low: 3, Best: 5, High: 9, Qualifier: model.About},
	"dozens":  {Low: 24, Best: 24, High: 99, Qualifier: model.About},
	"scores":  {Low: 40, Best: 40, High: 199, Qualifier: model.About},
}

var figureRE = regexp.MustCompile(`(?i)(>=|≥|>|at least|more than|up to|about|some|nearly)?\s*(\d+)`)

// digits turns Persian and Arabic-Indic digits into ASCII.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		}
		return r
	}, s)
}

// parseOne reads the first figure of a text; ok is false when there is none.
func parseOne(s string) (model.Range, bool) {
	s = digits(s)
	low := strings.ToLower(s)
	m := figureRE.FindStringSubmatchIndex(low)
	if m != nil {
		// A vague word before the number wins ("dozens (body)" has none).
		n, err := strconv.Atoi(low[m[4]:m[5]])
		if err == nil && n >= 0 && n < 1_000_000 {
			q := model.Exact
			switch strings.TrimSpace(low[max(m[2], 0):max(m[3], 0)]) {
			case ">=", "≥", "at least":
				q = model.AtLeast
			case ">", "more than":
				q, n = model.AtLeast, n+1
			case "up to":
				q = model.UpTo
			case "about", "some", "nearly":
				q = model.About
			}
			return model.Range{Low: n, Best: n, High: n, Qualifier: q}, true
		}
	}
	for w, r := range vague {
		if strings.Contains(low, w) {
			return r, true
		}
	}
	return model.Range{}, false
}

var attackersRE = regexp.MustCompile(`(?i)incl\.?\s*(\d+)\s*attackers?`)

// parseFigureText reads a cell of the table into its figures.
func parseFigureText(cell string) []tableFigure {
	var out []tableFigure
	for _, part := range strings.Split(cell, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		// Split off parentheticals: each is a label, an earlier figure or a second figure.
		main, inner := part, []string(nil)
		for {
			i := strings.IndexByte(main, '(')
			j := strings.IndexByte(main, ')')
			if i < 0 || j < i {
				break
			}
			inner = append(inner, main[i+1:j])
			main = main[:i] + " " + main[j+1:]
		}
		label := ""
		if i := strings.IndexByte(main, ':'); i >= 0 {
			label, main = strings.TrimSpace(main[:i]), main[i+1:]
		}
		f := tableFigure{label: label, attackers: -1}
		r, ok := parseOne(main)
		if m := attackersRE.FindStringSubmatch(digits(main)); m != nil {
			f.attackers, _ = strconv.Atoi(m[1])
		}
		if strings.Contains(strings.ToLower(main), "unconfirmed") {
			f.unconfirmed = true
		}
		for _, in := range inner {
			lin := strings.ToLower(in)
			head, rest := in, ""
			if i := strings.IndexByte(in, ':'); i >= 0 {
				head, rest = strings.TrimSpace(in[:i]), in[i+1:]
			}
			switch {
			case strings.Contains(lin, "earlier"):
				src := strings.TrimSpace(strings.Replace(strings.ToLower(rest+" "+head), "earlier", "", 1))
				if er, ok := parseOne(src); ok {
					out = append(out, tableFigure{r: er, label: label, earlier: true, attackers: -1})
				}
			case strings.Contains(lin, "unconfirmed"):
				f.unconfirmed = true
			case rest != "":
				if er, ok := parseOne(rest); ok {
					out = append(out, tableFigure{r: er, label: head, attackers: -1})
				}
			default:
				if _, isFig := parseOne(in); !isFig && f.label == "" {
					f.label = strings.TrimSpace(in)
				}
			}
		}
		if ok {
			f.r = r
			// A figure for one site ("2 (at shrine)") only bounds the total from below.
			if strings.HasPrefix(strings.ToLower(f.label), "at ") && f.r.Qualifier == model.Exact {
				f.r.Qualifier = model.AtLeast
			}
			out = append(out, f)
		}
	}
	return out
}

func TestParseFigureText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // figures as "best/qualifier/label/earlier/attackers"
	}{
		{"12", "12/exact//false/-1"},
		{">=12", "12/at_least//false/-1"},
		{">60 (earlier 53)", "53/exact//true/-1 61/at_least//false/-1"},
		{"up to 7", "7/up_to//false/-1"},
		{"several", "5/about//false/-1"},
		{"۱۲", "12/exact//false/-1"},
		{"٧", "7/exact//false/-1"},
		{"2 (IRNA); 7 (Fars via CNN); 1 guard (BBC)", "2/exact/IRNA/false/-1 7/exact/Fars via CNN/false/-1 1/exact/BBC/false/-1"},
		{"33 incl. 5 attackers", "33/exact//false/5"},
		{">=7 (unconfirmed, early); 12 (latest)", "7/at_least//false/-1 12/exact/latest/false/-1"},
		{"unconfirmed", ""},
		{"", ""},
	} {
		var got []string
		for _, f := range parseFigureText(tc.in) {
			got = append(got, strconv.Itoa(f.r.Best)+"/"+string(f.r.Qualifier)+"/"+f.label+"/"+strconv.FormatBool(f.earlier)+"/"+strconv.Itoa(f.attackers))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("parseFigureText(%q) = %q, want %q", tc.in, g, tc.want)
		}
	}
}

func FuzzParseFigureText(f *testing.F) {
	for _, s := range []string{"12", ">=12", "up to 7", "2 (IRNA); 7 (Fars via CNN)", "dozens", "۱۲", "28 (earlier 24)",
		">=24 (deputy governor earlier: >=10)", "23 incl. 5 attackers (infobox: 18 victims); body text: 17 civilians", "((", ")(", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fig := range parseFigureText(s) {
			if fig.r.Best < 0 {
				t.Errorf("negative figure %d from %q", fig.r.Best, s)
			}
		}
	})
}

// classOfCited classes a cited source as the table names it, with the
// package's own table.
func classOfCited(s string) SourceClass {
	if k, ok := citedClass(s); ok {
		return k
	}
	return ClassMedia
}

// generic perpetrator words the table uses that name no group.
var genericPerp = regexp.MustCompile(`(?i)takfiri|none yet|not yet claimed|^$`)

// tableEvidence reads the claim table into evidence: one claim per figure
// (killed and injured figures of a part paired by order), voice = the
// page's host plus the figure's label, class from the cited source.
func tableEvidence(t *testing.T) map[string][]Evidence {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, "news", "claims", "casualty_claims_tehran2017_ahvaz2018.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	fetched := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := map[string][]Evidence{}
	for n, row := range rows[1:] {
		event, date, link, pageDate, killed, injured, cited, perp := row[0], row[1], row[2], row[4], row[5], row[6], row[7], row[8]
		d, err := model.ParseDate(date)
		if err != nil {
			t.Fatalf("row %d: %v", n+2, err)
		}
		u, _ := url.Parse(link)
		host := strings.TrimPrefix(u.Host, "www.")
		var pub *time.Time
		if len(pageDate) >= 10 {
			if p, err := time.Parse(time.DateOnly, pageDate[:10]); err == nil {
				p = p.Add(12 * time.Hour)
				if len(pageDate) >= 16 {
					if hm, err := time.Parse("15:04", pageDate[11:16]); err == nil {
						p = p.Add(-12*time.Hour + time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute)
					}
				}
				pub = &p
			}
		}
		place := map[string]string{"tehran_2017": "Tehran", "ahvaz_2018": "Ahvaz"}[event]
		admin1 := map[string]string{"tehran_2017": "Tehran", "ahvaz_2018": "Khuzestan"}[event]
		base := model.Claim{Source: "claims:table", Start: d, End: d, DatePrecision: model.PrecisionDay, Country: "IR",
			Place: place, Admin1: admin1, PlacePrecision: model.PlaceCity, AttackType: model.UnknownAttack}
		if !genericPerp.MatchString(strings.TrimSpace(perp)) {
			lp := strings.ToLower(perp)
			names := strings.TrimSpace(regexp.MustCompile(`(?i)\b(both|claimed|suspected)\b`).ReplaceAllString(perp, ""))
			switch {
			case strings.Contains(lp, "claimed") || strings.Contains(lp, "amaq"):
				for _, nm := range strings.Split(names, " and ") {
					base.ClaimedBy = append(base.ClaimedBy, strings.TrimSpace(nm))
				}
			default:
				base.Perpetrator = names
			}
		}
		kf, wf := parseFigureText(killed), parseFigureText(injured)
		for k := 0; k < max(len(kf), len(wf), 1); k++ {
			c := base
			c.ReportID = model.ReportID("claims:table", strconv.Itoa(n+2), 0)
			c.ID = model.ClaimID(c.ReportID, k+1)
			c.Codes = map[string]string{}
			label := ""
			at := pub
			class := classOfCited(cited)
			if k < len(kf) {
				fig := kf[k]
				r := fig.r
				c.Killed = &r
				label = fig.label
				if fig.attackers >= 0 {
					c.Codes[CodeKilledInclAttackers] = "1"
					c.Codes[CodeAttackersKilled] = strconv.Itoa(fig.attackers)
				}
				if fig.unconfirmed {
					c.Codes[CodeUnconfirmed] = "1"
				}
				if fig.earlier {
					e := fetched.Add(-time.Hour)
					if pub != nil {
						e = pub.Add(-time.Hour)
					}
					at = &e
				}
				if label != "" && classOfCited(label) != ClassMedia {
					class = classOfCited(label)
				}
			}
			if k < len(wf) {
				r := wf[k].r
				c.Wounded = &r
			}
			c.Codes[CodeVoice] = host + "/" + strings.ToLower(label)
			c.Codes[CodeSourceClass] = class.String()
			out[event] = append(out[event], Evidence{Claim: c, Published: at, Fetched: fetched})
		}
	}
	return out
}

var tableSource = map[string]model.Source{"claims:table": {Name: "claims:table", Kind: model.KindDataset, Reliability: 0.5}}

func TestClaimTableFigures(t *testing.T) {
	ev := tableEvidence(t)
	for _, tc := range []struct {
		event   string
		settled int // the toll the authorities settled on, excluding attackers
		claimed []string
	}{
		{"tehran_2017", 17, nil},
		{"ahvaz_2018", 25, []string{"Arab Struggle Movement for the Liberation of Ahvaz", "Islamic State"}},
	} {
		t.Run(tc.event, func(t *testing.T) {
			f, err := Reconcile(ev[tc.event], tableSource)
			if err != nil {
				t.Fatal(err)
			}
			k := f.Killed
			t.Logf("%s: killed %d–%d best %d (%s); wounded %v; contested %v; status %s; claimed by %v; %d voices; rule: %s",
				tc.event, k.Low, k.High, k.Best, k.Qualifier, f.Wounded, f.Contested, f.Status, f.ClaimedBy, f.Sources, f.Rules["killed"])
			if k.Low > tc.settled || k.High < tc.settled {
				t.Errorf("killed %d–%d does not contain %d", k.Low, k.High, tc.settled)
			}
			if !strings.Contains(strings.Join(f.Contested, ","), "killed") {
				t.Errorf("contested = %v, want it to include killed", f.Contested)
			}
			for _, c := range tc.claimed {
				found := false
				for _, g := range f.ClaimedBy {
					found = found || g == c
				}
				if !found {
					t.Errorf("claimed_by = %v, want %q among them", f.ClaimedBy, c)
				}
			}
			if f.Status != model.StatusConfirmed {
				t.Errorf("status = %s, want confirmed (many independent voices)", f.Status)
			}
			if n := len(f.Timeline["killed"]); n < 10 {
				t.Errorf("killed timeline has %d revisions, want ≥ 10", n)
			}
		})
	}
	// All rows of the table are two events: fusion must find them.
	var claims []model.Claim
	for _, e := range ev {
		for _, x := range e {
			claims = append(claims, x.Claim)
		}
	}
	res := Fuse(claims, tableSource, Options{})
	if len(res.Clusters) != 2 {
		sizes := []int{}
		for _, c := range res.Clusters {
			sizes = append(sizes, len(c))
		}
		t.Errorf("got %d clusters (sizes %v), want 2 (Tehran 2017 and Ahvaz 2018)", len(res.Clusters), sizes)
	}
}

// TestClaimTableThroughReader reads the same table with the claim-table
// reader (internal/source/claims) and its figure-text parser: fusion reads
// that reader's conventions (url, cited_source, figure_source,
// attackers_included, earlier_figure) without translation.
func TestClaimTableThroughReader(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "news", "claims", "casualty_claims_tehran2017_ahvaz2018.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fetched := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r, err := claims.NewReader(f, claims.Options{Options: source.Options{Name: "casualty_claims_tehran2017_ahvaz2018.csv", Fetched: fetched}})
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string]model.Source{r.Source().Name: r.Source()}
	byEvent := map[string][]Evidence{}
	var all []model.Claim
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if source.IsRowError(err) {
			t.Logf("row rejected: %v", err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ev := rec.Claim.Codes["event"]
		byEvent[ev] = append(byEvent[ev], Evidence{Claim: rec.Claim, Published: rec.Report.Published, Fetched: rec.Report.Fetched})
		all = append(all, rec.Claim)
	}
	for _, tc := range []struct {
		event   string
		settled int
	}{{"tehran_2017", 17}, {"ahvaz_2018", 25}} {
		fz, err := Reconcile(byEvent[tc.event], srcs)
		if err != nil {
			t.Fatal(err)
		}
		k := fz.Killed
		t.Logf("%s via the reader: %d claims; killed %v; wounded %v; contested %v; status %s; %d voices; %s",
			tc.event, len(byEvent[tc.event]), k, fz.Wounded, fz.Contested, fz.Status, fz.Sources, fz.Rules["killed"])
		if k == nil || k.Low > tc.settled || k.High < tc.settled {
			t.Errorf("%s: killed %v does not contain %d", tc.event, k, tc.settled)
		}
		if !slices.Contains(fz.Contested, "killed") {
			t.Errorf("%s: contested = %v, want killed", tc.event, fz.Contested)
		}
	}
	res := Fuse(all, srcs, Options{})
	if len(res.Clusters) != 2 {
		t.Errorf("got %d clusters, want 2 (Tehran 2017 and Ahvaz 2018)", len(res.Clusters))
	}
}
