// Package plan decides what one ImportBatch writes, the same way for every
// store backend, so that the rules of store.BatchCounts live in one place
// and the backends only read and write rows.
//
// An import batch goes through four steps:
//
//  1. Prepare checks and completes the records (ids, hashes) without I/O.
//  2. Make looks up what the store holds of the batch's source references
//     (one query per chunk of references, through a Reader) and decides,
//     record by record, what is new, updated or unchanged.
//  3. Encode does the CPU work (the JSON documents) so that
//     a backend can do it before it takes its write lock.
//  4. Inside the write transaction, Check looks the references up again;
//     only when something changed in between (another writer) is the plan
//     made again there. Then the backend writes the plan's rows.
package plan

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Author is the author recorded on incident versions written by imports.
const Author = "import"

// LookupChunk is the most source references one lookup query asks for:
// it keeps IN lists well under every database's parameter limit.
const LookupChunk = 500

// Row is one stored report of a looked-up source reference, joined with
// its current claims and their incidents. A report with several current
// claims gives several rows; a superseded report, or one without claims,
// gives one row with ClaimID "".
type Row struct {
	Source          string
	Ref             string
	ReportID        string
	Hash            string
	Revision        int64
	Current         bool // the report is not superseded
	ClaimID         string
	IncidentID      string
	IncidentVersion int
}

// Reader is what planning reads from a store. A backend implements it
// once over its read pool (before the write transaction) and once over
// the write transaction (for Check).
type Reader interface {
	// Lookup returns the rows of every stored report of source whose
	// source_ref is in refs (at most LookupChunk of them), in any order.
	Lookup(ctx context.Context, source string, refs []string) ([]Row, error)
	// Incidents returns the current state of the incidents with the given
	// ids; ids that do not exist are left out.
	Incidents(ctx context.Context, ids []string) (map[string]model.Incident, error)
}

// Batch is a prepared batch: records checked and completed, ready to plan.
type Batch struct {
	recs []model.Record
	at   time.Time
}

// Prepare checks the records and fills in what a reader may leave empty:
// the report id, the hash, the claim's id, report id and source. The
// caller's records are not modified. An error names the first bad record:
// one without a source or reference, or with text that breaks the rules
// in text.go.
// The batch time is kept to the microsecond, as every stored time is.
func Prepare(recs []model.Record, at time.Time) (*Batch, error) {
	return prepare(recs, at, true)
}

// PrepareChecked is Prepare for records whose text the caller has
// checked already with model.Record.CheckText (ingest does, to reject a
// bad row on its own): checking every field and code of every record
// again was a twentieth of an import's CPU.
func PrepareChecked(recs []model.Record, at time.Time) (*Batch, error) {
	return prepare(recs, at, false)
}

func prepare(recs []model.Record, at time.Time, check bool) (*Batch, error) {
	out := make([]model.Record, len(recs))
	for i, r := range recs {
		rep, c := r.Report, r.Claim
		switch {
		case rep.Source == "":
			return nil, fmt.Errorf("record %d: report has no source", i)
		case rep.SourceRef == "":
			return nil, fmt.Errorf("record %d (%s): report has no source reference", i, rep.Source)
		case c.Source != "" && c.Source != rep.Source:
			return nil, fmt.Errorf("record %d (%s:%s): claim source %q differs from report source", i, rep.Source, rep.SourceRef, c.Source)
		case rep.Revision < 0:
			return nil, fmt.Errorf("record %d (%s:%s): negative revision %d", i, rep.Source, rep.SourceRef, rep.Revision)
		}
		if rep.ID == "" {
			rep.ID = model.ReportID(rep.Source, rep.SourceRef, rep.Revision)
		}
		if rep.Hash == "" {
			sum := sha256.Sum256(rep.Raw)
			rep.Hash = hex.EncodeToString(sum[:])
		}
		if c.ID == "" {
			c.ID = model.ClaimID(rep.ID, 1)
		}
		c.ReportID = rep.ID
		c.Source = rep.Source
		out[i] = model.Record{Report: rep, Claim: c}
		if !check {
			continue
		}
		if err := checkRecord(out[i]); err != nil {
			return nil, fmt.Errorf("record %d (%s:%s): %w", i, CleanText(rep.Source), CleanText(rep.SourceRef), err)
		}
	}
	return &Batch{recs: out, at: at.UTC().Truncate(time.Microsecond)}, nil
}

