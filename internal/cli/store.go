package cli

import (
	"context"
	"fmt"

	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// backend is what the command line needs of a store: the union of the
// small interfaces its commands use, so one value can be opened once.
type backend interface {
	ingest.Store
	Incidents(ctx context.Context, f store.Filter, fn func(model.Incident) error) error
	IncidentDocs(ctx context.Context, f store.Filter, fn func(doc []byte) error) error
	Incident(ctx context.Context, id string) (model.Incident, error)
	Claims(ctx context.Context, incidentID string) ([]store.StoredClaim, error)
	Versions(ctx context.Context, incidentID string) ([]store.Version, error)
	Stats(ctx context.Context) (store.Stats, error)
	Rejections(ctx context.Context, source string, limit int) ([]store.Rejection, error)
	SchemaVersion(ctx context.Context) (int, error)
	Backup(ctx context.Context, dst string) error
	// AppendAudit records the changes commands make (see record).
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	Close() error
}

// openStore opens the store a --db value names: a postgres:// URL or a
// SQLite file path.
func openStore(ctx context.Context, dsn string) (backend, error) {
	if isPostgres(dsn) {
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres store: %w", err)
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", dsn, err)
	}
	return s, nil
}
