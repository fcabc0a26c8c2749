package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// FuseBackend is a backend with what fusion and the fusion commands need.
type FuseBackend interface {
	Backend
	fuse.Store
	RetiredIncident(ctx context.Context, id string) (fuse.Retired, error)
	IncidentHistory(ctx context.Context, id string) ([]store.Version, error)
}

// runFuse runs the fusion contract tests: the same incidents, links,
// retirements and corrections on every backend.
func runFuse(t *testing.T, open func(t *testing.T) Backend) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, b FuseBackend)
	}{
		{"IncrementalLinksAcrossSources", testFuseIncremental},
		{"AllAgreesWithIncremental", testFuseAll},
		{"UpdateStaysInFusedIncident", testFuseUpdate},
		{"CorrectionsSurviveRefusion", testFuseCorrections},
		{"SetFollowsMergedIncident", testFuseCarrySet},
		{"CorrectionsSurviveReportUpdate", testFuseCorrectionsUpdate},
		{"NothingToFuse", testFuseEmpty},
		{"ApplyFusionAllOrNothing", testFuseAtomic},
		{"IncrementalEventGroup", testFuseGroup},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ok := open(t).(FuseBackend)
			if !ok {
				t.Fatal("backend does not implement fuse.Store")
			}
			tc.fn(t, b)
		})
	}
}

var (
	// ucdpLike is a second dataset of record: its rows may link with GTD's.
	ucdpLike = model.Source{Name: "ucdp", Kind: model.KindDataset, Title: "UCDP GED", Reliability: 0.85}
	fuseAt   = time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
)

// fuseRecords are three reports: GTD and UCDP rows of the Tehran attack
// (same day, 2 km apart, same group) and a GTD row of an attack in
// Kerman two weeks later.
func fuseRecords() []model.Record {
	lat1, lon1, lat2, lon2 := 35.6926, 51.4330, 35.70, 51.41
	klat, klon := 30.28, 57.08
	return []model.Record{
		Record("gtd", "201706070001", 0, "gtd row 1", fetched, func(c *model.Claim) {
			c.Lat, c.Lon, c.Perpetrator, c.Killed = &lat1, &lon1, "Islamic State", model.Point(17, model.Exact)
			c.PlacePrecision = model.PlaceExact
		}),
		Record("ucdp", "u-9001", 0, "ucdp row 1", fetched, func(c *model.Claim) {
			c.Lat, c.Lon, c.Perpetrator, c.Killed = &lat2, &lon2, "IS", &model.Range{Low: 12, Best: 17, High: 18}
		}),
		Record("gtd", "201706210002", 0, "gtd row 2", fetched, func(c *model.Claim) {
			c.Start = model.Date{Year: 2017, Month: time.June, Day: 21}
			c.End = c.Start
			c.Lat, c.Lon, c.Admin1, c.Place = &klat, &klon, "Kerman", "Kerman"
			c.Killed = model.Point(2, model.Exact)
		}),
	}
}

func importFused(t *testing.T, b FuseBackend, recs ...model.Record) fuse.Summary {
	t.Helper()
	ensure(t, b, GTD, ucdpLike)
	mustImport(t, b, at1, recs...)
	sum, err := fuse.Incremental(t.Context(), b, fuse.RunOptions{At: fuseAt})
	if err != nil {
		t.Fatalf("Incremental: %v", err)
	}
	return sum
}

// baseRecords are the Kerman row and background rows (Synthetic) that a
// test imports first: the first fusion of a store is a full one, and a
// store must hold more fused claims than wait for the incremental path.
func baseRecords() []model.Record {
	return append(Synthetic("gtd", 0, 6, fetched), fuseRecords()[2])
}

