package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// A snapshot is the whole store's aggregate columns in memory, one array
// per column (about 30 bytes an incident): a scan of a million incidents
// in Go takes milliseconds where a GROUP BY over the store takes a
// second. It belongs to one store generation and answers only while the
// store is at that generation; otherwise aggregates go to the store and a
// new snapshot is built in the background.
//
// It gives exactly what the stores' Aggregate gives (the same filters and
// keys, buckets in the same order, admin1 named as its incident of the
// smallest id spells it); TestSnapshotMatchesStore holds it to that.
type snapshot struct {
	gen        int64
	start, end []int32  // days since 1970-01-01; noDay when unknown
	month      []uint32 // periodKey of the start's month, computed once
	country    []uint32
	admin1     []uint32 // folded
	perp       []uint32
	actors     []uint32 // the store's actors text
	typ        []uint32
	status     []uint32
	killed     []int32 // -1 when unknown
	// rank orders the rows by incident id, and spelt is each row's admin1
	// as spelt: a group by admin1 is named as its row of the smallest id
	// spells it, as the stores name it. (The rows stay in the store's
	// order, mostly by time of import: sorted by id, the rows of one
	// month or region would be scattered and their groups read at random.)
	rank  []int32
	spelt []uint32
	strs  []string
	ids   map[string]uint32
	dims  map[store.Dimension]dimension

	pairMu sync.Mutex
	pairs  map[[2]store.Dimension]*pairDim
}

// pairDim is the dense codes of the pairs of two dimensions' groups that
// occur: code[i] is row i's pair, parts[p] the two groups of pair p.
type pairDim struct {
	code  []uint32
	parts [][2]uint32
}

// pair returns the pair codes of dimensions a and b, made on first use
// (a pass over the rows with a map, tens of milliseconds for a million)
// and kept with the snapshot.
func (s *snapshot) pair(a, b store.Dimension, da, db dimension) *pairDim {
	s.pairMu.Lock()
	defer s.pairMu.Unlock()
	k := [2]store.Dimension{a, b}
	if pd, ok := s.pairs[k]; ok {
		return pd
	}
	n := len(s.start)
	pd := &pairDim{code: make([]uint32, n)}
	seen := map[uint64]uint32{}
	for i := 0; i < n; i++ {
		key := uint64(da.code[i])<<32 | uint64(db.code[i])
		c, ok := seen[key]
		if !ok {
			c = uint32(len(pd.parts))
			seen[key] = c
			pd.parts = append(pd.parts, [2]uint32{da.code[i], db.code[i]})
		}
		pd.code[i] = c
	}
	if s.pairs == nil {
		s.pairs = map[[2]store.Dimension]*pairDim{}
	}
	s.pairs[k] = pd
	return pd
}

const noDay = -1 << 31

// RowStore is what the snapshot needs of a store, beside the server's
// Store: its aggregate columns. Both backends have it; a store without it
// answers every aggregate itself.
type RowStore interface {
	Rows(ctx context.Context, fn func(store.Row) error) error
}

func (s *snapshot) intern(v string) uint32 {
	if id, ok := s.ids[v]; ok {
		return id
	}
	id := uint32(len(s.strs))
	s.strs = append(s.strs, v)
	s.ids[v] = id
	return id
}

func dayNumber(d model.Date) int32 {
	if d.IsZero() {
		return noDay
	}
	return int32(d.Time().Unix() / 86400)
}

func dayDate(n int32) model.Date {
	return model.DateOf(time.Unix(int64(n)*86400, 0).UTC())
}

