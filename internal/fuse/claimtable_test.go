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

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/claims"
)

// tableFigure is one figure found in a cell of the claim table, read by
// internal/extract (the figure-text parser the claims reader uses).
type tableFigure struct {
	r           model.Range
	label       string // the source the cell credits, or a part of the page
	earlier     bool   // the page gives it as an earlier figure
	unconfirmed bool
	attackers   int // attackers the figure includes; -1 when it does not say
}

// parseFigureText reads a cell of the table into its figures with
// extract.ParseFigure; a cell that gives no figure gives none.
func parseFigureText(t *testing.T, cell string) []tableFigure {
	t.Helper()
	figs, err := extract.ParseFigure(cell)
	if errors.Is(err, extract.ErrNoFigure) {
		return nil
	}
	if err != nil {
		t.Fatalf("figure cell %q: %v", cell, err)
	}
	var out []tableFigure
	for _, f := range figs {
		tf := tableFigure{r: f.Range, label: f.Source, earlier: f.Earlier, attackers: -1,
			unconfirmed: strings.Contains(strings.ToLower(f.Note+" "+f.Text), "unconfirmed")}
		if f.Attackers > 0 {
			tf.attackers = f.Attackers
		}
		// A figure for one site ("2 (at shrine)") only bounds the total from below.
		if strings.HasPrefix(strings.ToLower(f.Note), "at ") && tf.r.Qualifier == model.Exact {
			tf.r.Qualifier = model.AtLeast
		}
		out = append(out, tf)
	}
	return out
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
		kf, wf := parseFigureText(t, killed), parseFigureText(t, injured)
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
		// A figure of one site ("2 (at shrine)" wounded, Tehran) is a
		// part of the toll: the best must be a figure of the whole.
		var whole, parts []int
		for _, e := range byEvent[tc.event] {
			if w := e.Claim.Wounded; w != nil {
				if partial(&e.Claim, false) {
					parts = append(parts, w.Best)
				} else {
					whole = append(whole, w.Best)
				}
			}
		}
		if tc.event == "tehran_2017" && len(parts) == 0 {
			t.Errorf("tehran_2017: no wounded figure read as one of a site, want \"2 (at shrine)\"")
		}
		if w := fz.Wounded; w == nil || !slices.Contains(whole, w.Best) {
			t.Errorf("%s: wounded %v, want its best among the whole-incident figures %v, not the partial %v (rule: %s)",
				tc.event, w, whole, parts, fz.Rules["wounded"])
		}
	}
	res := Fuse(all, srcs, Options{})
	if len(res.Clusters) != 2 {
		t.Errorf("got %d clusters, want 2 (Tehran 2017 and Ahvaz 2018)", len(res.Clusters))
	}
}
