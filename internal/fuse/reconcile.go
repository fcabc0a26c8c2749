package fuse

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// Evidence is a claim with when its report was published and fetched: the
// times that order corrections.
type Evidence struct {
	Claim     model.Claim
	Published *time.Time
	Fetched   time.Time
}

// at is the time a claim was made known: published, else fetched.
func (e *Evidence) at() time.Time {
	if e.Published != nil {
		return *e.Published
	}
	return e.Fetched
}

// Revision is one figure on a figure's timeline.
type Revision = model.FigureRevision

// Fused is what the claims of one incident say once reconciled: the fields
// of model.Incident without ids and times, with the rule that produced
// each field and the timeline of the figures.
type Fused struct {
	Status model.Status `json:"status"`

	Start         model.Date          `json:"start"`
	End           model.Date          `json:"end"`
	DatePrecision model.DatePrecision `json:"date_precision"`

	Country        string               `json:"country,omitempty"`
	Admin1         string               `json:"admin1,omitempty"`
	Place          string               `json:"place,omitempty"`
	Lat            *float64             `json:"lat,omitempty"`
	Lon            *float64             `json:"lon,omitempty"`
	PlacePrecision model.PlacePrecision `json:"place_precision"`

	AttackType model.AttackType `json:"attack_type"`
	TargetType model.TargetType `json:"target_type,omitempty"`
	Weapon     model.WeaponType `json:"weapon,omitempty"`

	Perpetrator string `json:"perpetrator,omitempty"`
	// ClaimedBy lists who claimed responsibility: claims, not facts.
	ClaimedBy []string `json:"claimed_by"`

	Suicide *bool `json:"suicide,omitempty"`
	Sites   int   `json:"sites,omitempty"`

	Killed  *model.Range `json:"killed"`
	Wounded *model.Range `json:"wounded"`
	// AttackersKilled is kept apart from Killed (victims).
	AttackersKilled *model.Range `json:"attackers_killed,omitempty"`

	Contested []string `json:"contested"`
	// Sources is the number of independent voices (distinct sources, or
	// distinct cited voices within a claim table).
	Sources int `json:"sources"`
	// Rules says, per field, which rule produced it.
	Rules map[string]string `json:"rules"`
	// Timeline holds each figure's revisions ("killed", "wounded") in time order.
	Timeline map[string][]Revision `json:"timeline"`
	// Claims are the ids of the claims reconciled, sorted.
	Claims []string `json:"claims"`
}

// Incident returns the model incident with ids and times filled in.
func (f *Fused) Incident(id string, version int, firstSeen, updated time.Time) model.Incident {
	return model.Incident{
		ID: id, Version: version, Status: f.Status,
		Start: f.Start, End: f.End, DatePrecision: f.DatePrecision,
		Country: f.Country, Admin1: f.Admin1, Place: f.Place, Lat: f.Lat, Lon: f.Lon, PlacePrecision: f.PlacePrecision,
		AttackType: f.AttackType, TargetType: f.TargetType, Weapon: f.Weapon,
		Perpetrator: f.Perpetrator, ClaimedBy: slices.Clone(f.ClaimedBy),
		Suicide: f.Suicide, Sites: f.Sites,
		Killed: f.Killed.Fused(), Wounded: f.Wounded.Fused(),
		Contested: slices.Clone(f.Contested), Sources: f.Sources,
		FirstSeen: firstSeen, Updated: updated, Claims: slices.Clone(f.Claims),
		AttackersKilled: f.AttackersKilled.Fused(), Rules: maps.Clone(f.Rules), Timeline: maps.Clone(f.Timeline),
	}
}

// ErrNoClaims is returned by Reconcile when given nothing to reconcile.
var ErrNoClaims = errors.New("fuse: no claims to reconcile")