// buildSnapshot reads the store's rows. gen must have been read before
// the rows, so that a change during the read makes the snapshot stale
// rather than wrong.
func buildSnapshot(ctx context.Context, rs RowStore, gen int64) (*snapshot, error) {
	s := &snapshot{gen: gen, ids: map[string]uint32{}}
	var ids []string
	err := rs.Rows(ctx, func(r store.Row) error {
		s.start = append(s.start, dayNumber(r.Start))
		s.month = append(s.month, periodKey(dayNumber(r.Start), false))
		s.end = append(s.end, dayNumber(r.End))
		c, a := s.intern(r.Country), s.intern(r.Admin1)
		s.country = append(s.country, c)
		s.admin1 = append(s.admin1, a)
		s.perp = append(s.perp, s.intern(r.Perpetrator))
		s.actors = append(s.actors, s.intern(r.Actors))
		s.typ = append(s.typ, s.intern(string(r.AttackType)))
		s.status = append(s.status, s.intern(string(r.Status)))
		s.killed = append(s.killed, int32(r.KilledBest))
		s.spelt = append(s.spelt, s.intern(r.Admin1Name))
		ids = append(ids, r.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	order := make([]int32, len(ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(ids[a], ids[b]) })
	s.rank = make([]int32, len(ids))
	for r, i := range order {
		s.rank[i] = int32(r)
	}
	s.buildDims()
	return s, nil
}

// dimension is one dimension's dense codes: code[i] is row i's group in
// it, keys[c] what group c is (its bucket fields and sort key).
type dimension struct {
	code []uint32
	keys []dimKey
}

type dimKey struct {
	sort  []string // the store's ORDER BY columns
	value string   // period, country, actor or attack type
	pair  [2]uint32
}

// encode gives each distinct value of key(i) a dense code.
func (s *snapshot) encode(key func(i int) dimKey, id func(i int) uint64) dimension {
	n := len(s.start)
	d := dimension{code: make([]uint32, n)}
	codes := map[uint64]uint32{}
	for i := 0; i < n; i++ {
		k := id(i)
		c, ok := codes[k]
		if !ok {
			c = uint32(len(d.keys))
			codes[k] = c
			d.keys = append(d.keys, key(i))
		}
		d.code[i] = c
	}
	return d
}

// dims builds the dense codes of every dimension, once per snapshot.
func (s *snapshot) buildDims() {
	s.dims = map[store.Dimension]dimension{
		store.ByWeek: s.encode(func(i int) dimKey {
			p := periodString(periodKey(s.start[i], true), true)
			return dimKey{sort: []string{p}, value: p}
		}, func(i int) uint64 { return uint64(periodKey(s.start[i], true)) }),
		store.ByMonth: s.encode(func(i int) dimKey {
			p := periodString(s.month[i], false)
			return dimKey{sort: []string{p}, value: p}
		}, func(i int) uint64 { return uint64(s.month[i]) }),
		store.ByCountry: s.encode(func(i int) dimKey {
			c := s.strs[s.country[i]]
			return dimKey{sort: []string{c}, value: c}
		}, func(i int) uint64 { return uint64(s.country[i]) }),
		store.ByAdmin1: s.encode(func(i int) dimKey {
			return dimKey{sort: []string{s.strs[s.country[i]], s.strs[s.admin1[i]]}, pair: [2]uint32{s.country[i], s.admin1[i]}}
		}, func(i int) uint64 { return uint64(s.country[i])<<32 | uint64(s.admin1[i]) }),
		store.ByActor: s.encode(func(i int) dimKey {
			a := s.strs[s.perp[i]]
			return dimKey{sort: []string{a}, value: a}
		}, func(i int) uint64 { return uint64(s.perp[i]) }),
		store.ByType: s.encode(func(i int) dimKey {
			t := s.strs[s.typ[i]]
			return dimKey{sort: []string{t}, value: t}
		}, func(i int) uint64 { return uint64(s.typ[i]) }),
	}
}

// aggregate computes what store.Aggregate would for f and by.
func (s *snapshot) aggregate(f store.Filter, by []store.Dimension) ([]store.Bucket, error) {
	if len(by) == 0 || len(by) > 2 {
		return nil, fmt.Errorf("aggregate: want one or two dimensions, got %d", len(by))
	}
	ds := make([]dimension, len(by))
	for j, d := range by {
		dim, ok := s.dims[d]
		if !ok {
			return nil, fmt.Errorf("aggregate: unknown dimension %q", d)
		}
		ds[j] = dim
	}
	match, err := s.matcher(f)
	if err != nil {
		return nil, err
	}
	// Two dimensions are grouped by the pairs that occur (a few per cent
	// of the product of months and regions), so that the accumulators of
	// a month-by-region aggregate fit in the processor's caches.
	var code []uint32
	var parts [][2]uint32
	if len(ds) == 2 {
		pd := s.pair(by[0], by[1], ds[0], ds[1])
		code, parts = pd.code, pd.parts
	} else {
		code = ds[0].code
	}
	groups := len(ds[0].keys)
	if parts != nil {
		groups = len(parts)
	}
	// Only a group by admin1 needs its row of the smallest id (for the
	// spelling); that row's rank is kept beside the counts, as reading the
	// rank of the group's current first row would be a random read per row.
	spell := slices.Contains(by, store.ByAdmin1)
	type acc struct {
		count, first, firstRank int32
		killed                  int64
	}
	accs := make([]acc, groups)
	n := len(s.start)
	// A period from a day on (the timeline's commonest selection) is
	// tested inline rather than through the matcher's closure.
	since := int32(noDay)
	if rest := f; !f.Since.IsZero() {
		rest.Since, rest.After, rest.Limit, rest.Desc = model.Date{}, "", 0, false
		if rest == (store.Filter{}) {
			since, match = dayNumber(f.Since), nil
		}
	}
	end, rank, killed, code := s.end[:n], s.rank[:n], s.killed[:n], code[:n]
	for i := 0; i < n; i++ {
		if end[i] < since || match != nil && !match(i) {
			continue
		}
		a := &accs[code[i]]
		if spell {
			if r := rank[i]; a.count == 0 || r < a.firstRank {
				a.first, a.firstRank = int32(i), r
			}
		}
		a.count++
		if k := killed[i]; k > 0 {
			a.killed += int64(k)
		}
	}
	type row struct {
		sort []string
		b    store.Bucket
	}
	var rows []row
	emit := func(g int, a *acc) {
		r := row{b: store.Bucket{Count: int(a.count), Killed: int(a.killed)}}
		codes := [2]uint32{uint32(g), 0}
		if parts != nil {
			codes = parts[g]
		}
		for j, d := range by {
			k := ds[j].keys[codes[j]]
			r.sort = append(r.sort, k.sort...)
			switch d {
			case store.ByWeek, store.ByMonth:
				r.b.Period = k.value
			case store.ByCountry:
				r.b.Country = k.value
			case store.ByAdmin1:
				r.b.Country = s.strs[k.pair[0]]
				r.b.Admin1 = s.strs[s.spelt[a.first]]
			case store.ByActor:
				r.b.Actor = k.value
			case store.ByType:
				r.b.AttackType = model.AttackType(k.value)
			}
		}
		rows = append(rows, r)
	}
	for g := range accs {
		if accs[g].count > 0 {
			emit(g, &accs[g])
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return slices.Compare(a.sort, b.sort) })
	out := make([]store.Bucket, len(rows))
	for i, r := range rows {
		out[i] = r.b
	}
	return out, nil
}

// unknownPeriod marks an undated incident's period key.
const unknownPeriod = ^uint32(0)

// periodKey is the day number of the Monday on or before day (week) or
// of the first of its month, offset to stay positive.
func periodKey(day int32, week bool) uint32 {
	if day == noDay {
		return unknownPeriod
	}
	if week {
		// 1970-01-01 was a Thursday: Monday is 3 days before.
		wd := (int64(day) + 3) % 7
		if wd < 0 {
			wd += 7
		}
		return uint32(int64(day) - wd + 1<<30)
	}
	d := dayDate(day)
	return uint32(int64(dayNumber(model.Date{Year: d.Year, Month: d.Month, Day: 1})) + 1<<30)
}

func periodString(k uint32, week bool) string {
	if k == unknownPeriod {
		return ""
	}
	d := dayDate(int32(int64(k) - 1<<30))
	if week {
		return d.String()
	}
	return d.String()[:7]
}

// matcher compiles f into a test of row i, as the stores' filterSQL.
func (s *snapshot) matcher(f store.Filter) (func(int) bool, error) {
	var tests []func(int) bool
	lookup := func(v string) (uint32, bool) { id, ok := s.ids[v]; return id, ok }
	none := func(int) bool { return false }
	if f.Country != "" {
		id, ok := lookup(strings.ToUpper(f.Country))
		if !ok {
			return none, nil
		}
		tests = append(tests, func(i int) bool { return s.country[i] == id })
	}
	if f.Admin1 != "" {
		id, ok := lookup(strings.ToLower(f.Admin1))
		if !ok {
			return none, nil
		}
		tests = append(tests, func(i int) bool { return s.admin1[i] == id })
	}
	if f.Actor != "" {
		// The substring test runs once per distinct actors text.
		needle := strings.ToLower(f.Actor)
		hit := make([]int8, len(s.strs)) // 0 unknown, 1 yes, -1 no
		tests = append(tests, func(i int) bool {
			a := s.actors[i]
			if hit[a] == 0 {
				hit[a] = -1
				if strings.Contains(s.strs[a], needle) {
					hit[a] = 1
				}
			}
			return hit[a] == 1
		})
	}
	if f.AttackType != "" {
		id, ok := lookup(string(f.AttackType))
		if !ok {
			return none, nil
		}
		tests = append(tests, func(i int) bool { return s.typ[i] == id })
	}
	if f.Status != "" {
		id, ok := lookup(string(f.Status))
		if !ok {
			return none, nil
		}
		tests = append(tests, func(i int) bool { return s.status[i] == id })
	}
	if !f.Since.IsZero() {
		d := dayNumber(f.Since)
		tests = append(tests, func(i int) bool { return s.end[i] != noDay && s.end[i] >= d })
	}
	if !f.Until.IsZero() {
		d := dayNumber(f.Until)
		tests = append(tests, func(i int) bool { return s.start[i] != noDay && s.start[i] <= d })
	}
	if f.MinKilled > 0 {
		k := int32(min(f.MinKilled, 1<<31-1))
		tests = append(tests, func(i int) bool { return s.killed[i] >= k })
	}
	switch len(tests) {
	case 0:
		return nil, nil
	case 1:
		return tests[0], nil
	}
	return func(i int) bool {
		for _, t := range tests {
			if !t(i) {
				return false
			}
		}
		return true
	}, nil
}

// snapshots keeps the current snapshot and builds the next one, one at a
// time, in the background.
type snapshots struct {
	rs       RowStore
	mu       sync.Mutex
	cur      *snapshot
	building bool
	onError  func(error)
	onReady  func(rows int, took time.Duration)
	// notBefore holds off the next build for as long as the last one
	// took: while the store changes all the time (an import), rebuilding
	// takes at most half of one core.
	notBefore time.Time
}

// current returns the latest snapshot built, or nil.
func (ss *snapshots) current() *snapshot {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.cur
}

// get returns the snapshot of generation gen, or nil (and starts building
// one) when there is none yet.
func (ss *snapshots) get(gen int64, build func(context.Context) (int64, error)) *snapshot {
	if ss == nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cur != nil && ss.cur.gen == gen {
		return ss.cur
	}
	if !ss.building && !time.Now().Before(ss.notBefore) {
		ss.building = true
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			var snap *snapshot
			t0 := time.Now()
			g, err := build(ctx)
			if err == nil {
				snap, err = buildSnapshot(ctx, ss.rs, g)
			}
			ss.mu.Lock()
			defer ss.mu.Unlock()
			ss.building = false
			ss.notBefore = time.Now().Add(time.Since(t0))
			if err != nil {
				ss.onError(err)
				return
			}
			ss.cur = snap
			if ss.onReady != nil {
				ss.onReady(len(snap.start), time.Since(t0))
			}
		}()
	}
	return nil
}
