package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/audit"
)

// checkLoopFlags are what `alerts check --loop` is told.
type checkLoopFlags struct {
	loop        bool
	every       time.Duration
	metricsAddr string
}

// alertsCheckLoop evaluates every rule at once, then every lf.every, until
// ctx ends: the long-running form of `alerts check`, whose metrics a
// Prometheus can scrape (a check from a timer leaves none). A failed
// round is logged and the next one tries again.
func alertsCheckLoop(ctx context.Context, env Env, cfg Config, lf checkLoopFlags) error {
	b, ab, err := openAlerts(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &alert.Evaluator{Store: ab, Log: env.Log, Forecaster: &alert.ModelForecaster{Store: ab}}
	if lf.metricsAddr != "" {
		if e.Metrics, err = newMetrics(b); err != nil {
			return fmt.Errorf("alerts check: %w", err)
		}
		a, err := serveMetrics(ctx, lf.metricsAddr, e.Metrics, log)
		if err != nil {
			return fmt.Errorf("alerts check: %w", err)
		}
		fmt.Fprintf(env.Stderr, "metrics on http://%s/metrics\n", a)
	}
	fmt.Fprintf(env.Stderr, "evaluating every %s until interrupted\n", lf.every)
	for {
		t := env.Now().UTC()
		res, err := e.Check(ctx, t)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("alerts check", "at", t, "err", err)
		default:
			if len(res.Alerts) > 0 {
				ids := make([]int64, len(res.Alerts))
				for i, a := range res.Alerts {
					ids[i] = a.ID
				}
				if err := record(ctx, env, b, audit.AlertCheck, "", map[string]any{"at": t, "rules": res.Rules, "alerts": ids}); err != nil {
					log.Error("alerts check: audit", "err", err)
				}
			}
			fmt.Fprintf(env.Stdout, "%d rules evaluated at %s: %d new alerts\n", res.Rules, t.Format(time.RFC3339), len(res.Alerts))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(lf.every):
		}
	}
}