// partition returns the live incidents' current claim sets, sorted,
// without the background rows.
func partition(t *testing.T, b FuseBackend) []string {
	t.Helper()
	var out []string
	err := b.Incidents(t.Context(), store.Filter{}, func(inc model.Incident) error {
		cs, err := b.IncidentClaims(t.Context(), []string{inc.ID})
		if err != nil {
			return err
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.Claim.ID)
		}
		slices.Sort(ids)
		if len(ids) == 1 && strings.HasPrefix(ids[0], "gtd:2000000") {
			return nil // the background rows of baseRecords
		}
		out = append(out, strings.Join(ids, "+"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func fusedIncidentOf(t *testing.T, b FuseBackend, claimID string) model.Incident {
	t.Helper()
	var found model.Incident
	err := b.Incidents(t.Context(), store.Filter{}, func(inc model.Incident) error {
		if slices.Contains(inc.Claims, claimID) {
			found = inc
		}
		return nil
	})
	if err != nil || found.ID == "" {
		t.Fatalf("no incident holds claim %s (%v)", claimID, err)
	}
	return found
}

func testFuseIncremental(t *testing.T, b FuseBackend) {
	recs := fuseRecords()
	// The first fusion of a store trains on what it holds (All); import
	// other rows first so that the Tehran pair goes the incremental way.
	importFused(t, b, baseRecords()...)
	sum := importFused(t, b, recs[0], recs[1])
	if sum.Full {
		t.Fatalf("second fusion re-fused everything (%+v), want the incremental path", sum)
	}
	if sum.Claims != 2 || sum.Attached != 1 || sum.Retired != 1 {
		t.Errorf("summary = %+v, want 2 claims, 1 attached, 1 retired", sum)
	}
	got := partition(t, b)
	want := []string{"gtd:201706070001#1+ucdp:u-9001#1", "gtd:201706210002#1"}
	if !slices.Equal(got, want) {
		t.Fatalf("partition = %v, want %v", got, want)
	}
	st, err := b.Stats(t.Context())
	if err != nil || st.Incidents != 8 || st.Claims != 9 {
		t.Errorf("stats = %+v, %v; want 8 live incidents of 9 claims", st, err)
	}
	tehran := fusedIncidentOf(t, b, "gtd:201706070001#1")
	if tehran.Killed == nil || tehran.Killed.Best != 17 || tehran.Sources != 2 || tehran.Status != model.StatusConfirmed {
		t.Errorf("Tehran = killed %v, %d sources, %s; want best 17, 2 sources, confirmed", tehran.Killed, tehran.Sources, tehran.Status)
	}
	if tehran.Rules["killed"] == "" || len(tehran.Timeline["killed"]) != 2 {
		t.Errorf("Tehran rules %v, killed timeline %v: want a killed rule and 2 revisions", tehran.Rules, tehran.Timeline["killed"])
	}
	// The incident the other claim came with is retired, its history kept.
	other := model.IncidentIDFor("gtd", "201706070001")
	if other == tehran.ID {
		other = model.IncidentIDFor("ucdp", "u-9001")
	}
	if _, err := b.Incident(t.Context(), other); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retired incident %s still live: %v", other, err)
	}
	r, err := b.RetiredIncident(t.Context(), other)
	if err != nil || r.MergedInto != tehran.ID {
		t.Fatalf("RetiredIncident(%s) = %+v, %v; want merged into %s", other, r, err, tehran.ID)
	}
	hist, err := b.IncidentHistory(t.Context(), other)
	if err != nil || len(hist) < 2 {
		t.Fatalf("history of the retired incident: %v, %v", hist, err)
	}
	last := hist[len(hist)-1]
	if last.Incident.MergedInto != tehran.ID || last.Author != fuse.Author || !strings.Contains(last.Reason, tehran.ID) {
		t.Errorf("last version = %+v, want merged into %s by fuse", last, tehran.ID)
	}
	// The link that joined is kept with its reasons.
	cs, err := b.IncidentClaims(t.Context(), []string{tehran.ID})
	if err != nil || len(cs) != 2 {
		t.Fatalf("claims of Tehran: %v, %v", cs, err)
	}
	links := 0
	for _, c := range cs {
		if c.Link != nil {
			links++
			if c.Link.Probability < fuse.DefaultThreshold || len(c.Link.Reasons) < 2 {
				t.Errorf("link %+v: want a probability over the threshold and reasons", c.Link)
			}
		}
		if c.Ref == "" || c.Claim.Source == "" {
			t.Errorf("fused claim %s lacks source or ref: %+v", c.Claim.ID, c)
		}
	}
	if links != 1 {
		t.Errorf("%d links in a two-claim incident, want 1", links)
	}
	// Nothing left to fuse.
	if sum, err := fuse.Incremental(t.Context(), b, fuse.RunOptions{At: fuseAt}); err != nil || sum.Claims != 0 {
		t.Errorf("second run fused %+v, %v; want nothing", sum, err)
	}
}

func testFuseAll(t *testing.T, b FuseBackend) {
	recs := fuseRecords()
	importFused(t, b, baseRecords()...)
	importFused(t, b, recs[0], recs[1])
	before := partition(t, b)
	tehran := fusedIncidentOf(t, b, "gtd:201706070001#1")
	sum, err := fuse.All(t.Context(), b, fuse.RunOptions{At: fuseAt.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if after := partition(t, b); !slices.Equal(before, after) {
		t.Errorf("All gave %v, incremental %v", after, before)
	}
	if sum.Retired != 0 || sum.Incidents != 8 || sum.Versions != 0 {
		t.Errorf("All summary = %+v, want 8 incidents, no version written, none retired", sum)
	}
	again := fusedIncidentOf(t, b, "gtd:201706070001#1")
	if again.ID != tehran.ID || again.Killed.Best != tehran.Killed.Best {
		t.Errorf("after All Tehran is %s killed %v, before %s killed %v", again.ID, again.Killed, tehran.ID, tehran.Killed)
	}
	if m, err := b.FuseModel(t.Context()); err != nil || m == nil {
		t.Errorf("All kept no model: %v", err)
	}
}

func testFuseUpdate(t *testing.T, b FuseBackend) {
	recs := fuseRecords()
	importFused(t, b, baseRecords()...)
	importFused(t, b, recs[0], recs[1])
	tehran := fusedIncidentOf(t, b, "gtd:201706070001#1")
	upd := Record("ucdp", "u-9001", 1, "ucdp row 1, corrected", fetched, func(c *model.Claim) {
		lat, lon := 35.70, 51.41
		c.Lat, c.Lon, c.Perpetrator, c.Killed = &lat, &lon, "IS", model.Point(18, model.Exact)
	})
	importFused(t, b, upd)
	after := fusedIncidentOf(t, b, upd.Claim.ID)
	if after.ID != tehran.ID {
		t.Fatalf("the updated claim went to %s, want it to stay in %s", after.ID, tehran.ID)
	}
	cs, err := b.IncidentClaims(t.Context(), []string{tehran.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.Claim.ID)
	}
	slices.Sort(ids)
	if want := []string{"gtd:201706070001#1", upd.Claim.ID}; !slices.Equal(ids, want) {
		t.Errorf("current claims = %v, want %v (the superseded one gone)", ids, want)
	}
	if after.Version <= tehran.Version || after.Killed.High != 18 {
		t.Errorf("after the update: version %d (was %d), killed %v; want a new version with high 18", after.Version, tehran.Version, after.Killed)
	}
}

func testFuseCorrections(t *testing.T, b FuseBackend) {
	recs := fuseRecords()
	importFused(t, b, baseRecords()...)
	importFused(t, b, recs[0], recs[1])
	ctx := t.Context()
	tehran := fusedIncidentOf(t, b, "gtd:201706070001#1")
	kerman := fusedIncidentOf(t, b, "gtd:201706210002#1")
	c := fuse.Correction{Author: "analyst", Reason: "test", At: fuseAt.Add(2 * time.Hour)}
	if err := fuse.Set(ctx, b, tehran.ID, "killed", "16-18/17", fuse.Correction{Author: "analyst", At: c.At}); !errors.Is(err, fuse.ErrConstraint) {
		t.Errorf("set without a reason: %v, want ErrConstraint", err)
	}
	newID, err := fuse.Split(ctx, b, tehran.ID, []string{"ucdp:u-9001#1"}, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := fuse.Set(ctx, b, kerman.ID, "killed", "3", c); err != nil {
		t.Fatal(err)
	}
	want := []string{"gtd:201706070001#1", "gtd:201706210002#1", "ucdp:u-9001#1"}
	if got := partition(t, b); !slices.Equal(got, want) {
		t.Fatalf("after the split: %v, want %v", got, want)
	}
	if _, err := fuse.All(ctx, b, fuse.RunOptions{At: fuseAt.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := partition(t, b); !slices.Equal(got, want) {
		t.Errorf("All undid the split: %v, want %v", got, want)
	}
	k, err := b.Incident(ctx, kerman.ID)
	if err != nil || k.Killed.Best != 3 || !strings.HasPrefix(k.Rules["killed"], "set by analyst") {
		t.Errorf("Kerman after All: killed %v rule %q (%v); want 3 set by analyst", k.Killed, k.Rules["killed"], err)
	}
	if err := fuse.Merge(ctx, b, []string{tehran.ID, newID}, c); err != nil {
		t.Fatal(err)
	}
	want = []string{"gtd:201706070001#1+ucdp:u-9001#1", "gtd:201706210002#1"}
	if got := partition(t, b); !slices.Equal(got, want) {
		t.Errorf("after the merge: %v, want %v", got, want)
	}
	if _, err := fuse.All(ctx, b, fuse.RunOptions{At: fuseAt.Add(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := partition(t, b); !slices.Equal(got, want) {
		t.Errorf("All undid the merge: %v, want %v", got, want)
	}
	vs, err := b.IncidentHistory(ctx, tehran.ID)
	if err != nil {
		t.Fatal(err)
	}
	var authors []string
	for _, v := range vs {
		authors = append(authors, v.Author)
	}
	if !slices.Contains(authors, "analyst") {
		t.Errorf("history authors %v, want the analyst's versions", authors)
	}
	if cons, err := b.Constraints(ctx); err != nil || len(cons) != 3 {
		t.Errorf("constraints = %d, %v; want split, set, merge", len(cons), err)
	}
}

// testFuseCarrySet: an analyst's setting of an incident that is later
// merged into another follows it there, says so in the survivor's history,
// and holds through a full re-fusion.
func testFuseCarrySet(t *testing.T, b FuseBackend) {
	recs := fuseRecords()
	importFused(t, b, baseRecords()...)
	importFused(t, b, recs[0], recs[1])
	ctx := t.Context()
	tehran := fusedIncidentOf(t, b, "gtd:201706070001#1")
	c := fuse.Correction{Author: "analyst", Reason: "UCDP row is its own report", At: fuseAt.Add(2 * time.Hour)}
	newID, err := fuse.Split(ctx, b, tehran.ID, []string{"ucdp:u-9001#1"}, c)
	if err != nil {
		t.Fatal(err)
	}
	c.Reason, c.At = "coroner's count", c.At.Add(time.Hour)
	if err := fuse.Set(ctx, b, newID, "wounded", "43", c); err != nil {
		t.Fatal(err)
	}
	c.Reason, c.At = "one attack after all", c.At.Add(time.Hour)
	if err := fuse.Merge(ctx, b, []string{tehran.ID, newID}, c); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		inc, err := b.Incident(ctx, tehran.ID)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Wounded == nil || inc.Wounded.Best != 43 || !strings.HasPrefix(inc.Rules["wounded"], "set by analyst") {
			t.Errorf("%s: wounded %v rule %q; want 43 set by analyst, carried from %s", when, inc.Wounded, inc.Rules["wounded"], newID)
		}
	}
	check("after the merge")
	vs, err := b.IncidentHistory(ctx, tehran.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := vs[len(vs)-1]; !strings.Contains(last.Reason, newID) || !strings.Contains(last.Reason, "settings") {
		t.Errorf("last version's reason %q: want it to say the settings of %s were kept", last.Reason, newID)
	}
	if _, err := fuse.All(ctx, b, fuse.RunOptions{At: c.At.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	check("after All")
	cons, err := b.Constraints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	carried := 0
	for _, x := range cons {
		if x.Kind == "set" && x.Incident == tehran.ID && x.CarriedFrom == newID {
			carried++
		}
	}
	if carried != 1 {
		t.Errorf("constraints %+v: want one set carried from %s to %s", cons, newID, tehran.ID)
	}
}

// testFuseCorrectionsUpdate: a split and a setting hold when a report of
// the incident is updated (its new revision is a new claim, fused again),
// and through a full re-fusion after it.
func testFuseCorrectionsUpdate(t *testing.T, b FuseBackend) {
	recs := fuseRecords()
	importFused(t, b, baseRecords()...)
	importFused(t, b, recs[0], recs[1])
	ctx := t.Context()
	tehran := fusedIncidentOf(t, b, "gtd:201706070001#1")
	c := fuse.Correction{Author: "analyst", Reason: "two events", At: fuseAt.Add(2 * time.Hour)}
	newID, err := fuse.Split(ctx, b, tehran.ID, []string{"ucdp:u-9001#1"}, c)
	if err != nil {
		t.Fatal(err)
	}
	c.At = c.At.Add(time.Hour)
	if err := fuse.Set(ctx, b, newID, "killed", "19", c); err != nil {
		t.Fatal(err)
	}
	if err := fuse.Set(ctx, b, tehran.ID, "wounded", "43", c); err != nil {
		t.Fatal(err)
	}
	upd := Record("ucdp", "u-9001", 1, "ucdp row 1, corrected", fetched, func(c *model.Claim) {
		lat, lon := 35.70, 51.41
		c.Lat, c.Lon, c.Perpetrator, c.Killed = &lat, &lon, "IS", model.Point(18, model.Exact)
	})
	gupd := Record("gtd", "201706070001", 1, "gtd row 1, corrected", fetched, func(c *model.Claim) {
		lat, lon := 35.6926, 51.4330
		c.Lat, c.Lon, c.Perpetrator, c.Killed = &lat, &lon, "Islamic State", model.Point(17, model.Exact)
		c.PlacePrecision, c.Wounded = model.PlaceExact, model.Point(42, model.Exact)
	})
	check := func(when string) {
		t.Helper()
		want := []string{gupd.Claim.ID, "gtd:201706210002#1", upd.Claim.ID}
		if got := partition(t, b); !slices.Equal(got, want) {
			t.Errorf("%s: partition %v, want %v (the split kept)", when, got, want)
		}
		n, err := b.Incident(ctx, newID)
		if err != nil || n.Killed == nil || n.Killed.Best != 19 || !strings.HasPrefix(n.Rules["killed"], "set by analyst") {
			t.Errorf("%s: split incident %s killed %v (%v); want 19 set by analyst", when, newID, n.Killed, err)
		}
		g, err := b.Incident(ctx, tehran.ID)
		if err != nil || g.Wounded == nil || g.Wounded.Best != 43 || !strings.HasPrefix(g.Rules["wounded"], "set by analyst") {
			t.Errorf("%s: %s wounded %v (%v); want 43 set by analyst", when, tehran.ID, g.Wounded, err)
		}
	}
	importFused(t, b, upd, gupd)
	check("after the updates")
	if _, err := fuse.All(ctx, b, fuse.RunOptions{At: c.At.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	check("after All")
}

// testFuseAtomic: a change that fails part-way leaves nothing of itself
// (PostgreSQL sends it as one batch without BEGIN: the batch must still
// be one transaction).
func testFuseAtomic(t *testing.T, b FuseBackend) {
	importFused(t, b, baseRecords()...)
	ctx := t.Context()
	inc := model.IncidentFromClaim("i-atomic", fuseRecords()[0].Claim, fuseAt)
	ch := &fuse.Change{At: fuseAt, Author: fuse.Author,
		Incidents: []fuse.IncidentVersion{{Incident: inc, Reason: "test", Create: true}},
		Placements: []fuse.Placement{{StoredClaim: fuse.StoredClaim{Evidence: fuse.Evidence{
			Claim: model.Claim{ID: "no-such-claim", Source: "gtd"}, Fetched: fuseAt}, Ref: "x", IncidentID: "i-atomic"}}},
		Constraint: &fuse.Constraint{Kind: "set", Incident: "i-atomic", Field: "killed", Value: "1", Author: "a", Reason: "r", At: fuseAt}}
	if err := b.ApplyFusion(ctx, ch); err == nil {
		t.Fatal("a change placing an unknown claim was applied, want an error")
	}
	if _, err := b.Incident(ctx, "i-atomic"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed change's incident: %v, want not found (nothing of a failed change stays)", err)
	}
	if cons, err := b.Constraints(ctx); err != nil || len(cons) != 0 {
		t.Errorf("constraints after a failed change: %v, %v; want none", cons, err)
	}
}

func testFuseEmpty(t *testing.T, b FuseBackend) {
	sum, err := fuse.Incremental(t.Context(), b, fuse.RunOptions{At: fuseAt})
	if err != nil || sum.Claims != 0 {
		t.Errorf("Incremental on an empty store: %+v, %v", sum, err)
	}
	sum, err = fuse.All(t.Context(), b, fuse.RunOptions{At: fuseAt})
	if err != nil || sum.Claims != 0 {
		t.Errorf("All on an empty store: %+v, %v", sum, err)
	}
}

func testFuseGroup(t *testing.T, b FuseBackend) {
	importFused(t, b, baseRecords()...)
	lat, lon := 35.553, 51.372
	mausoleum := Record("gtd", "201706070009", 0, "gtd row mausoleum", fetched, func(c *model.Claim) {
		c.Lat, c.Lon, c.PlacePrecision, c.Sites = &lat, &lon, model.PlaceExact, 2
		c.Related = []string{"201706070001"}
		c.Killed = model.Point(1, model.Exact)
	})
	parliament := fuseRecords()[0]
	parliament.Claim.Sites = 2
	parliament.Claim.Related = []string{"201706070009"}
	importFused(t, b, parliament)
	sum := importFused(t, b, mausoleum)
	if sum.Full {
		t.Fatalf("want the incremental path, got %+v", sum)
	}
	p := fusedIncidentOf(t, b, parliament.Claim.ID)
	m := fusedIncidentOf(t, b, mausoleum.Claim.ID)
	if p.ID == m.ID {
		t.Fatal("two sites of one attack, rows of one dataset, were merged into one incident")
	}
	if p.Group == "" || p.Group != m.Group || !slices.Contains(m.GroupReasons, "related:gtd:201706070001") {
		t.Errorf("groups: parliament %q %v, mausoleum %q %v; want one group with the related reason", p.Group, p.GroupReasons, m.Group, m.GroupReasons)
	}
	if p.Killed.Best != 17 || m.Killed.Best != 1 {
		t.Errorf("killed: parliament %v, mausoleum %v; want 17 and 1 (figures of a group are not merged)", p.Killed, m.Killed)
	}
}

// Spread returns the records of Synthetic spread the way incidents are:
// over twenty years and forty countries with a skew (the busiest country
// has about a sixth of them, as Iraq has of GTD), at places scattered
// within each country. Synthetic repeats 420 (country, day) pairs, far
// denser than any real data; Spread keeps a store of a million incidents
// as dense as GTD's busiest years.
func Spread(src string, first, n int, fetched time.Time) []model.Record {
	recs := Synthetic(src, first, n, fetched)
	for i := range recs {
		h := splitmix(uint64(first + i))
		u := float64(h>>11) / (1 << 53)
		country := spreadCountries[int(u*u*float64(len(spreadCountries)))]
		h = splitmix(h)
		day := model.Date{Year: 2004, Month: 1, Day: 1}.AddDays(int(h % 7300))
		h = splitmix(h)
		lat := country.lat + float64(h%2000)/1000 - 1
		h = splitmix(h)
		lon := country.lon + float64(h%2000)/1000 - 1
		c := &recs[i].Claim
		c.Country, c.Start, c.End, c.Lat, c.Lon = country.iso, day, day, &lat, &lon
	}
	return recs
}

// splitmix is SplitMix64: a fixed, well-mixed hash of an index.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// spreadCountries are forty countries with a point inside each, busiest first.
var spreadCountries = func() []struct {
	iso      string
	lat, lon float64
} {
	type c = struct {
		iso      string
		lat, lon float64
	}
	return []c{{"IQ", 33, 44}, {"AF", 34, 66}, {"PK", 30, 70}, {"IN", 22, 79}, {"NG", 9, 8}, {"SO", 5, 46},
		{"YE", 15, 48}, {"SY", 35, 38}, {"PH", 12, 122}, {"TH", 15, 101}, {"CO", 4, -73}, {"TR", 39, 35},
		{"EG", 26, 30}, {"LY", 27, 17}, {"NP", 28, 84}, {"PE", -10, -76}, {"CD", -3, 23}, {"ML", 17, -4},
		{"CM", 6, 12}, {"SD", 15, 30}, {"BD", 24, 90}, {"MM", 21, 96}, {"UA", 49, 32}, {"IR", 32, 53},
		{"LB", 34, 36}, {"DZ", 28, 3}, {"KE", 0, 38}, {"MX", 23, -102}, {"BF", 12, -2}, {"NE", 16, 8},
		{"MZ", -18, 35}, {"ET", 9, 40}, {"SA", 24, 45}, {"IL", 31, 35}, {"RU", 55, 40}, {"GB", 54, -2},
		{"FR", 46, 2}, {"US", 39, -98}, {"CF", 7, 21}, {"SS", 7, 30}}
}()

// FillFused fills an empty store with n Spread GTD incidents, fused
// (fuse.All), unless it holds them already: the 1M-incident store of
// BenchFuseAttach takes many minutes to build and is kept between runs.
func FillFused(ctx context.Context, st FuseBackend, n int) error {
	s, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	if s.Incidents >= n {
		return nil
	}
	if s.Incidents > 0 {
		return fmt.Errorf("store holds %d incidents, neither none nor %d", s.Incidents, n)
	}
	if err := st.EnsureSource(ctx, GTD); err != nil {
		return err
	}
	const batch = 5000
	for first := 0; first < n; first += batch {
		if _, err := st.ImportBatch(ctx, Spread("gtd", first, min(batch, n-first), fetched), at1); err != nil {
			return err
		}
	}
	_, err = fuse.All(ctx, st, fuse.RunOptions{At: at2})
	return err
}

// BenchFuseAttach is BenchmarkFuseAttach for a backend holding fused
// incidents (FillFused): each iteration imports, untimed, one new ACLED
// claim of an event a stored GTD row reports (same day and place, other
// wording), then times fuse.Incremental placing it: candidates from the
// block index, local fusion, the new version and the retirement written.
// It reports the median latency.
func BenchFuseAttach(b *testing.B, st FuseBackend, n int) {
	ctx := b.Context()
	if err := st.EnsureSource(ctx, ACLED); err != nil {
		b.Fatal(err)
	}
	nonce := time.Now().UnixNano() // the store is kept between runs: fresh references
	lat := make([]time.Duration, 0, b.N)
	attached := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// A different stored event each iteration and each run: an
		// event that already has an ACLED claim takes no second one.
		base := Spread("gtd", int((uint64(i)*7919+uint64(nonce))%uint64(n)), 1, fetched)[0].Claim
		ref := fmt.Sprintf("bench-%d-%d", nonce, i)
		rec := Record("acled", ref, 0, "acled row "+ref, fetched, func(c *model.Claim) {
			id, rid := c.ID, c.ReportID
			*c = base
			c.ID, c.ReportID, c.Source, c.Codes = id, rid, "acled", nil
			c.Text = "Militants attacked a checkpoint near the market."
		})
		if _, err := st.ImportBatch(ctx, []model.Record{rec}, at3); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		sum, err := fuse.Incremental(ctx, st, fuse.RunOptions{At: at3})
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if sum.Full {
			b.Fatalf("the store is too small for the incremental path: %+v", sum)
		}
		attached += sum.Attached
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms/attach-median")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "ms/attach-p90")
	// The 10th percentile: on a shared machine, nearer what an attach
	// costs than the median, which the load moves.
	b.ReportMetric(float64(lat[len(lat)/10].Microseconds())/1000, "ms/attach-p10")
	b.ReportMetric(float64(attached)/float64(b.N), "attached/op")
}