// Len returns the number of records in the batch.
func (b *Batch) Len() int { return len(b.recs) }

// Report is a report row to insert.
type Report struct {
	model.Report
	// RawOffset and RawLength place Raw in the plan's chunk: see Chunk.
	RawOffset, RawLength int64
	SupersededBy         string // set when a later record of the same batch replaces it
}

// Claim is a claim row to insert.
type Claim struct {
	model.Claim
	IncidentID   string
	SupersededBy string
	Doc          []byte // the claim as JSON
	// DocOffset and DocLength place Doc in the plan's chunk (that of the
	// claim's report): see Chunk.
	DocOffset, DocLength int64
}

// Incident is an incident row to insert or update, in its state after the
// batch.
type Incident struct {
	model.Incident
	Doc []byte // the incident as JSON: the same bytes as its last version's
}

// Actors returns the text the Actor filter searches: the lower-cased
// perpetrator and claimed_by names, one a line.
func Actors(inc model.Incident) string {
	parts := make([]string, 0, 1+len(inc.ClaimedBy))
	if inc.Perpetrator != "" {
		parts = append(parts, inc.Perpetrator)
	}
	parts = append(parts, inc.ClaimedBy...)
	return strings.ToLower(strings.Join(parts, "\n"))
}

// Fold returns s as stored for a case-insensitive exact match (admin1).
// Folding in Go rather than SQL keeps the backends alike: SQLite's lower()
// only knows ASCII.
func Fold(s string) string { return strings.ToLower(s) }

// Version is an incident version row to append; Incident is the snapshot.
type Version struct {
	store.Version
	Doc []byte
	// Current is set on the last version of each incident in the plan:
	// the incident row holds the same document, so the version row stores
	// NULL for it, meaning "the incident's document". Before a stored
	// incident changes, its NULL version gets the document the incident
	// row still holds.
	Current bool
}

// Version rows store their document as NULL while they are the
// incident's current version: an import would otherwise write every new
// incident's document twice. Before a stored incident changes, a backend
// fills in its NULL version from the incident row (the saveCurrentSQL of
// each backend), then inserts the plan's versions and updates the
// incident. Readers take coalesce(v.doc, i.doc).

// Supersede marks a stored row (report or claim) as replaced by another.
type Supersede struct {
	ID, By string
}

// Plan is what one batch writes. A backend inserts Reports, NewIncidents,
// Claims and Versions in that order (claims point at reports and
// incidents; versions at incidents), then applies Changed and the
// Superseded lists to stored rows.
type Plan struct {
	Counts store.BatchCounts

	Reports      []Report
	NewIncidents []Incident
	Claims       []Claim
	Versions     []Version
	// Changed are stored incidents to update, in their state after the batch.
	Changed []Incident
	// SupersededReports and SupersededClaims are stored rows that this
	// batch replaces.
	SupersededReports []Supersede
	SupersededClaims  []Supersede

	batch *Batch
	seen  []Row            // what the plan was made from, sorted, for Check
	chunk chan chunkResult // the compressed chunk, once Encode started it
}

// chunkResult is a compressed raw chunk, or why there is none.
type chunkResult struct {
	codec string
	data  []byte
	err   error
}

// key names a source reference.
type key struct{ source, ref string }

// current is the current report of a source reference, stored or planned.
type current struct {
	reportID   string
	hash       string
	revision   int64
	claimIDs   []string
	incidentID string
	report     int   // index in Plan.Reports when planned in this batch, else -1
	claims     []int // indexes in Plan.Claims when planned
}

// refState is what planning knows of one source reference.
type refState struct {
	ids map[string]bool // every report id of the reference, stored or planned
	cur *current
}

