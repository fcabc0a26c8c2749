package fuse

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
)

// RunOptions configure Incremental and All.
type RunOptions struct {
	// At is the time recorded on the versions written.
	At time.Time
	// Batch is how many unfused claims one step of Incremental takes
	// (one transaction); 0 means 2000.
	Batch int
	// Metrics, when set, are told of the run when it ends.
	Metrics *metrics.Metrics
	// TempDir is where All sorts the claims of a large store into
	// blocking order (files of a few tens of MB, removed after); empty
	// means the system's temporary directory.
	TempDir string
}

// Summary says what a fusion run did.
type Summary struct {
	// Claims is the number of claims fused.
	Claims int `json:"claims"`
	// Attached claims joined another incident; the incident they came
	// with was retired.
	Attached int `json:"attached"`
	// Alone claims stayed in an incident of their own.
	Alone int `json:"alone"`
	// Versions is the number of incident versions written.
	Versions int `json:"versions"`
	// Created counts the versions that made a new incident.
	Created int `json:"created"`
	// Retired is the number of incidents merged into others.
	Retired int `json:"retired"`
	// Incidents is, after All, the number of incidents.
	Incidents int `json:"incidents,omitempty"`
	// Full says the run re-fused every claim (All).
	Full bool `json:"full,omitempty"`
}

// ErrConstraint is wrapped by the errors of Merge, Split and Set when
// what the analyst asked cannot be done (an unknown incident or claim, a
// split of every claim, an unknown field).
var ErrConstraint = errors.New("fuse: correction refused")

// cluster is an incident being (re)built in memory.
type cluster struct {
	id      string
	members []*StoredClaim
	touched bool
	added   []string
	// grouped is set when the run decided the event group (All): group
	// and groupReasons replace the incident's.
	grouped      bool
	group        string
	groupReasons []string
}

func (w *cluster) add(sc *StoredClaim) {
	sc.IncidentID = w.id
	w.members = append(w.members, sc)
	w.touched = true
	w.added = append(w.added, sc.Claim.ID)
}

// incremental fuses the claims not yet fused, batch by batch: each joins
// the incident it links to best among the incidents of its country whose
// window it falls in (loaded from the store: never all pairs), or keeps
// the incident its import made. Incidents a claim left are retired with a
// final version saying where it went; each incident changed gets a new
// version. It scores with the model of the last full run (All), or
// DefaultModel before any.
//
// When the claims waiting are at least as many as those fused (the first
// fusion of a store, or an import that doubles it) it runs All instead:
// the model is then trained on the data it will score, and clustering a
// large batch at once is faster than attaching its claims one by one.
func incremental(ctx context.Context, st Store, opts RunOptions) (Summary, error) {
	var sum Summary
	n := opts.Batch
	if n <= 0 {
		n = 2000
	}
	start, err := readStart(ctx, st, n)
	if err != nil {
		return sum, fmt.Errorf("fuse: %w", err)
	}
	if start.Unfused == 0 {
		return sum, nil
	}
	if start.Unfused >= start.Fused {
		return all(ctx, st, opts)
	}
	r, err := newRunnerFrom(ctx, st, start.Setup, opts)
	if err != nil {
		return sum, err
	}
	first := start.Batch
	for {
		batch := first
		if batch == nil {
			if batch, err = st.UnfusedClaims(ctx, n); err != nil {
				return sum, fmt.Errorf("fuse: %w", err)
			}
		}
		first = nil
		if len(batch) == 0 {
			return sum, nil
		}
		ch, s, err := r.step(ctx, batch)
		if err != nil {
			return sum, err
		}
		if err := st.ApplyFusion(ctx, ch); err != nil {
			return sum, fmt.Errorf("fuse: %w", err)
		}
		sum.add(s)
		if len(batch) < n {
			// A short batch was the last: asking again would cost a
			// query per run (claims stored meanwhile wait for the next).
			return sum, nil
		}
	}
}

func (s *Summary) add(o Summary) {
	s.Claims += o.Claims
	s.Attached += o.Attached
	s.Alone += o.Alone
	s.Versions += o.Versions
	s.Created += o.Created
	s.Retired += o.Retired
}

