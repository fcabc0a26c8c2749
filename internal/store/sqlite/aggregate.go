package sqlite

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
			// The Monday on or before the start: back six days, then
			// forward to the next Monday (or stay on one).
			keys = append(keys, `coalesce(date(start_date, '-6 days', 'weekday 1'), '')`)
		case store.ByMonth:
			keys = append(keys, `coalesce(substr(start_date, 1, 7), '')`)
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
	for i, k := range keys {
		cols[i] = fmt.Sprintf("%s AS k%d", k, i)
	}
	groups := make([]string, len(keys))
	for i := range keys {
		groups[i] = fmt.Sprintf("k%d", i)
	}
	inner := `SELECT ` + strings.Join(cols, ", ") + `, count(*) AS n, coalesce(sum(killed_best), 0) AS killed, min(id) AS r
		FROM incidents` + where + ` GROUP BY ` + strings.Join(groups, ", ")
	// The folded admin1 key is named as its incident of the smallest id
	// spells it (as in store/postgres): one lookup per group, not a JSON
	// read per incident.
	q := `SELECT g.*, '' FROM (` + inner + `) g ORDER BY ` + strings.Join(groups, ", ")
	if admin1 {
		q = `SELECT g.*, coalesce(json_extract(i.doc, '$.admin1'), '') FROM (` + inner + `) g
			JOIN incidents i ON i.id = g.r ORDER BY ` + strings.Join(groups, ", ")
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
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
		var r, name string
		dest = append(dest, &b.Count, &b.Killed, &r, &name)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
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

// Generation returns a number that grows with every change to what an
// answer is made of (incidents and their versions, claims, reports,
// sources, imports, prunes; see migration 0008), and only then: reads leave it
// alone. Reading it is one row's lookup, so a server can check it on
// each request.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	defer s.op("generation")()
	var g int64
	if err := s.read.QueryRowContext(ctx, `SELECT n FROM store_generation`).Scan(&g); err != nil {
		return 0, fmt.Errorf("store generation: %w", err)
	}
	return g, nil
}

// Rows calls fn with the aggregate columns of every incident, in no
// particular order, without decoding their documents: what a server needs
// to keep the whole store's aggregates in memory.
func (s *Store) Rows(ctx context.Context, fn func(store.Row) error) error {
	defer s.op("rows")()
	rows, err := s.read.QueryContext(ctx, `SELECT id, coalesce(start_date, ''), coalesce(end_date, ''), country, admin1,
		coalesce(json_extract(doc, '$.admin1'), ''), attack_type, status, coalesce(killed_best, -1), perpetrator, actors FROM incidents`)
	if err != nil {
		return fmt.Errorf("incident rows: %w", err)
	}
	defer rows.Close()
	var r store.Row
	var start, end, typ, status string
	for rows.Next() {
		if err := rows.Scan(&r.ID, &start, &end, &r.Country, &r.Admin1, &r.Admin1Name, &typ, &status, &r.KilledBest, &r.Perpetrator, &r.Actors); err != nil {
			return fmt.Errorf("incident rows: %w", err)
		}
		if r.Start, err = parseDay(start); err != nil {
			return fmt.Errorf("incident rows: %s: %w", r.ID, err)
		}
		if r.End, err = parseDay(end); err != nil {
			return fmt.Errorf("incident rows: %s: %w", r.ID, err)
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

// parseDay parses a stored 'YYYY-MM-DD' (” for unknown) without the
// cost of time.Parse, which would dominate a scan of a million rows.
func parseDay(s string) (model.Date, error) {
	if s == "" {
		return model.Date{}, nil
	}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return model.Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	n := func(b string) int {
		v := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, m, d := n(s[:4]), n(s[5:7]), n(s[8:])
	if y < 1 || m < 1 || m > 12 || d < 1 || d > 31 {
		return model.Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return model.Date{Year: y, Month: time.Month(m), Day: d}, nil
}