// incState is what planning knows of one incident touched by the batch.
type incState struct {
	inc     model.Incident
	planned int // index in Plan.NewIncidents, or -1 when stored
	changed int // index in Plan.Changed, or -1 while unchanged
}

// Make plans the batch from what r says the store holds.
func (b *Batch) Make(ctx context.Context, r Reader) (*Plan, error) {
	rows, err := lookup(ctx, r, b.recs)
	if err != nil {
		return nil, err
	}
	refs := make(map[key]*refState, len(b.recs))
	for _, row := range rows {
		k := key{row.Source, row.Ref}
		st := refs[k]
		if st == nil {
			st = &refState{ids: make(map[string]bool, 1)}
			refs[k] = st
		}
		st.ids[row.ReportID] = true
		if !row.Current {
			continue
		}
		if st.cur == nil {
			st.cur = &current{reportID: row.ReportID, hash: row.Hash, revision: row.Revision, report: -1}
		}
		if row.ClaimID != "" {
			st.cur.claimIDs = append(st.cur.claimIDs, row.ClaimID)
			if st.cur.incidentID == "" {
				st.cur.incidentID = row.IncidentID
			}
		}
	}

	p := &Plan{batch: b, seen: rows}
	// Room for every record whose reference is not stored: growing these
	// slices of large structs by append was a third of the bytes a first
	// import allocated, and much of its garbage collection.
	if fresh := len(b.recs) - len(refs); fresh > 0 {
		p.Reports = make([]Report, 0, fresh)
		p.Claims = make([]Claim, 0, fresh)
		p.NewIncidents = make([]Incident, 0, fresh)
		p.Versions = make([]Version, 0, fresh)
	}
	incs, err := p.preload(ctx, r, refs)
	if err != nil {
		return nil, err
	}
	for i := range b.recs {
		if err := p.add(ctx, r, refs, incs, b.recs[i]); err != nil {
			return nil, err
		}
	}
	for _, st := range incs {
		if st.planned >= 0 {
			p.NewIncidents[st.planned].Incident = st.inc
		} else if st.changed >= 0 {
			p.Changed[st.changed].Incident = st.inc
		}
	}
	return p, nil
}

