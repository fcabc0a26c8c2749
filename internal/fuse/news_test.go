package fuse

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
)

// goldIncident is one incident of a hand-labelled news text (see
// shared/data/news/README.md).
type goldIncident struct {
	Main       bool             `json:"main"`
	Date       *string          `json:"date"`
	City       *string          `json:"city"`
	Admin1     *string          `json:"admin1"`
	Country    *string          `json:"country"`
	AttackType model.AttackType `json:"attack_type"`
	Perp       *string          `json:"perpetrator_named"`
	ClaimedBy  *string          `json:"claimed_by"`
	Killed     *struct {
		Low, High *int
		Qualifier string
	} `json:"killed"`
}

// newsClaims reads the hand labels of the shared news texts (Tehran
// Times in English, Fars News in Persian) as claims: each labelled
// incident a claim of its article (its labels as a perfect extractor
// would give them, the article's text as Text where it is a file). The
// truth of a pair is the labels' own identity of events: the same
// labelled date, city and country.
func newsClaims(t *testing.T) ([]model.Claim, map[string]string) {
	t.Helper()
	var claims []model.Claim
	truth := map[string]string{}
	for _, set := range []string{"tehrantimes", "farsnews"} {
		path := shareddata.Path(t, "news", set, "gold.jsonl")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			var doc struct {
				Doc       string         `json:"doc"`
				Incidents []goldIncident `json:"incidents"`
			}
			if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
				t.Fatalf("%s:%d: %v", path, line, err)
			}
			text := ""
			if strings.HasSuffix(doc.Doc, ".txt") {
				if b, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(path)), doc.Doc)); err == nil {
					text = string(b)
				}
			}
			for k, g := range doc.Incidents {
				if g.Date == nil || g.Country == nil || len(*g.Date) != 10 {
					continue // no day or no country: nothing to block on
				}
				d, err := model.ParseDate(*g.Date)
				if err != nil {
					t.Fatalf("%s:%d: %v", path, line, err)
				}
				id := "news:" + doc.Doc + "#" + strconv.Itoa(k+1)
				c := model.Claim{ID: id, ReportID: "news:" + doc.Doc, Source: "news:" + set, Start: d, End: d,
					DatePrecision: model.PrecisionDay, Country: *g.Country, AttackType: g.AttackType,
					PlacePrecision: model.PlaceCountry, Codes: map[string]string{CodeVoice: doc.Doc}}
				city := ""
				if g.City != nil {
					city, c.Place, c.PlacePrecision = *g.City, *g.City, model.PlaceCity
				}
				if g.Admin1 != nil {
					c.Admin1 = *g.Admin1
				}
				if g.Perp != nil {
					c.Perpetrator = *g.Perp
				}
				if g.ClaimedBy != nil {
					c.ClaimedBy = []string{*g.ClaimedBy}
				}
				if g.Killed != nil && g.Killed.Low != nil {
					hi := *g.Killed.Low
					if g.Killed.High != nil {
						hi = *g.Killed.High
					}
					c.Killed = &model.Range{Low: *g.Killed.Low, Best: *g.Killed.Low, High: hi, Qualifier: model.Exact}
				}
				if g.Main {
					c.Text = text // the article is about its main incident only
				}
				claims = append(claims, c)
				truth[id] = *g.Date + "|" + strings.ToLower(city) + "|" + *g.Country
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return claims, truth
}

// TestNewsLabelledPairs links the incidents of the hand-labelled news
// texts: many reports of Tehran 2017 and Ahvaz 2018 with figures that
// change (3, 12, 17 killed), and the other attacks the texts mention.
func TestNewsLabelledPairs(t *testing.T) {
	claims, truth := newsClaims(t)
	srcs := map[string]model.Source{
		"news:tehrantimes": {Name: "news:tehrantimes", Kind: model.KindFeed, Reliability: 0.6},
		"news:farsnews":    {Name: "news:farsnews", Kind: model.KindFeed, Reliability: 0.6},
	}
	res := Fuse(claims, srcs, Options{})
	s := scorePairs(res.Clusters, truth)
	events := map[string]bool{}
	for _, v := range truth {
		events[v] = true
	}
	t.Logf("news labels: %d incident mentions of %d events; %d candidate pairs; TP=%d FP=%d FN=%d P=%.3f R=%.3f F1=%.3f",
		len(claims), len(events), res.Stats.Pairs, s.TP, s.FP, s.FN, s.P, s.R, s.F1)
	if s.F1 < 0.9 {
		for _, l := range res.Links {
			if truth[l.A] != truth[l.B] {
				t.Logf("false link %s – %s (%s vs %s) p=%.3f", l.A, l.B, truth[l.A], truth[l.B], l.Probability)
			}
		}
		t.Errorf("F1 = %.3f on the labelled news pairs, want ≥ 0.9", s.F1)
	}
}