// Tolerances of disagreement, documented because they decide `contested`.
const (
	// contestedRatio and contestedAbs: credible current best figures
	// disagree when max/min > 1.5 and max−min > 3 (with min 0, when
	// max > 3).
	contestedRatio = 1.5
	contestedAbs   = 3
	// contestedShare: a categorical field (perpetrator, attack type,
	// place) is contested when a second, incompatible value has at least
	// this share of the credible weight.
	contestedShare = 0.25
	// contestedDays: day-precise credible dates more than this many days
	// apart, the minority holding contestedShare, contest the date.
	contestedDays = 2
)

// item is one piece of evidence with what Reconcile derives from it.
type item struct {
	e         *Evidence
	src       model.Source
	class     SourceClass
	weight    float64
	voice     string
	claimant  bool
	retracted bool
}

// Reconcile reconciles the claims of one incident. sources gives each
// claim's source (for kind and reliability); a claim whose source is
// missing is treated as media of reliability 0.5. The result is the same
// whatever the order of ev. It fails only when ev is empty.
func Reconcile(ev []Evidence, sources map[string]model.Source) (Fused, error) {
	if len(ev) == 0 {
		return Fused{}, ErrNoClaims
	}
	items := make([]item, len(ev))
	for i := range ev {
		e := &ev[i]
		c := &e.Claim
		src := sources[c.Source]
		it := item{e: e, src: src, class: ClassOf(c, src)}
		it.weight = src.Reliability
		if it.weight <= 0 || math.IsNaN(it.weight) {
			it.weight = classWeight[it.class]
		}
		if _, ok := c.Codes[CodeSourceClass]; ok {
			it.weight = classWeight[it.class]
		}
		it.voice = voiceOf(c)
		it.claimant = truthy(c.Codes[CodeClaimant])
		it.retracted = truthy(c.Codes[CodeRetracted])
		items[i] = it
	}
	// Time order, then claim id: every rule below reads items in this order.
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(a.e.at().Compare(b.e.at()), a.e.Fetched.Compare(b.e.Fetched), cmp.Compare(a.e.Claim.ID, b.e.Claim.ID))
	})

	f := Fused{Rules: map[string]string{}, Timeline: map[string][]Revision{}, ClaimedBy: []string{}, Contested: []string{}}
	for _, it := range items {
		f.Claims = append(f.Claims, it.e.Claim.ID)
	}
	slices.Sort(f.Claims)

	var live []item
	for _, it := range items {
		if !it.retracted {
			live = append(live, it)
		}
	}
	voices := map[string]bool{}
	for _, it := range items {
		voices[it.voice] = true
	}
	f.Sources = len(voices)
	if len(live) == 0 {
		f.Status = model.StatusRetracted
		f.Rules["status"] = "retracted: every claim is retracted"
		live = items // still describe what was said
	}

	reconcileDate(&f, live)
	reconcilePlace(&f, live)
	reconcileCategories(&f, live)
	f.Killed = reconcileFigure(&f, "killed", items, func(c *model.Claim) *model.Range { return c.Killed }, true)
	f.Wounded = reconcileFigure(&f, "wounded", items, func(c *model.Claim) *model.Range { return c.Wounded }, false)
	reconcileAttackers(&f, live)
	if f.Status == "" {
		reconcileStatus(&f, live)
	}
	slices.Sort(f.Contested)
	f.Contested = slices.Compact(f.Contested)
	return f, nil
}

// credible reports whether an item's figures and facts count: not the
// perpetrator's own claim, not retracted, not machine-coded.
func (it *item) credible() bool {
	return !it.claimant && !it.retracted && it.class > ClassMachine
}

// vote is a weighted vote on keys; ties go to the higher tiebreak, then
// the key that sorts first.
type vote struct {
	w   map[string]float64
	tie map[string]int
}

func newVote() *vote { return &vote{w: map[string]float64{}, tie: map[string]int{}} }

func (v *vote) add(key string, w float64, tie int) {
	v.w[key] += w
	v.tie[key] = max(v.tie[key], tie)
}