// runner holds what every step of a run shares.
type runner struct {
	st     Store
	at     time.Time
	linker *Linker
	cons   []Constraint
	sets   map[string][]Constraint
	// carried lists, per incident, the retired incidents whose settings
	// it took in the change being built: its version says so.
	carried map[string][]string
}

// Setup is what every fusion run reads first: the sources, the model of
// the last full run and the analysts' corrections.
type Setup struct {
	Sources     map[string]model.Source
	Model       *Model
	Constraints []Constraint
}

// SetupReader is a Store that reads a run's Setup in one round trip
// instead of three (FuseSources, FuseModel, Constraints): store/postgres,
// where each round trip of an attach counts. Optional.
type SetupReader interface {
	FuseSetup(ctx context.Context) (Setup, error)
}

// readSetup reads a run's setup, in one call when the store can.
func readSetup(ctx context.Context, st Store) (Setup, error) {
	if sr, ok := st.(SetupReader); ok {
		return sr.FuseSetup(ctx)
	}
	var su Setup
	var err error
	if su.Sources, err = st.FuseSources(ctx); err != nil {
		return su, err
	}
	if su.Model, err = st.FuseModel(ctx); err != nil {
		return su, err
	}
	su.Constraints, err = st.Constraints(ctx)
	return su, err
}

// readStart reads what an incremental run starts with, in one call when
// the store can. Without a Starter the setup is read only when the run
// goes on incrementally, and the batch is left to the loop.
func readStart(ctx context.Context, st Store, limit int) (Start, error) {
	if ss, ok := st.(Starter); ok {
		return ss.FuseStart(ctx, limit)
	}
	var s Start
	var err error
	if s.Fused, s.Unfused, err = st.FuseCounts(ctx); err != nil {
		return s, err
	}
	if s.Unfused == 0 || s.Unfused >= s.Fused {
		return s, nil
	}
	s.Setup, err = readSetup(ctx, st)
	return s, err
}

func newRunner(ctx context.Context, st Store, opts RunOptions) (*runner, error) {
	su, err := readSetup(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("fuse: %w", err)
	}
	return newRunnerFrom(ctx, st, su, opts)
}

// newRunnerFrom makes a runner from a setup already read.
func newRunnerFrom(ctx context.Context, st Store, su Setup, opts RunOptions) (*runner, error) {
	var err error
	srcs, m, cons := su.Sources, su.Model, su.Constraints
	if cons, err = followRevisions(ctx, st, cons); err != nil {
		return nil, err
	}
	at := opts.At.UTC().Truncate(time.Microsecond)
	return &runner{st: st, at: at, linker: NewLinker(m, srcs, 0), cons: cons, sets: setsByIncident(cons),
		carried: map[string][]string{}}, nil
}