// preload fetches in one query the stored incidents that the batch's
// updates will touch: those of references whose record differs from the
// stored current report. It may fetch a few that turn out untouched.
func (p *Plan) preload(ctx context.Context, r Reader, refs map[key]*refState) (map[string]*incState, error) {
	incs := make(map[string]*incState)
	var ids []string
	for _, rec := range p.batch.recs {
		st := refs[key{rec.Report.Source, rec.Report.SourceRef}]
		if st == nil || st.cur == nil || !changes(st.cur, rec.Report) {
			continue
		}
		id := st.cur.incidentID
		if id == "" {
			id = model.IncidentIDFor(rec.Report.Source, rec.Report.SourceRef)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return incs, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for chunk := range slices.Chunk(ids, LookupChunk) {
		got, err := r.Incidents(ctx, chunk)
		if err != nil {
			return nil, fmt.Errorf("load incidents: %w", err)
		}
		for id, inc := range got {
			incs[id] = &incState{inc: inc, planned: -1, changed: -1}
		}
	}
	return incs, nil
}

// changes reports whether a record with report rep changes the current
// report: different content and a revision that is not older.
func changes(cur *current, rep model.Report) bool {
	return rep.Hash != cur.hash && rep.Revision >= cur.revision
}

// add plans one record.
func (p *Plan) add(ctx context.Context, r Reader, refs map[key]*refState, incs map[string]*incState, rec model.Record) error {
	at := p.batch.at
	k := key{rec.Report.Source, rec.Report.SourceRef}
	st := refs[k]
	if st == nil {
		st = &refState{ids: make(map[string]bool, 1)}
		refs[k] = st
	}
	cur := st.cur
	if cur != nil && !changes(cur, rec.Report) {
		p.Counts.Unchanged++
		return nil
	}

	// Reports are immutable: a changed report whose id is taken (a source
	// without revisions, or the same revision edited) gets a numbered id.
	rep, c := rec.Report, rec.Claim
	if id := uniqueID(st.ids, rep.ID); id != rep.ID {
		if rest, ok := strings.CutPrefix(c.ID, rep.ID+"#"); ok {
			c.ID = id + "#" + rest
		}
		rep.ID, c.ReportID = id, id
	}
	st.ids[rep.ID] = true

	next := &current{reportID: rep.ID, hash: rep.Hash, revision: rep.Revision,
		claimIDs: []string{c.ID}, report: len(p.Reports), claims: []int{len(p.Claims)}}
	p.Reports = append(p.Reports, Report{Report: rep})

	var reason string
	var inc *incState
	if cur == nil {
		p.Counts.New++
		reason = "imported " + rep.ID
		next.incidentID = model.IncidentIDFor(rep.Source, rep.SourceRef)
	} else {
		p.Counts.Updated++
		reason = "updated from " + rep.ID
		p.supersede(cur, rep.ID, c.ID)
		next.incidentID = cur.incidentID
		if next.incidentID == "" {
			next.incidentID = model.IncidentIDFor(rep.Source, rep.SourceRef)
		}
		var err error
		if inc, err = p.incident(ctx, r, incs, next.incidentID); err != nil {
			return err
		}
	}

	var snap model.Incident
	if inc == nil {
		snap = model.IncidentFromClaim(next.incidentID, c, at)
		incs[next.incidentID] = &incState{inc: snap, planned: len(p.NewIncidents), changed: -1}
		p.NewIncidents = append(p.NewIncidents, Incident{Incident: snap})
	} else {
		snap = Update(inc.inc, cur.claimIDs, c, at)
		inc.inc = snap
		if inc.planned < 0 && inc.changed < 0 {
			inc.changed = len(p.Changed)
			p.Changed = append(p.Changed, Incident{Incident: snap})
		}
	}
	p.Claims = append(p.Claims, Claim{Claim: c, IncidentID: next.incidentID})
	p.Versions = append(p.Versions, Version{Version: store.Version{
		IncidentID: snap.ID, Version: snap.Version, At: at, Author: Author, Reason: reason, Incident: snap}})
	st.cur = next
	return nil
}

// supersede marks the current report and its claims as replaced by the
// new report and claim.
func (p *Plan) supersede(cur *current, reportID, claimID string) {
	if cur.report >= 0 {
		p.Reports[cur.report].SupersededBy = reportID
	} else {
		p.SupersededReports = append(p.SupersededReports, Supersede{ID: cur.reportID, By: reportID})
	}
	if cur.report >= 0 {
		for _, i := range cur.claims {
			p.Claims[i].SupersededBy = claimID
		}
		return
	}
	for _, id := range cur.claimIDs {
		p.SupersededClaims = append(p.SupersededClaims, Supersede{ID: id, By: claimID})
	}
}

// incident returns the state of an incident an update touches: planned in
// this batch, preloaded, or (rarely) loaded now. Nil when it does not exist.
func (p *Plan) incident(ctx context.Context, r Reader, incs map[string]*incState, id string) (*incState, error) {
	if st, ok := incs[id]; ok {
		return st, nil
	}
	got, err := r.Incidents(ctx, []string{id})
	if err != nil {
		return nil, fmt.Errorf("load incident %s: %w", id, err)
	}
	inc, ok := got[id]
	if !ok {
		return nil, nil
	}
	st := &incState{inc: inc, planned: -1, changed: -1}
	incs[id] = st
	return st, nil
}

// uniqueID returns id, or id with the first free "~n" suffix when a report
// of the same reference already has it.
func uniqueID(taken map[string]bool, id string) string {
	if !taken[id] {
		return id
	}
	for n := len(taken) + 1; ; n++ {
		if c := id + "~" + strconv.Itoa(n); !taken[c] {
			return c
		}
	}
}

// Update returns the next version of inc after the claims old were
// replaced by c. A one-claim incident (what an import makes) is derived
// afresh from c, keeping its id, status and first sighting. A fused
// incident only swaps the claim: reconciling its figures is fusion's work.
func Update(inc model.Incident, old []string, c model.Claim, at time.Time) model.Incident {
	claims := make([]string, 0, len(inc.Claims)+1)
	for _, id := range inc.Claims {
		if !slices.Contains(old, id) {
			claims = append(claims, id)
		}
	}
	claims = append(claims, c.ID)
	var next model.Incident
	if len(claims) == 1 {
		next = model.IncidentFromClaim(inc.ID, c, inc.FirstSeen)
		if inc.Status != "" {
			next.Status = inc.Status
		}
	} else {
		next = inc
	}
	next.Claims = claims
	next.Version = inc.Version + 1
	next.Updated = at
	return next
}

// Encode does the plan's CPU work: the incidents' and versions' JSON
// documents before it returns, and the claims' documents and the
// compressed chunk (see Chunk) on a goroutine of their own, which the
// backend's write transaction overlaps with. The write is single-threaded,
// so the second core is better used here. A large batch's versions are
// split over two goroutines.
func (p *Plan) Encode() error {
	p.chunk = make(chan chunkResult, 1)
	go func() {
		codec, data, err := p.encodeChunk()
		p.chunk <- chunkResult{codec, data, err}
	}()

	encode := func(versions []Version) error {
		var err error
		for i := range versions {
			v := &versions[i]
			var ok bool
			if v.Doc, ok = appendIncident(make([]byte, 0, 1024), &v.Incident); ok {
				continue
			}
			if v.Doc, err = json.Marshal(v.Incident); err != nil {
				return fmt.Errorf("incident %s version %d: %w", v.IncidentID, v.Version.Version, err)
			}
		}
		return nil
	}
	var err error
	if len(p.Versions) < parallelEncode {
		err = encode(p.Versions)
	} else {
		v := len(p.Versions) / 2
		done := make(chan error, 1)
		go func() { done <- encode(p.Versions[:v]) }()
		err = encode(p.Versions[v:])
		err = errors.Join(<-done, err)
	}
	if err != nil {
		return err
	}
	// An incident's row has its last version's document.
	last := make(map[string]int, len(p.NewIncidents)+len(p.Changed))
	for i := range p.Versions {
		last[p.Versions[i].IncidentID] = i
	}
	for _, i := range last {
		p.Versions[i].Current = true
	}
	for _, list := range [][]Incident{p.NewIncidents, p.Changed} {
		for i := range list {
			if v, ok := last[list[i].ID]; ok {
				list[i].Doc = p.Versions[v].Doc
			}
		}
	}
	p.sortByKey()
	return nil
}

// sortByKey puts the new incidents and the versions in primary-key order.
// Incident ids are hashes, so in file order every insert lands on a random
// page of the table's (or its key index's) b-tree; in key order a batch's
// inserts walk the b-tree once, left to right, and share the pages they
// dirty. In a SQLite import of 200,000 GTD rows this took about a tenth
// off the writer's CPU (bench/importfloor, docs/BENCHMARKS.md). Claims
// and reports keep their order: their ids follow the file already, and
// fusion pages claims by rowid, so their order is the order it sees.
// Nothing else reads the order of these two lists once Encode has
// matched each incident to its last version.
func (p *Plan) sortByKey() {
	p.NewIncidents = permute(p.NewIncidents, func(a, b *Incident) int { return strings.Compare(a.ID, b.ID) })
	p.Versions = permute(p.Versions, func(a, b *Version) int {
		return cmp.Or(strings.Compare(a.IncidentID, b.IncidentID), cmp.Compare(a.Version.Version, b.Version.Version))
	})
}

// permute returns list sorted by compare, which must order no two elements
// alike (a primary key). It sorts indexes and copies each element once:
// the elements are large (a whole incident each), and sorting them in
// place moved them many times (0.75 of the 1.4 CPU seconds of planning
// a 200,000-row import).
func permute[T any](list []T, compare func(a, b *T) int) []T {
	if len(list) < 2 {
		return list
	}
	order := make([]int32, len(list))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compare(&list[a], &list[b]) })
	out := make([]T, len(list))
	for i, j := range order {
		out[i] = list[j]
	}
	return out
}

