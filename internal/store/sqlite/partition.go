package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-project/vigil/internal/fuse"
)

// UnfusedClaimsIn returns up to limit claims of one country (an ISO code
// as the claims carry it; "" for claims without a country) not yet fused,
// in the order of UnfusedClaims: what a fusion partition works on, read
// from the partial index on (country, id) of the waiting claims instead
// of scanning every country's.
func (s *Store) UnfusedClaimsIn(ctx context.Context, country string, limit int) ([]fuse.StoredClaim, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+strings.Replace(locatedCols, "FROM claims c", "FROM claims c INDEXED BY claims_unfused_country", 1)+`
		WHERE c.fused = 0 AND c.country = ? ORDER BY c.id LIMIT ?`, country, limit)
	if err != nil {
		return nil, fmt.Errorf("unfused claims of %q: %w", country, err)
	}
	var found []located
	for rows.Next() {
		c, err := scanLocated(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("unfused claims of %q: %w", country, err)
		}
		found = append(found, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unfused claims of %q: %w", country, err)
	}
	out, err := s.readLocated(ctx, found)
	if err != nil {
		return nil, fmt.Errorf("unfused claims of %q: %w", country, err)
	}
	return out, nil
}

// UnfusedCountries returns the countries (as the claims carry them, ""
// for none) that have claims waiting for fusion, sorted: what a starting
// fuse worker announces, read from the same index, however large the
// backlog.
func (s *Store) UnfusedCountries(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT country FROM claims INDEXED BY claims_unfused_country WHERE fused = 0 ORDER BY country`)
	if err != nil {
		return nil, fmt.Errorf("unfused countries: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("unfused countries: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unfused countries: %w", err)
	}
	return out, nil
}
