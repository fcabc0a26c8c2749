package postgres

import (
	"context"
	"fmt"

	"github.com/vigil-project/vigil/internal/fuse"
)

// UnfusedClaimsIn returns up to limit claims of one country (an ISO code
// as the claims carry it; "" for claims without a country) not yet fused,
// in the order of UnfusedClaims: what a fusion partition works on, read
// from the partial index on (country, seq) of the waiting claims instead
// of scanning every country's.
func (s *Store) UnfusedClaimsIn(ctx context.Context, country string, limit int) ([]fuse.StoredClaim, error) {
	found, err := s.queryLocated(ctx, `SELECT `+locatedCols+` WHERE NOT c.fused AND c.country = $1 ORDER BY c.seq LIMIT $2`, country, limit)
	if err != nil {
		return nil, fmt.Errorf("unfused claims of %q: %w", country, err)
	}
	out := make([]fuse.StoredClaim, len(found))
	for i := range found {
		out[i] = found[i].StoredClaim
	}
	return out, nil
}