// followRevisions rewrites the claims that merges and splits name to
// their current revisions: a report updated after the correction must
// stay where the analyst put it, not be linked afresh.
func followRevisions(ctx context.Context, st Store, cons []Constraint) ([]Constraint, error) {
	var ids []string
	for _, c := range cons {
		ids = append(ids, c.Claims...)
		ids = append(ids, c.Others...)
	}
	if len(ids) == 0 {
		return cons, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	next, err := st.Successors(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("fuse: %w", err)
	}
	if len(next) == 0 {
		return cons, nil
	}
	follow := func(list []string) []string {
		out := make([]string, len(list))
		for i, id := range list {
			if n, ok := next[id]; ok {
				id = n
			}
			out[i] = id
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	out := make([]Constraint, len(cons))
	for i, c := range cons {
		c.Claims, c.Others = follow(c.Claims), follow(c.Others)
		out[i] = c
	}
	return out, nil
}

// carry gives the analysts' settings of incidents being retired to the
// incidents they go into, and returns them as constraints to record for
// those: a setting made on an incident survives its merge into another.
// Settings then apply in the order they were made, wherever they came from.
func (r *runner) carry(retire map[string]string) []Constraint {
	var out []Constraint
	for _, from := range slices.Sorted(maps.Keys(retire)) {
		into := retire[from]
		if into == from || len(r.sets[from]) == 0 {
			continue
		}
		for _, s := range r.sets[from] {
			c := s
			c.Incident = into
			if c.CarriedFrom == "" {
				c.CarriedFrom = from
			}
			r.sets[into] = append(r.sets[into], c)
			out = append(out, c)
		}
		r.carried[into] = append(r.carried[into], from)
		delete(r.sets, from)
		slices.SortStableFunc(r.sets[into], func(a, b Constraint) int { return a.At.Compare(b.At) })
	}
	return out
}

// step fuses one batch of unfused claims and returns the change. The
// batch and its neighbourhood (the fused claims whose windows its claims
// fall in, with every claim of their incidents) are fused as in All, but
// with the neighbours' incidents fixed: a new claim joins one of them or
// makes a new incident with other new claims; existing incidents are
// never split or joined to each other.
func (r *runner) step(ctx context.Context, batch []StoredClaim) (*Change, Summary, error) {
	var sum Summary
	ch := &Change{At: r.at, Author: Author}
	local := map[string]*StoredClaim{}
	fixed := map[string]string{}
	own := map[string]string{} // batch claim id → the incident it came with
	var incs []string
	for i := range batch {
		sc := &batch[i]
		if sc.Superseded {
			ch.Done = append(ch.Done, sc.Claim.ID)
			continue
		}
		sum.Claims++
		local[sc.Claim.ID] = sc
		own[sc.Claim.ID] = sc.IncidentID
		incs = append(incs, sc.IncidentID)
	}
	// The batch's own incidents: those with fused claims keep them, and
	// the batch claim with them (a newer report of a fused claim).
	slices.Sort(incs)
	incs = slices.Compact(incs)
	members, pre, err := r.neighbourhood(ctx, batch, incs)
	if err != nil {
		return nil, sum, fmt.Errorf("fuse: %w", err)
	}
	keep := map[string]bool{}
	for _, m := range members {
		if _, inBatch := local[m.Claim.ID]; !inBatch {
			keep[m.IncidentID] = true
		}
	}
	addFixed := func(cs []StoredClaim) {
		for i := range cs {
			m := &cs[i]
			if _, inBatch := own[m.Claim.ID]; inBatch {
				continue
			}
			if _, seen := local[m.Claim.ID]; seen {
				continue
			}
			local[m.Claim.ID] = m
			fixed[m.Claim.ID] = m.IncidentID
		}
	}
	addFixed(members)
	for id, sc := range local {
		if _, isNew := own[id]; !isNew {
			continue
		}
		if keep[sc.IncidentID] {
			fixed[id] = sc.IncidentID
			continue
		}
		if sc.Claim.Country == "" && sc.Claim.Lat == nil {
			continue // blocking pairs it with nothing
		}
		cands, ok := pre[id]
		if !ok {
			lo, hi := ClaimWindow(sc.Claim)
			if cands, err = r.st.CandidateClaims(ctx, sc.Claim.Country, lo, hi); err != nil {
				return nil, sum, fmt.Errorf("fuse: %w", err)
			}
		}
		addFixed(cands)
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range local {
			if !yield(id) {
				return
			}
		}
	})
	claims := make([]model.Claim, len(ids))
	for i, id := range ids {
		claims[i] = local[id].Claim
	}
	must, cannot := constraintLinks(r.cons)
	res := Fuse(claims, r.linker.Sources, Options{Prior: r.linker.Model, Threshold: r.linker.Threshold,
		MustLink: must, CannotLink: cannot, Fixed: fixed})
	links := treeLinks(res.Links, fixed)
	mem := map[string]*cluster{}
	retire := map[string]string{}
	used := map[string]bool{}
	clusterID := make([]string, len(res.Clusters))
	for ci, cl := range res.Clusters {
		target := ""
		touched := false
		for _, id := range cl {
			if inc, ok := fixed[id]; ok && target == "" {
				target = inc
			}
			if _, ok := own[id]; ok {
				touched = true
			}
		}
		if !touched {
			clusterID[ci] = target
			continue
		}
		if target == "" {
			// New claims only: the incident of the first one whose
			// incident no other cluster took.
			for _, id := range cl {
				if !used[own[id]] {
					target = own[id]
					break
				}
			}
			if target == "" {
				target = freshID("fuse", cl)
			}
		}
		used[target] = true
		clusterID[ci] = target
		w := &cluster{id: target}
		for _, id := range cl {
			sc := local[id]
			if _, isNew := own[id]; isNew {
				sc.Link = links[id]
			}
			w.add(sc)
		}
		w.added = nil
		for _, id := range cl {
			if o, isNew := own[id]; isNew {
				w.added = append(w.added, id)
				if o != target {
					sum.Attached++
				} else if len(cl) == 1 {
					sum.Alone++
				}
			}
		}
		mem[target] = w
	}
	if err := r.groups(ctx, res, clusterID, mem, local); err != nil {
		return nil, sum, err
	}
	for id, o := range own {
		if !used[o] && !keep[o] {
			retire[o] = local[id].IncidentID
		}
	}
	ch.Carried = r.carry(retire)
	if err := r.finish(ctx, ch, mem, retire, nil, &sum); err != nil {
		return nil, sum, err
	}
	return ch, sum, nil
}

// neighbourhood reads the fused claims of a batch's own incidents and,
// when the store reads it all in one round trip (NeighbourhoodReader),
// the candidates of every new claim that blocking pairs with something,
// by claim id: all are asked for before step knows which incidents keep
// their fused claims (a claim of such an incident stays there and looks
// for none), which the store may tell from the incident itself and skip
// (Lookup.Claim). Without the reader, only the members are read and step
// asks for candidates claim by claim.
func (r *runner) neighbourhood(ctx context.Context, batch []StoredClaim, incs []string) ([]StoredClaim, map[string][]StoredClaim, error) {
	nr, ok := r.st.(NeighbourhoodReader)
	if !ok {
		members, err := r.st.IncidentClaims(ctx, incs)
		return members, nil, err
	}
	var ids []string
	var windows []Lookup
	for i := range batch {
		c := &batch[i].Claim
		if batch[i].Superseded || (c.Country == "" && c.Lat == nil) {
			continue
		}
		lo, hi := ClaimWindow(*c)
		ids = append(ids, c.ID)
		windows = append(windows, Lookup{Country: c.Country, Lo: lo, Hi: hi, Claim: c.ID, Incident: batch[i].IncidentID})
	}
	members, cands, err := nr.Neighbourhood(ctx, incs, windows)
	if err != nil {
		return nil, nil, err
	}
	if len(cands) != len(windows) {
		return nil, nil, fmt.Errorf("neighbourhood: %d candidate lists for %d windows", len(cands), len(windows))
	}
	// A lookup the store may have skipped (Lookup.Claim) is left out: if
	// step wants it after all (its incident's other claims are in the
	// batch too), it asks CandidateClaims.
	others := map[string]map[string]bool{}
	for _, m := range members {
		if others[m.IncidentID] == nil {
			others[m.IncidentID] = map[string]bool{}
		}
		others[m.IncidentID][m.Claim.ID] = true
	}
	pre := make(map[string][]StoredClaim, len(ids))
	for i, id := range ids {
		inc := others[windows[i].Incident]
		if len(inc) > 1 || (len(inc) == 1 && !inc[id]) {
			continue
		}
		pre[id] = cands[i]
	}
	return members, pre, nil
}

// groups records the event groups (coordinated attacks) that the local
// fusion of a batch found: the incidents of a group get the group's id
// (the smallest incident id, or group id, among them) and its reasons,
// added to those they had. Incidents only in the neighbourhood are
// versioned too when their group changes.
func (r *runner) groups(ctx context.Context, res *Result, clusterID []string, mem map[string]*cluster, local map[string]*StoredClaim) error {
	for _, g := range res.Groups {
		var ids []string
		for _, ci := range g.Clusters {
			if id := clusterID[ci]; id != "" {
				ids = append(ids, id)
			}
		}
		if len(ids) < 2 {
			continue
		}
		live, err := r.st.FuseIncidents(ctx, ids)
		if err != nil {
			return fmt.Errorf("fuse: %w", err)
		}
		gid := ""
		for _, id := range ids {
			for _, c := range []string{id, live[id].Group} {
				if c != "" && (gid == "" || c < gid) {
					gid = c
				}
			}
		}
		for _, id := range ids {
			inc := live[id]
			reasons := append(slices.Clone(inc.GroupReasons), g.Reasons...)
			slices.Sort(reasons)
			reasons = slices.Compact(reasons)
			if inc.Group == gid && slices.Equal(reasons, inc.GroupReasons) {
				continue
			}
			w := mem[id]
			if w == nil {
				w = &cluster{id: id}
				for _, m := range local {
					if m.IncidentID == id {
						w.add(m)
					}
				}
				w.added = nil
				slices.SortFunc(w.members, func(a, b *StoredClaim) int { return cmp.Compare(a.Claim.ID, b.Claim.ID) })
				mem[id] = w
			}
			w.grouped, w.group, w.groupReasons = true, gid, reasons
		}
	}
	return nil
}

// finish turns the touched clusters into new incident versions and
// placements, and the retired ids into retirements. reasons, when set,
// gives the reason per incident id.
func (r *runner) finish(ctx context.Context, ch *Change, mem map[string]*cluster, retire map[string]string, reasons map[string]string, sum *Summary) error {
	var ids []string
	for id, w := range mem {
		if w.touched {
			ids = append(ids, id)
		}
	}
	for id := range retire {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	live, err := r.st.FuseIncidents(ctx, ids)
	if err != nil {
		return fmt.Errorf("fuse: %w", err)
	}
	var gone []string
	for _, id := range ids {
		if _, ok := live[id]; !ok {
			gone = append(gone, id)
		}
	}
	last := map[string]int{}
	if len(gone) > 0 {
		if last, err = r.st.LastVersions(ctx, gone); err != nil {
			return fmt.Errorf("fuse: %w", err)
		}
	}
	for _, id := range ids {
		w, ok := mem[id]
		if !ok || !w.touched {
			continue
		}
		slices.SortFunc(w.members, func(a, b *StoredClaim) int { return cmp.Compare(a.Claim.ID, b.Claim.ID) })
		for _, m := range w.members {
			lo, hi := ClaimWindow(m.Claim)
			ch.Placements = append(ch.Placements, Placement{StoredClaim: *m, WinLo: lo, WinHi: hi, Size: len(w.members)})
		}
		if !ch.PurgeAll {
			ch.Purge = append(ch.Purge, id)
		}
		base, exists := live[id]
		inc, err := r.build(w, base, exists, last[id])
		if err != nil {
			return err
		}
		from := r.carried[id]
		delete(r.carried, id)
		if exists && len(from) == 0 && sameFacts(base, inc) {
			continue
		}
		reason := reasons[id]
		if reason == "" {
			reason = fuseReason(w, exists)
		}
		if len(from) > 0 {
			reason += "; keeps the analysts' settings of " + strings.Join(from, ", ") + ", merged into it"
		}
		ch.Incidents = append(ch.Incidents, IncidentVersion{Incident: inc, Reason: reason, Create: !exists})
		sum.Versions++
		if !exists {
			sum.Created++
		}
	}
	for _, id := range ids {
		into, ok := retire[id]
		if !ok {
			continue
		}
		base, exists := live[id]
		if !exists {
			continue
		}
		doc := cloneIncident(base)
		doc.Version++
		doc.Updated = r.at
		doc.MergedInto = into
		reason := "merged into " + into
		if reasons[id] != "" {
			reason = reasons[id]
		}
		ch.Retired = append(ch.Retired, Retirement{ID: id, Into: into, Doc: doc, Reason: reason})
		sum.Retired++
	}
	return nil
}

// fuseReason says what fusion did to an incident.
func fuseReason(w *cluster, exists bool) string {
	switch {
	case !exists:
		return fmt.Sprintf("fused: %d claims", len(w.members))
	case len(w.added) == 0 && w.grouped:
		return "fused: part of the coordinated attack " + w.group + " (" + strings.Join(w.groupReasons, "; ") + ")"
	case len(w.members) == 1:
		return "fused: reconciled its one claim (no other report of this event yet)"
	}
	var added []string
	for _, id := range w.added {
		for _, m := range w.members {
			if m.Claim.ID == id && m.Link != nil {
				added = append(added, fmt.Sprintf("%s (p=%.3f)", id, m.Link.Probability))
			} else if m.Claim.ID == id {
				added = append(added, id)
			}
		}
	}
	return fmt.Sprintf("fused: %d claims; added %s", len(w.members), strings.Join(added, ", "))
}

// build reconciles an incident's claims into its next version; the
// analyst's settings of the incident are applied over the result.
func (r *runner) build(w *cluster, base model.Incident, exists bool, lastVersion int) (model.Incident, error) {
	id := w.id
	ev := make([]Evidence, len(w.members))
	for i, m := range w.members {
		ev[i] = m.Evidence
	}
	f, err := Reconcile(ev, r.linker.Sources)
	if err != nil {
		return model.Incident{}, fmt.Errorf("fuse %s: %w", id, err)
	}
	version, first := lastVersion+1, r.at
	if exists {
		version, first = base.Version+1, base.FirstSeen
	}
	inc := f.Incident(id, version, first, r.at)
	inc.Group, inc.GroupReasons = base.Group, slices.Clone(base.GroupReasons)
	if w.grouped {
		inc.Group, inc.GroupReasons = w.group, slices.Clone(w.groupReasons)
	}
	for _, s := range r.sets[id] {
		if err := applySet(&inc, s); err != nil {
			return model.Incident{}, fmt.Errorf("fuse %s: %w", id, err)
		}
	}
	return inc, nil
}

// sameFacts reports whether two versions of an incident say the same,
// version and times aside.
func sameFacts(a, b model.Incident) bool {
	a.Version, b.Version = 0, 0
	a.Updated, b.Updated = time.Time{}, time.Time{}
	a.FirstSeen, b.FirstSeen = time.Time{}, time.Time{}
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// normalize makes empty and nil slices and maps alike, and times UTC,
// as a store's round trip does.
func normalize(inc model.Incident) model.Incident {
	if len(inc.ClaimedBy) == 0 {
		inc.ClaimedBy = nil
	}
	if len(inc.Contested) == 0 {
		inc.Contested = nil
	}
	if len(inc.GroupReasons) == 0 {
		inc.GroupReasons = nil
	}
	if len(inc.Rules) == 0 {
		inc.Rules = nil
	}
	if len(inc.Timeline) == 0 {
		inc.Timeline = nil
	} else {
		tl := make(map[string][]model.FigureRevision, len(inc.Timeline))
		for k, revs := range inc.Timeline {
			out := make([]model.FigureRevision, len(revs))
			for i, rv := range revs {
				rv.Time = rv.Time.UTC()
				out[i] = rv
			}
			tl[k] = out
		}
		inc.Timeline = tl
	}
	return inc
}

// all re-fuses every current claim from scratch: blocking, EM training,
// clustering with the analysts' corrections as constraints, event groups
// and reconciliation. Incidents keep their ids where a cluster holds
// claims of one (the one holding most of its claims); incidents left
// without claims are retired into the cluster that took most of theirs.
// The trained model is kept for Incremental.
//
// The claims are read from the store once, sorted into blocking order
// on disk (spill.go) and streamed twice (stream.go): no more than a sweep
// window of them and the components not yet closed are held at once,
// whatever the size of the store.
func all(ctx context.Context, st Store, opts RunOptions) (Summary, error) {
	var sum Summary
	r, err := newRunner(ctx, st, opts)
	if err != nil {
		return sum, err
	}
	// Claims not fused yet are placed too; superseded ones are done.
	for {
		batch, err := st.UnfusedClaims(ctx, 5000)
		if err != nil {
			return sum, fmt.Errorf("fuse: %w", err)
		}
		var done []string
		for _, sc := range batch {
			if sc.Superseded {
				done = append(done, sc.Claim.ID)
			}
		}
		if len(done) == 0 {
			break
		}
		if err := st.ApplyFusion(ctx, &Change{At: r.at, Author: Author, Done: done}); err != nil {
			return sum, fmt.Errorf("fuse: %w", err)
		}
	}
	// The store is read once, in its own order, and the claims sorted
	// into blocking order on disk (spill.go).
	so, err := newSorter(opts.TempDir)
	if err != nil {
		return sum, fmt.Errorf("fuse: %w", err)
	}
	defer so.close()
	if err := st.AllClaims(ctx, func(sc StoredClaim) error {
		sc.Claim = Slim(sc.Claim)
		return so.add(sc)
	}); err != nil {
		return sum, fmt.Errorf("fuse: %w", err)
	}
	if err := so.finish(); err != nil {
		return sum, fmt.Errorf("fuse: %w", err)
	}
	w := &allWriter{ctx: ctx, r: r, st: st, sum: &sum, part: map[string]*cluster{}, retire: map[string]string{}}
	must, cannot := constraintLinks(r.cons)
	m, _, err := streamFuse(ctx, so.stream(), r.linker.Sources, Options{MustLink: must, CannotLink: cannot}, w.component)
	if err != nil {
		return sum, fmt.Errorf("fuse: %w", err)
	}
	if m == nil {
		return sum, nil
	}
	sum.Full = true
	if err := w.write(ctx, m); err != nil {
		return sum, err
	}
	return sum, nil
}

// allWriter writes what All fuses, a chunk of incidents at a time, so
// that memory stays bounded. A chunk holds whole components: the clusters
// of linked claims together with every old incident they hold claims of,
// its retirement and the settings it carries to its survivor, so that
// each chunk is whole on its own. A run stopped between chunks (a crash,
// a kill) leaves every old incident either untouched or fully resolved —
// never emptied of its claims but not retired — and the next run fuses
// the rest.
type allWriter struct {
	ctx     context.Context
	r       *runner
	st      Store
	sum     *Summary
	part    map[string]*cluster
	retire  map[string]string
	written int
}

// chunkSize is how many incidents a chunk of All holds, at least.
const chunkSize = 2000

// component takes the clusters of one closed component: it gives each
// its incident id, retires the old incidents no cluster kept, and writes
// the chunk once it is full.
func (w *allWriter) component(nodes []*node, res *Result) error {
	sum := w.sum
	sum.Claims += len(nodes)
	sum.Incidents += len(res.Clusters)
	byID := make(map[string]*node, len(nodes))
	for _, n := range nodes {
		byID[n.sc.Claim.ID] = n
	}
	// Ids: biggest clusters choose first, each the old incident holding
	// most of its claims that no bigger cluster took. The old incidents
	// of a component's claims have all their claims in it.
	order := make([]int, len(res.Clusters))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(res.Clusters[b]), len(res.Clusters[a])) })
	ids := make([]string, len(res.Clusters))
	taken := map[string]bool{}
	for _, ci := range order {
		count := map[string]int{}
		for _, id := range res.Clusters[ci] {
			count[byID[id].sc.IncidentID]++
		}
		var best string
		for id, n := range count {
			if taken[id] {
				continue
			}
			if best == "" || n > count[best] || (n == count[best] && id < best) {
				best = id
			}
		}
		if best == "" {
			best = freshID("refuse", res.Clusters[ci])
		}
		taken[best] = true
		ids[ci] = best
	}
	// Each claim's link: the spanning tree of its cluster, rooted at its
	// first claim.
	links := treeLinks(res.Links, nil)
	type group struct {
		id      string
		reasons []string
	}
	groups := make(map[string]group)
	for _, g := range res.Groups {
		gid := ""
		for _, c := range g.Clusters {
			if gid == "" || ids[c] < gid {
				gid = ids[c]
			}
		}
		for _, c := range g.Clusters {
			groups[ids[c]] = group{gid, g.Reasons}
		}
	}
	// Old incidents no cluster kept go to the cluster holding most of their claims.
	votes := map[string]map[string]int{}
	for ci, cl := range res.Clusters {
		for _, id := range cl {
			old := byID[id].sc.IncidentID
			if old != ids[ci] {
				sum.Attached++
			} else if len(cl) == 1 {
				sum.Alone++
			}
			if taken[old] {
				continue
			}
			if votes[old] == nil {
				votes[old] = map[string]int{}
			}
			votes[old][ids[ci]]++
		}
	}
	for old, v := range votes {
		var into string
		for id, n := range v {
			if into == "" || n > v[into] || (n == v[into] && id < into) {
				into = id
			}
		}
		w.retire[old] = into
	}
	for ci, cl := range res.Clusters {
		c := &cluster{id: ids[ci], grouped: true}
		if g, ok := groups[c.id]; ok {
			c.group, c.groupReasons = g.id, g.reasons
		}
		for _, id := range cl {
			n := byID[id]
			c.add(&StoredClaim{Evidence: n.sc.Evidence, Ref: n.sc.Ref, Link: links[id]})
		}
		w.part[c.id] = c
	}
	if len(w.part) >= chunkSize {
		return w.write(w.ctx, nil)
	}
	return nil
}

// write writes the chunk gathered so far; the last one (m set) also
// keeps the model, even when empty.
func (w *allWriter) write(ctx context.Context, m *Model) error {
	if len(w.part) == 0 && len(w.retire) == 0 && m == nil {
		return nil
	}
	ch := &Change{At: w.r.at, Author: Author, PurgeAll: w.written == 0, Model: m}
	ch.Carried = w.r.carry(w.retire)
	if err := w.r.finish(ctx, ch, w.part, w.retire, nil, w.sum); err != nil {
		return err
	}
	if err := w.st.ApplyFusion(ctx, ch); err != nil {
		return fmt.Errorf("fuse: %w", err)
	}
	w.written++
	w.part, w.retire = map[string]*cluster{}, map[string]string{}
	return nil
}

// freshID makes the id of an incident that none of its claims' incidents
// can lend: from a label and its claim ids.
func freshID(label string, claims []string) string {
	h := sha256.New()
	h.Write([]byte(label))
	for _, c := range claims {
		h.Write([]byte{0})
		h.Write([]byte(c))
	}
	return "i" + hex.EncodeToString(h.Sum(nil)[:6])
}

// treeLinks orients each cluster's spanning tree from its first claim
// and returns, per claim, the link that joined it to its parent.
//
// Claims of fixed (existing) incidents are roots first: a new claim's link
// then points towards the incident it joined.
func treeLinks(ls []Link, fixed map[string]string) map[string]*Link {
	adj := map[string][]int{}
	for i, l := range ls {
		adj[l.A] = append(adj[l.A], i)
		adj[l.B] = append(adj[l.B], i)
	}
	out := map[string]*Link{}
	seen := map[string]bool{}
	var roots, fixedRoots []string
	for id := range adj {
		if _, ok := fixed[id]; ok {
			fixedRoots = append(fixedRoots, id)
		} else {
			roots = append(roots, id)
		}
	}
	slices.Sort(roots)
	slices.Sort(fixedRoots)
	queue := slices.Clone(fixedRoots)
	for _, id := range fixedRoots {
		seen[id] = true
	}
	for k := -1; k < len(roots); k++ {
		if k >= 0 {
			if seen[roots[k]] {
				continue
			}
			seen[roots[k]] = true
			queue = append(queue, roots[k])
		}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			for _, i := range adj[x] {
				y := ls[i].A
				if y == x {
					y = ls[i].B
				}
				if seen[y] {
					continue
				}
				seen[y] = true
				out[y] = &ls[i]
				queue = append(queue, y)
			}
		}
	}
	return out
}