// encodeChunk writes the claims' documents, places every report's raw
// bytes, then every claim's document, in the plan's chunk, and compresses
// it. Claim documents are read only by Claims, an incident's history; in
// the chunk they compress with the raw rows they repeat.
func (p *Plan) encodeChunk() (codec string, data []byte, err error) {
	// The raw reports first, then each claim's document written straight
	// after them; a claim's Doc is its part of the one buffer.
	var n int64
	for i := range p.Reports {
		r := &p.Reports[i]
		r.RawOffset, r.RawLength = n, int64(len(r.Raw))
		n += r.RawLength
	}
	raw := make([]byte, 0, int(n)+len(p.Claims)*docGuess)
	for i := range p.Reports {
		raw = append(raw, p.Reports[i].Raw...)
	}
	var e claimEncoder
	for i := range p.Claims {
		c := &p.Claims[i]
		start := len(raw)
		if raw, err = e.append(raw, c.Claim); err != nil {
			return "", nil, fmt.Errorf("claim %s: %w", c.ID, err)
		}
		c.DocOffset, c.DocLength = int64(start), int64(len(raw)-start)
	}
	for i := range p.Claims {
		c := &p.Claims[i]
		c.Doc = raw[c.DocOffset : c.DocOffset+c.DocLength : c.DocOffset+c.DocLength]
	}
	return EncodeChunk(raw)
}

