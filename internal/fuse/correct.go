package fuse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// Correction is who asks for an analyst's correction, when and why.
type Correction struct {
	Author string
	Reason string
	At     time.Time
}

func (c Correction) check() error {
	if strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("%w: a reason is required", ErrConstraint)
	}
	if strings.TrimSpace(c.Author) == "" {
		return fmt.Errorf("%w: an author is required", ErrConstraint)
	}
	return nil
}

// constraintLinks turns the analysts' corrections, in the order given,
// into must-link groups and cannot-link pairs of claim sets for Fuse: a
// merge keeps its claims together, a split keeps its claims together and
// apart from the claims that stayed; a later correction overrides an
// earlier one on the claims they share.
func constraintLinks(cons []Constraint) (must [][]string, cannot [][2][]string) {
	label := map[string]int{}
	next := 0
	type apart struct{ a, b []string }
	var aparts []apart
	for _, c := range cons {
		switch c.Kind {
		case "merge":
			next++
			old := map[int]bool{}
			for _, id := range c.Claims {
				if l, ok := label[id]; ok {
					old[l] = true
				}
			}
			for id, l := range label {
				if old[l] {
					label[id] = next
				}
			}
			for _, id := range c.Claims {
				label[id] = next
			}
		case "split":
			next++
			for _, id := range c.Claims {
				label[id] = next
			}
			aparts = append(aparts, apart{c.Claims, c.Others})
		}
	}
	groups := map[int][]string{}
	for id, l := range label {
		groups[l] = append(groups[l], id)
	}
	var ls []int
	for l, g := range groups {
		if len(g) > 1 {
			ls = append(ls, l)
		}
	}
	slices.Sort(ls)
	for _, l := range ls {
		g := groups[l]
		slices.Sort(g)
		must = append(must, g)
	}
	for _, a := range aparts {
		// Claims a later merge joined are no longer apart.
		x := slices.Clone(a.a)
		var y []string
		for _, id := range a.b {
			if l, ok := label[id]; ok && slices.ContainsFunc(x, func(o string) bool { return label[o] == l }) {
				continue
			}
			y = append(y, id)
		}
		if len(x) > 0 && len(y) > 0 {
			cannot = append(cannot, [2][]string{x, y})
		}
	}
	return must, cannot
}

// setsByIncident returns the analysts' settings per incident, in order.
func setsByIncident(cons []Constraint) map[string][]Constraint {
	out := map[string][]Constraint{}
	for _, c := range cons {
		if c.Kind == "set" {
			out[c.Incident] = append(out[c.Incident], c)
		}
	}
	// Carried settings are recorded after the incident's own: the order
	// they were made in decides which one holds.
	for _, list := range out {
		slices.SortStableFunc(list, func(a, b Constraint) int { return a.At.Compare(b.At) })
	}
	return out
}

// SettableFields are the incident fields `incident set` accepts.
var SettableFields = []string{"status", "killed", "wounded", "date", "country", "admin1", "place",
	"attack_type", "perpetrator", "sites", "suicide"}

// applySet applies an analyst's setting to an incident and records it as
// the field's rule.
func applySet(inc *model.Incident, c Constraint) error {
	v := strings.TrimSpace(c.Value)
	switch c.Field {
	case "status":
		s := model.Status(v)
		if !slices.Contains(model.Statuses, s) {
			return fmt.Errorf("%w: status %q: want one of confirmed, probable, unverified, disputed, retracted", ErrConstraint, v)
		}
		inc.Status = s
	case "killed", "wounded":
		r, err := ParseRange(v)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrConstraint, c.Field, err)
		}
		if c.Field == "killed" {
			inc.Killed = &r
		} else {
			inc.Wounded = &r
		}
	case "date":
		a, b, _ := strings.Cut(v, "/")
		start, err := model.ParseDate(a)
		if err != nil {
			return fmt.Errorf("%w: date: %v", ErrConstraint, err)
		}
		end := start
		if b != "" {
			if end, err = model.ParseDate(b); err != nil || end.Before(start) {
				return fmt.Errorf("%w: date %q: want YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD, end not before start", ErrConstraint, v)
			}
		}
		inc.Start, inc.End, inc.DatePrecision = start, end, model.PrecisionDay
	case "country":
		ct, ok := model.CountryByISO2(v)
		if !ok {
			return fmt.Errorf("%w: country %q: want an ISO 3166 alpha-2 code", ErrConstraint, v)
		}
		inc.Country = ct.ISO2
	case "admin1":
		inc.Admin1 = v
	case "place":
		inc.Place = v
	case "attack_type":
		a := model.AttackType(v)
		if !a.Valid() {
			return fmt.Errorf("%w: attack_type %q is not one of the nine GTD attack types", ErrConstraint, v)
		}
		inc.AttackType = a
	case "perpetrator":
		inc.Perpetrator = v
	case "sites":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: sites %q: want a whole number ≥ 0", ErrConstraint, v)
		}
		inc.Sites = n
	case "suicide":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%w: suicide %q: want true or false", ErrConstraint, v)
		}
		inc.Suicide = &b
	default:
		return fmt.Errorf("%w: field %q cannot be set: want one of %s", ErrConstraint, c.Field, strings.Join(SettableFields, ", "))
	}
	if inc.Rules == nil {
		inc.Rules = map[string]string{}
	}
	inc.Rules[c.Field] = fmt.Sprintf("set by %s on %s: %s", c.Author, c.At.UTC().Format(time.DateOnly), c.Reason)
	return nil
}