// winner returns the winning key, its share of the total weight, and the
// keys in descending order.
func (v *vote) winner() (string, float64, []string) {
	keys := make([]string, 0, len(v.w))
	var total float64
	for k, w := range v.w {
		keys = append(keys, k)
		total += w
	}
	if len(keys) == 0 {
		return "", 0, nil
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(v.w[b], v.w[a]), cmp.Compare(v.tie[b], v.tie[a]), cmp.Compare(a, b))
	})
	return keys[0], v.w[keys[0]] / total, keys
}

func (v *vote) share(k string) float64 {
	var total float64
	for _, w := range v.w {
		total += w
	}
	if total == 0 {
		return 0
	}
	return v.w[k] / total
}

// factual returns the items whose facts (date, place, type, perpetrator)
// are voted on: the credible ones, or all live ones when none is credible.
func factual(live []item) []item {
	var out []item
	for _, it := range live {
		if it.credible() {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		for _, it := range live {
			if !it.claimant {
				out = append(out, it)
			}
		}
	}
	if len(out) == 0 {
		out = live
	}
	return out
}

var datePrecRank = map[model.DatePrecision]int{model.PrecisionDay: 4, model.PrecisionWeek: 3, model.PrecisionMonth: 2, model.PrecisionYear: 1}

// reconcileDate: a weighted vote among the claims of the most precise
// date precision present; ties go to the earlier date.
func reconcileDate(f *Fused, live []item) {
	its := factual(live)
	best := 0
	for _, it := range its {
		if !it.e.Claim.Start.IsZero() {
			best = max(best, datePrecRank[it.e.Claim.DatePrecision])
		}
	}
	if best == 0 {
		f.Rules["date"] = "no claim gives a date"
		return
	}
	v := newVote()
	byKey := map[string]*model.Claim{}
	for _, it := range its {
		c := &it.e.Claim
		if c.Start.IsZero() || datePrecRank[c.DatePrecision] != best {
			continue
		}
		k := c.Start.String() + "/" + c.End.String()
		v.add(k, it.weight, 0)
		if byKey[k] == nil {
			byKey[k] = c
		}
	}
	k, share, keys := v.winner()
	c := byKey[k]
	f.Start, f.End, f.DatePrecision = c.Start, c.End, c.DatePrecision
	if f.End.IsZero() {
		f.End = f.Start
	}
	f.Rules["date"] = fmt.Sprintf("weighted majority of %s-precise claims (%.0f%% of weight)", c.DatePrecision, 100*share)
	if best == datePrecRank[model.PrecisionDay] {
		for _, o := range keys[1:] {
			d := math.Abs(float64(epochDay(byKey[o].Start) - epochDay(c.Start)))
			if d > contestedDays && v.share(o) >= contestedShare {
				f.Contested = append(f.Contested, "date")
				break
			}
		}
	}
}

var placePrecRank = map[model.PlacePrecision]int{model.PlaceExact: 5, model.PlaceCity: 4, model.PlaceAdmin2: 3, model.PlaceAdmin1: 2, model.PlaceCountry: 1}

// reconcilePlace: country by weighted vote; within it, the place name by
// weighted vote on its key (more precise wins ties); coordinates and
// precision from the most precise claim naming the winning place.
func reconcilePlace(f *Fused, live []item) {
	its := factual(live)
	cv := newVote()
	for _, it := range its {
		if c := it.e.Claim.Country; c != "" {
			cv.add(c, it.weight, 0)
		}
	}
	country, _, ckeys := cv.winner()
	f.Country = country
	if len(ckeys) > 1 && cv.share(ckeys[1]) >= contestedShare {
		f.Contested = append(f.Contested, "country")
	}
	pv, av := newVote(), newVote()
	for _, it := range its {
		c := &it.e.Claim
		if country != "" && c.Country != "" && c.Country != country {
			continue
		}
		if k := PlaceKey(c.Place); k != "" {
			pv.add(k, it.weight, placePrecRank[c.PlacePrecision])
		}
		if k := PlaceKey(c.Admin1); k != "" {
			av.add(k, it.weight, 0)
		}
	}
	pk, share, pkeys := pv.winner()
	ak, _, _ := av.winner()
	var pick, pickAdmin *item
	for i := range its {
		it := &its[i]
		c := &it.e.Claim
		if country != "" && c.Country != "" && c.Country != country {
			continue
		}
		if ak != "" && pickAdmin == nil && PlaceKey(c.Admin1) == ak {
			pickAdmin = it
		}
		if pk != "" && PlaceKey(c.Place) != pk {
			continue
		}
		if pk == "" && c.Lat == nil {
			continue
		}
		if pick == nil || placePrecRank[c.PlacePrecision] > placePrecRank[pick.e.Claim.PlacePrecision] ||
			(placePrecRank[c.PlacePrecision] == placePrecRank[pick.e.Claim.PlacePrecision] && it.weight > pick.weight) {
			pick = it
		}
	}
	if pickAdmin != nil {
		f.Admin1 = pickAdmin.e.Claim.Admin1
	}
	f.PlacePrecision = model.PlaceUnknown
	if country != "" {
		f.PlacePrecision = model.PlaceCountry
	}
	if pick == nil {
		f.Rules["place"] = "no claim names a place; country by weighted vote"
		return
	}
	c := &pick.e.Claim
	f.Place, f.Lat, f.Lon, f.PlacePrecision = c.Place, c.Lat, c.Lon, c.PlacePrecision
	if f.PlacePrecision == "" {
		f.PlacePrecision = model.PlaceUnknown
	}
	if pk == "" {
		f.Rules["place"] = fmt.Sprintf("no claim names a place; coordinates of the most precise claim (%s)", c.ID)
	} else {
		f.Rules["place"] = fmt.Sprintf("weighted majority of place names across transliterations (%.0f%% of weight); coordinates of the most precise claim (%s)", 100*share, c.ID)
	}
	for _, o := range pkeys[min(1, len(pkeys)):] {
		if pv.share(o) >= contestedShare {
			f.Contested = append(f.Contested, "place")
			break
		}
	}
}

// reconcileCategories votes on attack type, target, weapon, perpetrator,
// suicide and sites, and collects responsibility claims.
func reconcileCategories(f *Fused, live []item) {
	its := factual(live)

	at := newVote()
	for _, it := range its {
		if a := it.e.Claim.AttackType; a != "" && a != model.UnknownAttack {
			at.add(string(a), it.weight, 0)
		}
	}
	if k, share, keys := at.winner(); k != "" {
		f.AttackType = model.AttackType(k)
		f.Rules["attack_type"] = fmt.Sprintf("weighted majority of known attack types (%.0f%% of weight)", 100*share)
		for _, o := range keys[1:] {
			if attackLevel(f.AttackType, model.AttackType(o)) == 3 && at.share(o) >= contestedShare {
				f.Contested = append(f.Contested, "attack_type")
				break
			}
		}
	} else {
		f.AttackType = model.UnknownAttack
		f.Rules["attack_type"] = "no claim says how: unknown"
	}

	tt, wv := newVote(), newVote()
	for _, it := range its {
		if t := it.e.Claim.TargetType; t != "" && t != "unknown" {
			tt.add(string(t), it.weight, 0)
		}
		if w := it.e.Claim.Weapon; w != "" && w != "unknown" {
			wv.add(string(w), it.weight, 0)
		}
	}
	if k, _, _ := tt.winner(); k != "" {
		f.TargetType = model.TargetType(k)
	}
	if k, _, _ := wv.winner(); k != "" {
		f.Weapon = model.WeaponType(k)
	}

	// Perpetrator: vote by root group; within the winner, the most
	// specific branch any credible claim names (ISKP over IS).
	pv := newVote()
	perps := map[string][]Perpetrator{}
	for _, it := range its {
		p := ResolvePerpetrator(it.e.Claim.Perpetrator)
		if p.Key == "" {
			continue
		}
		pv.add(p.Root, it.weight, 0)
		perps[p.Root] = append(perps[p.Root], p)
	}
	if root, share, keys := pv.winner(); root != "" {
		best := perps[root][0]
		for _, p := range perps[root][1:] {
			if depth(p.Key) > depth(best.Key) || (depth(p.Key) == depth(best.Key) && p.Key < best.Key) {
				best = p
			}
		}
		f.Perpetrator = best.Display
		f.Rules["perpetrator"] = fmt.Sprintf("weighted majority by group through aliases (%.0f%% of weight), most specific branch named", 100*share)
		for _, o := range keys[1:] {
			if pv.share(o) >= contestedShare {
				f.Contested = append(f.Contested, "perpetrator")
				break
			}
		}
	} else {
		f.Rules["perpetrator"] = "no credible claim names a perpetrator"
	}

	// Responsibility claims: every group any claim says claimed it, or
	// the claimant's own claim; kept as claims.
	seen := map[string]bool{}
	for _, it := range live {
		names := slices.Clone(it.e.Claim.ClaimedBy)
		if it.claimant && it.e.Claim.Perpetrator != "" {
			names = append(names, it.e.Claim.Perpetrator)
		}
		for _, n := range names {
			p := ResolvePerpetrator(n)
			if p.Key == "" || seen[p.Key] {
				continue
			}
			seen[p.Key] = true
			f.ClaimedBy = append(f.ClaimedBy, p.Display)
		}
	}
	slices.Sort(f.ClaimedBy)

	sv := newVote()
	for _, it := range its {
		if s := it.e.Claim.Suicide; s != nil {
			sv.add(strconv.FormatBool(*s), it.weight, 0)
		}
	}
	if k, _, _ := sv.winner(); k != "" {
		b := k == "true"
		f.Suicide = &b
	}
	st := newVote()
	for _, it := range its {
		if n := it.e.Claim.Sites; n > 0 {
			st.add(strconv.Itoa(n), it.weight, n)
		}
	}
	if k, _, _ := st.winner(); k != "" {
		f.Sites, _ = strconv.Atoi(k)
	}
}

func depth(key string) int {
	d := 0
	for g := aliases.perpKey[key]; g != nil && g.parent != "" && d < 8; g = aliases.perpKey[g.parent] {
		d++
	}
	return d
}

// reconcileStatus: confirmed by two independent credible voices or one
// dataset of record; disputed when a credible claim denies the event or
// credible claims disagree on who did it; probable with one wire or
// authority voice (or a credible one backed by machine-coded data);
// otherwise unverified.
func reconcileStatus(f *Fused, live []item) {
	voices := map[string]bool{}
	all := map[string]bool{}
	record, strong, denied := false, false, false
	for _, it := range live {
		all[it.voice] = true
		if !it.credible() {
			continue
		}
		voices[it.voice] = true
		record = record || it.class == ClassRecord
		strong = strong || it.class >= ClassWire
		denied = denied || truthy(it.e.Claim.Codes[CodeDenied])
	}
	switch {
	case denied:
		f.Status = model.StatusDisputed
		f.Rules["status"] = "disputed: a credible source denies the event"
	case slices.Contains(f.Contested, "perpetrator"):
		f.Status = model.StatusDisputed
		f.Rules["status"] = "disputed: credible sources name different perpetrators"
	case len(voices) >= 2:
		f.Status = model.StatusConfirmed
		f.Rules["status"] = fmt.Sprintf("confirmed: %d independent credible sources", len(voices))
	case record:
		f.Status = model.StatusConfirmed
		f.Rules["status"] = "confirmed: a dataset of record"
	case strong || (len(voices) == 1 && len(all) >= 2):
		f.Status = model.StatusProbable
		f.Rules["status"] = "probable: one wire or authority source, or one credible source with others"
	default:
		f.Status = model.StatusUnverified
		f.Rules["status"] = "unverified: a single non-dataset source"
	}
}
