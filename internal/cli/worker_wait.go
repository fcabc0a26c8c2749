package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/store/postgres"
)

// openWhenReady opens the workers' PostgreSQL store, waiting (with a
// growing pause, up to 30 s) while the server cannot be reached or is
// starting up or shutting down: a worker started during an outage — by
// an orchestrator restarting it, or at the same time as the database —
// waits for it instead of exiting and being restarted in a loop. Any
// other error (a wrong password, no such database, a schema too new)
// ends it at once.
func openWhenReady(ctx context.Context, log *slog.Logger, dsn string) (*postgres.Store, error) {
	pause := time.Second
	for attempt := 1; ; attempt++ {
		st, err := postgres.Open(ctx, dsn)
		if err == nil {
			if attempt > 1 {
				log.Info("worker: PostgreSQL answers", "attempts", attempt)
			}
			return st, nil
		}
		if !unreachable(err) || ctx.Err() != nil {
			return nil, err
		}
		if attempt == 1 || attempt%10 == 0 {
			log.Warn("worker: PostgreSQL does not answer: waiting for it", "attempt", attempt, "error", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for PostgreSQL: %w", errors.Join(err, ctx.Err()))
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// unreachable says whether a connection error is one that goes away by
// itself: nothing listening or answering at the address (the server is
// down or restarting), or the server refusing connections only while it
// starts, recovers or shuts down.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P03", // cannot_connect_now: starting up, recovering
			"57P01", // admin_shutdown
			"57P02": // crash_shutdown
			return true
		}
		return false
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// healthPool is the one connection the queue's ready gate pings
// PostgreSQL through: its own, so that a ping never waits behind the
// fuse jobs holding the lock pool's connections (a busy pool is not a
// database that does not answer).
func healthPool(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres health check: invalid connection URL")
	}
	cfg.MaxConns, cfg.MinConns = 1, 0
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres health check: %w", err)
	}
	return p, nil
}
