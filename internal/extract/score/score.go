// Package score measures extract.Extract against hand labels in the shape
// of shared/data/news/*/gold.jsonl: precision and recall per field of the
// main incident, is_incident_report F1, and exact-match accuracy of the
// casualty figures, dates and regions, on a development and a held-out
// half of the documents, and on our own labels of texts from shared
// datasets and feeds (LoadBlind).
package score

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

// Gold is one labelled text.
type Gold struct {
	Doc              string         `json:"doc"`
	Lang             string         `json:"lang"`
	IsIncidentReport bool           `json:"is_incident_report"`
	Incidents        []GoldIncident `json:"incidents"`
	// Published is the publication date when the corpus gives one
	// (fixtures: a field; Fars: from the link id). Not part of the label.
	Published string `json:"published,omitempty"`
}

// GoldIncident is a labelled incident.
type GoldIncident struct {
	Main             bool           `json:"main"`
	Date             *string        `json:"date"`
	DateFromText     bool           `json:"date_from_text"`
	City             *string        `json:"city"`
	Admin1           *string        `json:"admin1"`
	Country          *string        `json:"country"`
	AttackType       string         `json:"attack_type"`
	TargetType       *string        `json:"target_type"`
	PerpetratorNamed *string        `json:"perpetrator_named"`
	ClaimedBy        *string        `json:"claimed_by"`
	Suicide          *bool          `json:"suicide"`
	Sites            *int           `json:"sites"`
	Killed           *extract.Count `json:"killed"`
	Wounded          *extract.Count `json:"wounded"`
}

// Doc is a text to extract from with its label.
type Doc struct {
	Gold      Gold
	Text      string
	Published model.Date
}