// ParseRange reads a figure as an analyst types it: "17", "16-18"
// (best the middle), "16-18/17" or "16,17,18" (low, best, high).
func ParseRange(s string) (model.Range, error) {
	bad := fmt.Errorf("figure %q: want N, LOW-HIGH, LOW-HIGH/BEST or LOW,BEST,HIGH", s)
	num := func(x string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil && n >= 0
	}
	if parts := strings.Split(s, ","); len(parts) == 3 {
		l, ok1 := num(parts[0])
		b, ok2 := num(parts[1])
		h, ok3 := num(parts[2])
		if !ok1 || !ok2 || !ok3 || l > b || b > h {
			return model.Range{}, bad
		}
		return model.Range{Low: l, Best: b, High: h, Qualifier: model.Exact}, nil
	}
	span, best, hasBest := strings.Cut(s, "/")
	lo, hi, isRange := strings.Cut(span, "-")
	if !isRange {
		n, ok := num(span)
		if !ok || hasBest {
			return model.Range{}, bad
		}
		return *model.Point(n, model.Exact), nil
	}
	l, ok1 := num(lo)
	h, ok2 := num(hi)
	if !ok1 || !ok2 || l > h {
		return model.Range{}, bad
	}
	b := (l + h) / 2
	if hasBest {
		var ok bool
		if b, ok = num(best); !ok || b < l || b > h {
			return model.Range{}, bad
		}
	}
	return model.Range{Low: l, Best: b, High: h, Qualifier: model.Exact}, nil
}

// analystLink is the link recorded for a claim an analyst placed.
func analystLink(kind string, c Correction, a, b string) *Link {
	if b < a {
		a, b = b, a
	}
	return &Link{A: a, B: b, Weight: 0, Probability: 1, Reasons: []Reason{{Feature: "analyst",
		Level: fmt.Sprintf("%s by %s: %s", kind, c.Author, c.Reason)}}}
}

// Merge merges incidents into the first one: their claims move there and
// stay together from then on; the others are retired.
func Merge(ctx context.Context, st Store, ids []string, c Correction) error {
	if err := c.check(); err != nil {
		return err
	}
	if len(ids) < 2 {
		return fmt.Errorf("%w: merge needs at least two incidents", ErrConstraint)
	}
	if _, err := Incremental(ctx, st, RunOptions{At: c.At}); err != nil {
		return err
	}
	r, err := newRunner(ctx, st, RunOptions{At: c.At})
	if err != nil {
		return err
	}
	live, err := st.FuseIncidents(ctx, ids)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := live[id]; !ok {
			return fmt.Errorf("%w: merge: no live incident %s", ErrConstraint, id)
		}
		if seen[id] {
			return fmt.Errorf("%w: merge: incident %s given twice", ErrConstraint, id)
		}
		seen[id] = true
	}
	cs, err := st.IncidentClaims(ctx, ids)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	target := &cluster{id: ids[0]}
	var all []string
	var first string
	for i := range cs {
		if cs[i].IncidentID == ids[0] && (first == "" || cs[i].Claim.ID < first) {
			first = cs[i].Claim.ID
		}
	}
	for i := range cs {
		sc := &cs[i]
		if sc.IncidentID != ids[0] && first != "" {
			sc.Link = analystLink("merge", c, first, sc.Claim.ID)
		}
		all = append(all, sc.Claim.ID)
		target.add(sc)
	}
	slices.Sort(all)
	con := Constraint{Kind: "merge", Incident: ids[0], Claims: all, Merged: slices.Clone(ids[1:]),
		Author: c.Author, Reason: c.Reason, At: r.at}
	ch := &Change{At: r.at, Author: c.Author, Constraint: &con}
	retire := map[string]string{}
	reasons := map[string]string{ids[0]: fmt.Sprintf("merge of %s: %s", strings.Join(ids[1:], ", "), c.Reason)}
	for _, id := range ids[1:] {
		retire[id] = ids[0]
		reasons[id] = fmt.Sprintf("merged into %s by %s: %s", ids[0], c.Author, c.Reason)
	}
	ch.Carried = r.carry(retire)
	var sum Summary
	if err := r.finish(ctx, ch, map[string]*cluster{ids[0]: target}, retire, reasons, &sum); err != nil {
		return err
	}
	forceVersion(ch, r, target, live[ids[0]], reasons[ids[0]])
	return st.ApplyFusion(ctx, ch)
}

