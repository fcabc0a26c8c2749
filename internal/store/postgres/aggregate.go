package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Aggregate counts the incidents f selects, and adds up their killed,
// grouped by the dimensions by (see store.Bucket), in key order. f's
// cursor and limit are ignored: an aggregate covers the whole selection.
func (s *Store) Aggregate(ctx context.Context, f store.Filter, by []store.Dimension) ([]store.Bucket, error) {
	defer s.op("aggregate")()
	f.After, f.Limit = "", 0
	where, args, err := filterSQL(f)
	if err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	var keys []string
	admin1 := false
	for _, d := range by {
		switch d {
		case store.ByWeek:
			keys = append(keys, `coalesce(to_char(date_trunc('week', start_date), 'YYYY-MM-DD'), '')`)
		case store.ByMonth:
			keys = append(keys, `coalesce(to_char(start_date, 'YYYY-MM'), '')`)
		case store.ByCountry:
			keys = append(keys, `country`)
		case store.ByAdmin1:
			keys = append(keys, `country`, `admin1`)
			admin1 = true
		case store.ByActor:
			keys = append(keys, `perpetrator`)
		case store.ByType:
			keys = append(keys, `attack_type`)
		default:
			return nil, fmt.Errorf("aggregate: unknown dimension %q", d)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("aggregate: no dimension")
	}
	cols := make([]string, len(keys))
	groups := make([]string, len(keys))
	ordinals := make([]string, len(keys))
	for i, k := range keys {
		ordinals[i] = fmt.Sprint(i + 1)
		cols[i] = fmt.Sprintf("%s AS k%d", k, i)
		// COLLATE "C" orders keys bytewise, as SQLite does.
		groups[i] = fmt.Sprintf(`k%d COLLATE "C"`, i)
	}
	inner := `SELECT ` + strings.Join(cols, ", ") + `, count(*)::bigint AS n, coalesce(sum(killed_best), 0)::bigint AS killed,
		min(id) AS r FROM incidents` + where + ` GROUP BY ` + strings.Join(ordinals, ", ")
	q := `SELECT g.*, '' FROM (` + inner + `) g ORDER BY ` + strings.Join(groups, ", ")
	if admin1 {
		// The folded admin1 key is named as its first incident spells it.
		q = `SELECT g.*, coalesce(i.doc->>'admin1', '') FROM (` + inner + `) g
			JOIN incidents i ON i.id = g.r ORDER BY ` + strings.Join(groups, ", ")
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	defer rows.Close()
	out := []store.Bucket{}
	for rows.Next() {
		vals := make([]string, len(keys))
		dest := make([]any, 0, len(keys)+4)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		var b store.Bucket
		var n, killed int64
		var r, name string
		dest = append(dest, &n, &killed, &r, &name)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
		b.Count, b.Killed = int(n), int(killed)
		fillBucket(&b, by, vals, name)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	return out, nil
}

// fillBucket sets b's keys from the key columns in the order Aggregate
// selected them (admin1 takes two: country and the folded name).
func fillBucket(b *store.Bucket, by []store.Dimension, vals []string, admin1Name string) {
	i := 0
	for _, d := range by {
		switch d {
		case store.ByWeek, store.ByMonth:
			b.Period = vals[i]
		case store.ByCountry:
			b.Country = vals[i]
		case store.ByAdmin1:
			b.Country = vals[i]
			i++
			b.Admin1 = admin1Name
		case store.ByActor:
			b.Actor = vals[i]
		case store.ByType:
			b.AttackType = model.AttackType(vals[i])
		}
		i++
	}
}

// Generation returns a number that grows by one with each committed
// transaction that wrote what an answer is made of (incidents, claims,
// reports, sources, imports; see migration 0008) in this database, and
// only then: reads, and other databases of the cluster, leave it alone.
// It is read in one snapshot, so it never counts a write whose rows that
// snapshot does not show.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	defer s.op("generation")()
	var g int64
	if err := s.pool.QueryRow(ctx, `SELECT base + (SELECT count(*) FROM store_writes) FROM store_generation`).Scan(&g); err != nil {
		return 0, fmt.Errorf("store generation: %w", err)
	}
	return g, nil
}

// Rows calls fn with the aggregate columns of every incident, in no
// particular order, without decoding their documents: what a server needs
// to keep the whole store's aggregates in memory.
func (s *Store) Rows(ctx context.Context, fn func(store.Row) error) error {
	defer s.op("rows")()
	rows, err := s.pool.Query(ctx, `SELECT id, start_date, end_date, country, admin1, coalesce(doc->>'admin1', ''),
		attack_type, status, coalesce(killed_best, -1), perpetrator, actors FROM incidents`)
	if err != nil {
		return fmt.Errorf("incident rows: %w", err)
	}
	defer rows.Close()
	var r store.Row
	var start, end *time.Time
	var typ, status string
	for rows.Next() {
		if err := rows.Scan(&r.ID, &start, &end, &r.Country, &r.Admin1, &r.Admin1Name, &typ, &status, &r.KilledBest, &r.Perpetrator, &r.Actors); err != nil {
			return fmt.Errorf("incident rows: %w", err)
		}
		r.Start, r.End = model.Date{}, model.Date{}
		if start != nil {
			r.Start = model.DateOf(start.UTC())
		}
		if end != nil {
			r.End = model.DateOf(end.UTC())
		}
		r.AttackType, r.Status = model.AttackType(typ), model.Status(status)
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("incident rows: %w", err)
	}
	return nil
}