// docGuess is the room encodeChunk makes for each claim's document: a
// GTD claim's is 1.6 kB on average.
const docGuess = 1664

// Chunk returns the plan's chunk, compressed: the raw bytes of Reports,
// then the documents of Claims, concatenated in order. It waits for the
// goroutine that Encode started, and must be called at most once, after
// Encode. Until it returns, that goroutine writes the claims' Doc,
// DocOffset and DocLength and the reports' RawOffset and RawLength: a
// backend reads them only after Chunk.
func (p *Plan) Chunk() (codec string, data []byte, err error) {
	if p.chunk == nil {
		return "", nil, errors.New("raw chunk: plan not encoded")
	}
	r := <-p.chunk
	return r.codec, r.data, r.err
}

// parallelEncode is the smallest batch that Encode splits over two
// goroutines: below it a goroutine costs more than it saves.
const parallelEncode = 64

// Empty reports whether the plan writes nothing: every record unchanged.
// Such a batch needs no write transaction: its counts hold for the state
// it was planned on, a committed state of the store.
func (p *Plan) Empty() bool {
	return len(p.Reports) == 0 && len(p.Changed) == 0 && len(p.SupersededReports) == 0 && len(p.SupersededClaims) == 0
}

// Check reports whether the store still holds what the plan was made
// from, looking the batch's references up again through r (the write
// transaction).
func (p *Plan) Check(ctx context.Context, r Reader) (bool, error) {
	rows, err := lookup(ctx, r, p.batch.recs)
	if err != nil {
		return false, err
	}
	return slices.Equal(rows, p.seen), nil
}

// lookup asks r for the stored reports of every reference in recs, one
// query per source and chunk, and returns the rows sorted.
func lookup(ctx context.Context, r Reader, recs []model.Record) ([]Row, error) {
	bySource := make(map[string][]string)
	seen := make(map[key]bool, len(recs))
	for _, rec := range recs {
		k := key{rec.Report.Source, rec.Report.SourceRef}
		if !seen[k] {
			seen[k] = true
			bySource[k.source] = append(bySource[k.source], k.ref)
		}
	}
	var rows []Row
	for _, src := range slices.Sorted(maps.Keys(bySource)) {
		for chunk := range slices.Chunk(bySource[src], LookupChunk) {
			got, err := r.Lookup(ctx, src, chunk)
			if err != nil {
				return nil, fmt.Errorf("look up %s references: %w", src, err)
			}
			rows = append(rows, got...)
		}
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Ref, b.Ref),
			cmp.Compare(a.ReportID, b.ReportID), cmp.Compare(a.ClaimID, b.ClaimID))
	})
	return rows, nil
}
