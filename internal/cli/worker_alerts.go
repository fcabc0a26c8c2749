package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/config"
)

// alertCheckKey is the PostgreSQL advisory lock held while a worker
// evaluates the alert rules: one worker evaluates at a time, the others
// skip that round. Without it two workers would both read a rule's
// checked time and evaluate the same changes; the store's (rule, key)
// uniqueness would drop the second alert, but only after both paid for
// the evaluation (forecast rules fit models).
var alertCheckKey = lockKey("vigil alerts: check")

// alertStore is what a worker's alert loop needs of the store.
type alertStore interface {
	alert.Store
	alert.Outbox
	audit.Appender
}

// alertWorker is the alert loop of `vigil worker --alerts EVERY`: at each
// tick it evaluates every rule (under alertCheckKey) and drains the
// outbox. Any number of workers may run it on one store: a delivery is
// leased in the store (FOR UPDATE SKIP LOCKED, with a lease time) before
// it is sent, so that each goes out from one worker only; a worker that
// dies mid-way leaves its leases to run out, after which another sends
// the item again under the same idempotency key.
type alertWorker struct {
	st    alertStore
	locks *pgxpool.Pool
	eval  *alert.Evaluator
	d     *alert.Deliverer
	now   func() time.Time
	log   *slog.Logger
	who   string // "worker" or "serve", for the log
	// done, when set, is called after each round (tests wait on it).
	done func(error)
}

// newAlertWorker wires the evaluator and the deliverer of a worker from
// the configuration's alert settings.
func newAlertWorker(env Env, st alertStore, locks *pgxpool.Pool, conf Config, log *slog.Logger) (*alertWorker, error) {
	return newAlertLoop(env, st, locks, conf.Conf.Config, log, "worker")
}

// newAlertLoop wires an alert loop for whoever runs it (a worker, or
// serve): locks is the PostgreSQL pool that holds the cluster-wide
// check lock, nil for SQLite, where one process serves the store and
// the alerts' UNIQUE (rule, key) keeps a concurrent `alerts check` from
// raising an alert twice.
func newAlertLoop(env Env, st alertStore, locks *pgxpool.Pool, conf config.Config, log *slog.Logger, who string) (*alertWorker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &alert.Deliverer{Outbox: st, Now: env.Now, Log: log}
	if err := senders(env, conf, d, 10*time.Second); err != nil {
		return nil, fmt.Errorf("%s: %w", who, err)
	}
	return &alertWorker{st: st, locks: locks, d: d, now: env.Now, log: log, who: who,
		eval: &alert.Evaluator{Store: st, Log: log, Forecaster: &alert.ModelForecaster{Store: st}}}, nil
}

// run does a round at once and then at every tick until ctx ends. A
// failed round is logged and the next tick tries again: the rules'
// checked times and the outbox are in the store, so nothing is lost.
func (a *alertWorker) run(ctx context.Context, tick <-chan time.Time) {
	for {
		err := a.round(ctx)
		if err != nil && ctx.Err() == nil {
			a.log.Error(a.who+": alerts", "err", err)
		}
		if a.done != nil {
			a.done(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// round evaluates the rules, unless another worker is at it, then
// delivers what is due. Both are audited as system when they did
// something.
func (a *alertWorker) round(ctx context.Context) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	st, err := a.d.DeliverOnce(ctx)
	if st.Leased > 0 {
		if aerr := audit.Record(context.WithoutCancel(ctx), a.st, a.now(), audit.System, audit.AlertDeliver, "", deliverDetails(st)); aerr != nil {
			return fmt.Errorf("alerts: delivered, but not written to the audit log: %w", aerr)
		}
	}
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	return nil
}

// check evaluates every rule under the cluster-wide try lock; a worker
// that does not get it leaves this round's evaluation to the one that
// has it.
func (a *alertWorker) check(ctx context.Context) error {
	if a.locks == nil {
		return a.evaluate(ctx)
	}
	conn, err := a.locks.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("alerts: lock: %w", err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, alertCheckKey).Scan(&got); err != nil {
		return fmt.Errorf("alerts: lock: %w", err)
	}
	if !got {
		return nil
	}
	defer func() {
		// A fresh context: the lock must go even when ctx ended.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, alertCheckKey); err != nil {
			conn.Conn().Close(uctx) // a closed session frees its locks
		}
	}()
	return a.evaluate(ctx)
}

// evaluate checks every rule now and audits the alerts it raised.
func (a *alertWorker) evaluate(ctx context.Context) error {
	at := a.now().UTC()
	res, err := a.eval.Check(ctx, at)
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	if len(res.Alerts) == 0 {
		return nil
	}
	ids := make([]int64, len(res.Alerts))
	for i, al := range res.Alerts {
		ids[i] = al.ID
	}
	if err := audit.Record(context.WithoutCancel(ctx), a.st, a.now(), audit.System, audit.AlertCheck, "",
		map[string]any{"at": at, "rules": res.Rules, "alerts": ids}); err != nil {
		return fmt.Errorf("alerts: checked, but not written to the audit log: %w", err)
	}
	a.log.Info(a.who+": alerts", "rules", res.Rules, "alerts", len(ids))
	return nil
}