// ReadGold reads a gold.jsonl file.
func ReadGold(path string) ([]Gold, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Gold
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var g Gold
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// LoadNews reads the labelled corpus under a news directory laid out as
// shared/data/news: gold.jsonl in each subdirectory; "name#i" docs are
// items of the one JSON article list beside it (publication date from the
// Fars link id), other docs are text files relative to the news directory.
// Fixture labels may carry "published".
func LoadNews(newsDir string) ([]Doc, error) {
	golds, err := filepath.Glob(filepath.Join(newsDir, "*", "gold.jsonl"))
	if err != nil {
		return nil, err
	}
	var docs []Doc
	for _, gp := range golds {
		gs, err := ReadGold(gp)
		if err != nil {
			return nil, err
		}
		dir := filepath.Dir(gp)
		var arts map[int]extract.Article
		for _, g := range gs {
			doc := Doc{Gold: g}
			if name, idx, ok := strings.Cut(g.Doc, "#"); ok {
				if arts == nil {
					arts, err = loadArticles(dir, name)
					if err != nil {
						return nil, err
					}
				}
				i, _ := strconv.Atoi(idx)
				a, ok := arts[i]
				if !ok {
					return nil, fmt.Errorf("%s: doc %s: no article with subset_index %d", gp, g.Doc, i)
				}
				doc.Text = a.Text()
				doc.Published, _ = extract.FarsPublished(a.Link)
			} else {
				raw, err := os.ReadFile(filepath.Join(newsDir, g.Doc))
				if err != nil {
					return nil, fmt.Errorf("%s: doc %s: %w", gp, g.Doc, err)
				}
				doc.Text = string(raw)
			}
			if g.Published != "" {
				if doc.Published, err = model.ParseDate(g.Published); err != nil {
					return nil, fmt.Errorf("%s: doc %s: published: %w", gp, g.Doc, err)
				}
			}
			docs = append(docs, doc)
		}
	}
	return docs, nil
}

func loadArticles(dir, name string) (map[int]extract.Article, error) {
	ms, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	out := map[int]extract.Article{}
	for _, m := range ms {
		f, err := os.Open(m)
		if err != nil {
			return nil, err
		}
		as, err := extract.ReadArticles(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		for i, a := range as {
			k := i
			if a.SubsetIndex != nil {
				k = *a.SubsetIndex
			}
			out[k] = a
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no article list for %s", dir, name)
	}
	return out, nil
}

// HeldOut reports whether a doc belongs to the held-out half: by a hash
// of its id, so the split does not depend on file order and no one picks it.
func HeldOut(doc string) bool {
	h := fnv.New32a()
	io.WriteString(h, doc)
	return h.Sum32()%2 == 1
}

// PR counts a field's outcomes.
type PR struct{ TP, FP, FN, Correct, Total int }

// Precision is TP/(TP+FP), 0 when nothing was predicted.
func (p PR) Precision() float64 { return ratio(p.TP, p.TP+p.FP) }

// Recall is TP/(TP+FN).
func (p PR) Recall() float64 { return ratio(p.TP, p.TP+p.FN) }

// F1 is the harmonic mean of precision and recall.
func (p PR) F1() float64 {
	pr, rc := p.Precision(), p.Recall()
	if pr+rc == 0 {
		return 0
	}
	return 2 * pr * rc / (pr + rc)
}

// Accuracy is the share of labelled cases where the prediction equals the label (null = null counts).
func (p PR) Accuracy() float64 { return ratio(p.Correct, p.Total) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Fields in report order.
var Fields = []string{"is_incident_report", "incident_found", "date", "city", "admin1", "country", "attack_type",
	"target_type", "perpetrator_named", "claimed_by", "suicide", "sites", "killed", "wounded", "secondary"}

// Report holds the counts per field.
type Report struct {
	Docs, Incidents int
	Field           map[string]*PR
	Misses          []string // one line per wrong field, for tuning
}

// Run extracts every doc and scores it.
func Run(docs []Doc, g *gazetteer.Gazetteer) Report {
	r := Report{Field: map[string]*PR{}}
	for _, f := range Fields {
		r.Field[f] = &PR{}
	}
	for _, d := range docs {
		res := extract.Extract(d.Text, extract.Options{Lang: d.Gold.Lang, Published: d.Published, Gazetteer: g})
		r.add(d, res, g)
	}
	return r
}

func (r *Report) add(d Doc, res extract.Result, g *gazetteer.Gazetteer) {
	r.Docs++
	ir := r.Field["is_incident_report"]
	ir.Total++
	switch {
	case res.IsIncidentReport && d.Gold.IsIncidentReport:
		ir.TP++
		ir.Correct++
	case res.IsIncidentReport:
		ir.FP++
		r.miss(d, "is_incident_report", "false", "true")
	case d.Gold.IsIncidentReport:
		ir.FN++
		r.miss(d, "is_incident_report", "true", "false")
	default:
		ir.Correct++
	}
	var gm *GoldIncident
	for i := range d.Gold.Incidents {
		if d.Gold.Incidents[i].Main {
			gm = &d.Gold.Incidents[i]
			break
		}
	}
	var pm *extract.Incident
	if len(res.Incidents) > 0 {
		pm = &res.Incidents[0]
	}
	found := r.Field["incident_found"]
	found.Total++
	switch {
	case gm != nil && pm != nil:
		found.TP++
		found.Correct++
	case pm != nil:
		found.FP++
		r.miss(d, "incident_found", "none", "one")
	case gm != nil:
		found.FN++
		r.miss(d, "incident_found", "one", "none")
	default:
		found.Correct++
	}
	r.secondary(d, res, g)
	if gm == nil {
		return // fields are scored on labelled incidents only
	}
	r.Incidents++
	if pm == nil {
		pm = &extract.Incident{AttackType: ""}
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	r.cmp(d, "date", str(gm.Date), str(pm.Date), func(a, b string) bool { return a == b })
	r.cmp(d, "city", str(gm.City), str(pm.City), func(a, b string) bool { return samePlace(g, a, b, gazetteer.City) })
	r.cmp(d, "admin1", str(gm.Admin1), str(pm.Admin1), func(a, b string) bool { return samePlace(g, a, b, gazetteer.Admin1) })
	r.cmp(d, "country", str(gm.Country), str(pm.Country), func(a, b string) bool { return a == b })
	r.cmp(d, "attack_type", gm.AttackType, pm.AttackType, func(a, b string) bool { return a == b })
	r.cmp(d, "target_type", str(gm.TargetType), str(pm.TargetType), sameTarget)
	r.cmp(d, "perpetrator_named", str(gm.PerpetratorNamed), str(pm.PerpetratorNamed), sameGroup)
	r.cmp(d, "claimed_by", str(gm.ClaimedBy), str(pm.ClaimedBy), sameGroup)
	r.cmp(d, "suicide", boolStr(gm.Suicide), boolStr(pm.Suicide), func(a, b string) bool { return a == b })
	r.cmp(d, "sites", intStr(gm.Sites), intStr(pm.Sites), func(a, b string) bool { return a == b })
	r.cmp(d, "killed", countStr(gm.Killed), countStr(pm.Killed), func(a, b string) bool { return a == b })
	r.cmp(d, "wounded", countStr(gm.Wounded), countStr(pm.Wounded), func(a, b string) bool { return a == b })
}

// secondary scores the incidents besides the main one: a labelled one is
// found (TP) when an extracted secondary incident has its date (at the
// extracted precision) and the same city or, without one, country; an
// extracted one that matches no label is FP.
func (r *Report) secondary(d Doc, res extract.Result, g *gazetteer.Gazetteer) {
	p := r.Field["secondary"]
	var golds []GoldIncident
	for _, gi := range d.Gold.Incidents {
		if !gi.Main {
			golds = append(golds, gi)
		}
	}
	var preds []extract.Incident
	if len(res.Incidents) > 1 {
		preds = res.Incidents[1:]
	}
	used := make([]bool, len(preds))
	for _, gi := range golds {
		p.Total++
		found := false
		for j, pi := range preds {
			if used[j] || gi.Date == nil || pi.Date == nil || !strings.HasPrefix(*gi.Date, *pi.Date) {
				continue
			}
			samePlaceOK := gi.City != nil && pi.City != nil && samePlace(g, *gi.City, *pi.City, gazetteer.City) ||
				(gi.City == nil || pi.City == nil) && gi.Country != nil && pi.Country != nil && *gi.Country == *pi.Country
			if samePlaceOK {
				used[j], found = true, true
				break
			}
		}
		if found {
			p.TP++
			p.Correct++
		} else {
			p.FN++
			r.miss(d, "secondary", fmt.Sprintf("%v %v", deref(gi.Date), deref(gi.City)), "")
		}
	}
	for j, pi := range preds {
		if !used[j] {
			p.FP++
			r.miss(d, "secondary", "", fmt.Sprintf("%v %v", deref(pi.Date), deref(pi.City)))
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

// cmp scores one field: "" is null. Precision and recall count non-null
// values; accuracy counts null = null as right.
func (r *Report) cmp(d Doc, field, gold, pred string, eq func(a, b string) bool) {
	p := r.Field[field]
	p.Total++
	same := gold == pred || gold != "" && pred != "" && eq(gold, pred)
	if same {
		p.Correct++
	} else {
		r.miss(d, field, gold, pred)
	}
	switch {
	case gold != "" && pred != "" && same:
		p.TP++
	case gold != "" && pred != "":
		p.FP++
		p.FN++
	case pred != "":
		p.FP++
	case gold != "":
		p.FN++
	}
}

func (r *Report) miss(d Doc, field, gold, pred string) {
	r.Misses = append(r.Misses, fmt.Sprintf("%s\t%s\tgold=%q\tgot=%q", d.Gold.Doc, field, gold, pred))
}

func boolStr(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func intStr(i *int) string {
	if i == nil {
		return ""
	}
	return strconv.Itoa(*i)
}

// countStr writes a count as low/high/qualifier: the exact match the goal asks for.
func countStr(c *extract.Count) string {
	if c == nil {
		return ""
	}
	return intStr(c.Low) + "/" + intStr(c.High) + "/" + c.Qualifier
}

// samePlace compares names through the gazetteer, so that "Ahwaz" and
// "Ahvaz", or "Kurdistan" and "Kordestan", agree.
func samePlace(g *gazetteer.Gazetteer, a, b string, kind gazetteer.Kind) bool {
	if gazetteer.Key(a) == gazetteer.Key(b) {
		return true
	}
	if g == nil {
		return false
	}
	pa, pb := g.Lookup(a), g.Lookup(b)
	for _, x := range pa {
		for _, y := range pb {
			if x.Kind == kind && y.Kind == kind && x.Country == y.Country && x.Name == y.Name {
				return true
			}
		}
	}
	return false
}

// targetSet reduces a target label to its sorted base categories:
// "police (police headquarters)" → "police".
func targetSet(s string) string {
	var parts []string
	for p := range strings.SplitSeq(s, ",") {
		if i := strings.Index(p, "("); i >= 0 {
			p = p[:i]
		}
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// sameTarget compares target labels as sets of base categories. A label
// written in the GTD codebook's types (the blind sets') is compared with
// the prediction translated to the codebook, since the extractor's words
// are finer ("military_parade" is the codebook's "military").
func sameTarget(gold, pred string) bool {
	g := targetSet(gold)
	if g == targetSet(pred) {
		return true
	}
	if g == "" || pred == "" {
		return false
	}
	for p := range strings.SplitSeq(g, ",") {
		if !model.TargetType(p).Valid() {
			return false
		}
	}
	var ps []string
	for p := range strings.SplitSeq(targetSet(pred), ",") {
		t, ok := extract.TargetTypeGTD(p)
		if !ok {
			return false
		}
		if !slices.Contains(ps, string(t)) {
			ps = append(ps, string(t))
		}
	}
	slices.Sort(ps)
	return strings.Join(ps, ",") == g
}

// sameGroup: the predicted group is one of the groups the label names
// ("Daesh; al-Ahwazia" names two).
func sameGroup(gold, pred string) bool {
	pk := extract.GroupKey(pred)
	if pk == "" {
		return false
	}
	for g := range strings.SplitSeq(gold, ";") {
		if extract.GroupKey(g) == pk {
			return true
		}
	}
	return false
}

// Table formats a report as a Markdown table.
func (r Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d texts, %d labelled main incidents\n\n", r.Docs, r.Incidents)
	b.WriteString("| field | precision | recall | F1 | exact / accuracy | n |\n|---|---|---|---|---|---|\n")
	for _, f := range Fields {
		p := r.Field[f]
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f | %.2f | %d |\n", f, p.Precision(), p.Recall(), p.F1(), p.Accuracy(), p.Total)
	}
	return b.String()
}

// Split scores the held-out and development halves separately.
func Split(docs []Doc, g *gazetteer.Gazetteer) (dev, held Report) {
	var dv, hd []Doc
	for _, d := range docs {
		if HeldOut(d.Gold.Doc) {
			hd = append(hd, d)
		} else {
			dv = append(dv, d)
		}
	}
	return Run(dv, g), Run(hd, g)
}

// Scores is what the accuracy floors are set on: F1 for
// is_incident_report and incident_found, exact-match accuracy (null =
// null counts) for the fields of the main incident.
func (r Report) Scores() map[string]float64 {
	out := map[string]float64{}
	for _, f := range Fields {
		p := r.Field[f]
		if f == "is_incident_report" || f == "incident_found" || f == "secondary" {
			out[f] = p.F1()
		} else {
			out[f] = p.Accuracy()
		}
	}
	return out
}
