package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/fuse"
)

// The queries of a fusion partition, both answered from the partial index
// claims_unfused_country (migration 0008).
const (
	unfusedInSQL        = `SELECT ` + locatedCols + ` WHERE NOT c.fused AND c.country = $1 ORDER BY c.seq LIMIT $2`
	unfusedCountriesSQL = `SELECT DISTINCT country FROM claims WHERE NOT fused ORDER BY country`
)

// UnfusedClaimsIn returns up to limit claims of one country (an ISO code
// as the claims carry it; "" for claims without a country) not yet fused,
// in the order of UnfusedClaims: what a fusion partition works on, read
// from the partial index on (country, seq) of the waiting claims instead
// of scanning every country's.
func (s *Store) UnfusedClaimsIn(ctx context.Context, country string, limit int) ([]fuse.StoredClaim, error) {
	found, err := s.queryLocated(ctx, unfusedInSQL, country, limit)
	if err != nil {
		return nil, fmt.Errorf("unfused claims of %q: %w", country, err)
	}
	out := make([]fuse.StoredClaim, len(found))
	for i := range found {
		out[i] = found[i].StoredClaim
	}
	return out, nil
}

// UnfusedCountries returns the countries (as the claims carry them, ""
// for none) that have claims waiting for fusion, sorted: what a starting
// fuse worker announces, read from the same index, however large the
// backlog.
func (s *Store) UnfusedCountries(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, unfusedCountriesSQL)
	if err != nil {
		return nil, fmt.Errorf("unfused countries: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("unfused countries: %w", err)
	}
	return out, nil
}
