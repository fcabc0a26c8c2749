package alert

import (
	"context"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// Check evaluates every rule at time at, stores the alerts they raise
// with their deliveries, and returns the new ones: see check. e.Metrics,
// if set, is told of the check.
func (e *Evaluator) Check(ctx context.Context, at time.Time) (Result, error) {
	res, err := e.check(ctx, at)
	if e.Metrics != nil {
		kinds := make([]string, len(res.Alerts))
		for i, a := range res.Alerts {
			kinds[i] = a.Kind
		}
		e.Metrics.AlertCheck(at, res.Rules, kinds, err)
	}
	return res, err
}

// observe tells d.Metrics what became of one delivery attempt. The
// latency of a delivered item runs from its alert being raised: what a
// reader of the webhook or the mailbox waited.
func (d *Deliverer) observe(it store.OutboxItem, r store.OutboxResult) {
	if d.Metrics == nil {
		return
	}
	outcome := "sent"
	switch {
	case r.State == store.OutboxDead:
		outcome = "dead"
	case r.State == store.OutboxPending && r.Failed:
		outcome = "failed"
	case r.State == store.OutboxPending:
		outcome = "deferred"
	}
	var latency time.Duration = -1
	if outcome == "sent" && !it.Alert.At.IsZero() {
		latency = max(r.At.Sub(it.Alert.At), 0)
	}
	d.Metrics.AlertDelivery(it.Channel, outcome, it.Attempts > 0, latency)
}
