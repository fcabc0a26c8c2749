package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/config"
	"github.com/vigil-project/vigil/internal/metrics"
)

// startServeAlerts runs the alert loop inside `vigil serve` every
// serve.alerts_every: the rules are evaluated and the outbox drained with
// nothing else running, which is what a one-machine install expects. On
// PostgreSQL the check takes the same cluster-wide try lock as workers'
// (`vigil worker --alerts`), so serve and workers never evaluate at once;
// deliveries are leased in the store either way. stop waits for the
// round in progress.
func startServeAlerts(ctx context.Context, env Env, st any, dsn string, conf config.Config, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	as, ok := st.(alertStore)
	every := conf.Serve.AlertsEvery.Duration
	if every <= 0 || !ok {
		return func() {}, nil
	}
	var locks *pgxpool.Pool
	if isPostgres(dsn) {
		pc, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("serve: alerts: %w", err)
		}
		pc.MaxConns = 1 // the lock's one session
		if locks, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
			return nil, fmt.Errorf("serve: alerts: %w", err)
		}
	}
	aw, err := newAlertLoop(env, as, locks, conf, log, "serve")
	if err != nil {
		if locks != nil {
			locks.Close()
		}
		return nil, err
	}
	aw.eval.Metrics, aw.d.Metrics = m, m
	ctx, cancel := context.WithCancel(ctx)
	ticker := time.NewTicker(every)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		aw.run(ctx, ticker.C)
	}()
	return func() {
		cancel()
		ticker.Stop()
		<-ended
		if locks != nil {
			locks.Close()
		}
	}, nil
}