// forceVersion makes sure an analyst's correction of an incident is a
// version even when the facts did not change.
func forceVersion(ch *Change, r *runner, w *cluster, base model.Incident, reason string) {
	for _, v := range ch.Incidents {
		if v.Incident.ID == w.id {
			return
		}
	}
	inc := cloneIncident(base)
	inc.Version++
	inc.Updated = r.at
	ch.Incidents = append(ch.Incidents, IncidentVersion{Incident: inc, Reason: reason})
}

// Split moves some claims of an incident into a new incident; from then
// on they stay together and apart from the claims that stayed. It returns
// the new incident's id.
func Split(ctx context.Context, st Store, id string, claimIDs []string, c Correction) (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	if _, err := Incremental(ctx, st, RunOptions{At: c.At}); err != nil {
		return "", err
	}
	r, err := newRunner(ctx, st, RunOptions{At: c.At})
	if err != nil {
		return "", err
	}
	live, err := st.FuseIncidents(ctx, []string{id})
	if err != nil {
		return "", fmt.Errorf("split: %w", err)
	}
	if _, ok := live[id]; !ok {
		return "", fmt.Errorf("%w: split: no live incident %s", ErrConstraint, id)
	}
	cs, err := st.IncidentClaims(ctx, []string{id})
	if err != nil {
		return "", fmt.Errorf("split: %w", err)
	}
	out := map[string]bool{}
	for _, x := range claimIDs {
		out[x] = true
	}
	for x := range out {
		if !slices.ContainsFunc(cs, func(sc StoredClaim) bool { return sc.Claim.ID == x }) {
			return "", fmt.Errorf("%w: split: claim %s is not a current claim of %s", ErrConstraint, x, id)
		}
	}
	if len(out) == 0 || len(out) >= len(cs) {
		return "", fmt.Errorf("%w: split: give some but not all of the incident's %d claims", ErrConstraint, len(cs))
	}
	split := slices.Sorted(func(yield func(string) bool) {
		for x := range out {
			if !yield(x) {
				return
			}
		}
	})
	newID := freshID("split\x00"+id, split)
	stay, moved := &cluster{id: id}, &cluster{id: newID}
	var others []string
	for i := range cs {
		sc := &cs[i]
		if out[sc.Claim.ID] {
			sc.Link = nil
			if sc.Claim.ID != split[0] {
				sc.Link = analystLink("split", c, split[0], sc.Claim.ID)
			}
			moved.add(sc)
		} else {
			others = append(others, sc.Claim.ID)
			stay.add(sc)
		}
	}
	slices.Sort(others)
	con := Constraint{Kind: "split", Incident: id, Claims: split, Others: others, NewIncident: newID,
		Author: c.Author, Reason: c.Reason, At: r.at}
	ch := &Change{At: r.at, Author: c.Author, Constraint: &con}
	reasons := map[string]string{
		id:    fmt.Sprintf("split: %s moved to %s: %s", strings.Join(split, ", "), newID, c.Reason),
		newID: fmt.Sprintf("split from %s: %s", id, c.Reason),
	}
	var sum Summary
	if err := r.finish(ctx, ch, map[string]*cluster{id: stay, newID: moved}, nil, reasons, &sum); err != nil {
		return "", err
	}
	forceVersion(ch, r, stay, live[id], reasons[id])
	return newID, st.ApplyFusion(ctx, ch)
}

// Set sets a field of an incident to a value; fusion keeps it whatever
// the claims say later.
func Set(ctx context.Context, st Store, id, field, value string, c Correction) error {
	if err := c.check(); err != nil {
		return err
	}
	if _, err := Incremental(ctx, st, RunOptions{At: c.At}); err != nil {
		return err
	}
	r, err := newRunner(ctx, st, RunOptions{At: c.At})
	if err != nil {
		return err
	}
	live, err := st.FuseIncidents(ctx, []string{id})
	if err != nil {
		return fmt.Errorf("set: %w", err)
	}
	base, ok := live[id]
	if !ok {
		return fmt.Errorf("%w: set: no live incident %s", ErrConstraint, id)
	}
	con := Constraint{Kind: "set", Incident: id, Field: field, Value: value, Author: c.Author, Reason: c.Reason, At: r.at}
	inc := cloneIncident(base)
	if err := applySet(&inc, con); err != nil {
		return err
	}
	inc.Version++
	inc.Updated = r.at
	ch := &Change{At: r.at, Author: c.Author, Constraint: &con,
		Incidents: []IncidentVersion{{Incident: inc, Reason: fmt.Sprintf("set %s = %s: %s", field, value, c.Reason)}}}
	return st.ApplyFusion(ctx, ch)
}
