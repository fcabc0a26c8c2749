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
