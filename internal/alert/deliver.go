package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/store"
)

// Outbox is what delivery needs of a store.
type Outbox interface {
	LeaseOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutboxItem, error)
	FinishOutbox(ctx context.Context, id int64, r store.OutboxResult) error
	LastDelivered(ctx context.Context, ruleID int64, d store.Delivery) (time.Time, error)
}

// Deliverer drains the outbox: it leases the items that are due, delivers
// them, and only then marks them delivered, so that an item whose
// deliverer died mid-way is leased again when its lease runs out and goes
// out again with the same idempotency key (at least once; the receiver
// deduplicates by the key).
//
// A failed attempt is retried after an exponential backoff with jitter;
// after MaxAttempts failures, or a failure that retrying cannot mend (a
// 4xx answer), the item is given up ("dead") and keeps its last error.
type Deliverer struct {
	Outbox  Outbox
	Webhook *Webhook // nil: webhook items fail and are retried
	Mail    *Mailer  // nil: e-mail items fail and are retried
	Now     func() time.Time
	Log     *slog.Logger

	// Lease is how long a deliverer owns the items it leased: longer than
	// delivering a batch takes. Default 5 minutes.
	Lease time.Duration
	// Batch is how many items are leased at once. Default 20.
	Batch int
	// RetryBase and RetryMax bound the backoff: RetryBase·2ⁿ after the
	// n-th failure, at most RetryMax, of which a random half is jitter.
	// Defaults 30 s and 1 h.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many failed attempts an item gets. Default 12.
	MaxAttempts int
	// GroupWindow is how long after an e-mail to a target for a rule the
	// next waits, collecting every alert of the rule that comes meanwhile
	// into one message. Default 1 hour.
	GroupWindow time.Duration
	// Jitter returns a number in [0, 1); default math/rand/v2.
	Jitter func() float64
	// Done, when set, is called by Loop after each drain that leased
	// something, with what it did: where a caller audits deliveries.
	Done func(ctx context.Context, st DeliverStats)
	// Metrics, when set, are told of every delivery attempt.
	Metrics *metrics.Metrics
}

// DeliverStats counts what one drain did.
type DeliverStats struct {
	Leased    int `json:"leased"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	Dead      int `json:"dead"`
	Deferred  int `json:"deferred"`
	Expired   int `json:"expired"` // leases that ran out before their turn: left for the next lease
	// Interrupted counts items released because the deliverer was stopped
	// while sending them.
	Interrupted int `json:"interrupted"`
	Emails      int `json:"emails"`
	// Channels counts the attempts per channel (webhook, email); Alerts
	// lists the alerts of which a delivery went out. Neither holds a
	// target or a message: a webhook URL may carry a token, and an
	// address is a person's.
	Channels map[string]ChannelStats `json:"channels,omitempty"`
	Alerts   []int64                 `json:"alerts,omitempty"`
}

// ChannelStats counts one channel's attempts in a drain: sent, failed
// (to be retried) and given up.
type ChannelStats struct {
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
	Dead   int `json:"dead,omitempty"`
}

// count adds one attempt's outcome on channel to st.
func (st *DeliverStats) count(channel string, sent, dead bool, alertID int64) {
	if st.Channels == nil {
		st.Channels = map[string]ChannelStats{}
	}
	c := st.Channels[channel]
	switch {
	case sent:
		c.Sent++
		if !slices.Contains(st.Alerts, alertID) {
			st.Alerts = append(st.Alerts, alertID)
		}
	case dead:
		c.Dead++
	default:
		c.Failed++
	}
	st.Channels[channel] = c
}

func (d *Deliverer) defaults() {
	if d.Lease <= 0 {
		d.Lease = 5 * time.Minute
	}
	if d.Batch <= 0 {
		d.Batch = 20
	}
	if d.RetryBase <= 0 {
		d.RetryBase = 30 * time.Second
	}
	if d.RetryMax <= 0 {
		d.RetryMax = time.Hour
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 12
	}
	if d.GroupWindow <= 0 {
		d.GroupWindow = time.Hour
	}
	if d.Jitter == nil {
		d.Jitter = rand.Float64
	}
	if d.Now == nil {
		d.Now = time.Now
	}
}

// Backoff returns how long to wait after the n-th failed attempt (n ≥ 1):
// base·2ⁿ⁻¹ capped at most, half of it fixed and half jitter (j in [0, 1)),
// so that many items failing together do not retry together.
func Backoff(n int, base, most time.Duration, j float64) time.Duration {
	d := base
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	d = min(d, most)
	return d/2 + time.Duration(j*float64(d/2))
}

// DeliverOnce delivers every item due now, batch by batch, until none is
// left, and returns what it did. Items that fail are rescheduled, not
// retried in this call.
func (d *Deliverer) DeliverOnce(ctx context.Context) (DeliverStats, error) {
	d.defaults()
	var st DeliverStats
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		items, err := d.Outbox.LeaseOutbox(ctx, d.Now(), d.Lease, d.Batch)
		if err != nil {
			return st, fmt.Errorf("deliver: %w", err)
		}
		if len(items) == 0 {
			return st, nil
		}
		st.Leased += len(items)
		if err := d.deliver(ctx, items, &st); err != nil {
			return st, fmt.Errorf("deliver: %w", err)
		}
	}
}

// Loop delivers until ctx ends, looking for due items every poll.
func (d *Deliverer) Loop(ctx context.Context, poll time.Duration) error {
	for {
		st, err := d.DeliverOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			// A store that is briefly unavailable must not end the loop:
			// the items stay in the outbox.
			d.log().Error("deliver", "err", err)
		} else if st.Leased > 0 {
			d.log().Info("delivered", "leased", st.Leased, "delivered", st.Delivered, "failed", st.Failed, "dead", st.Dead)
		}
		if st.Leased > 0 && d.Done != nil {
			d.Done(ctx, st)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// deliver sends one leased batch: each webhook item alone, the e-mail
// items grouped by rule and address into one message each.
func (d *Deliverer) deliver(ctx context.Context, items []store.OutboxItem, st *DeliverStats) error {
	type group struct {
		rule  int64
		to    string
		items []store.OutboxItem
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, it := range items {
		if d.expired(it) {
			st.Expired++
			continue
		}
		switch it.Channel {
		case ChannelWebhook:
			var err error
			if d.Webhook == nil {
				err = errors.New("no webhook sender configured")
			} else {
				err = d.Webhook.Send(ctx, it)
			}
			if err := d.finish(ctx, it, err, st); err != nil {
				return err
			}
		case ChannelEmail:
			k := fmt.Sprintf("%d\x00%s", it.Alert.RuleID, it.Target)
			g := byKey[k]
			if g == nil {
				g = &group{rule: it.Alert.RuleID, to: it.Target}
				byKey[k] = g
				groups = append(groups, g)
			}
			g.items = append(g.items, it)
		default:
			if err := d.finish(ctx, it, permanent(fmt.Errorf("unknown channel %q", it.Channel)), st); err != nil {
				return err
			}
		}
	}
	for _, g := range groups {
		if slices.ContainsFunc(g.items, d.expired) {
			st.Expired += len(g.items)
			continue
		}
		last, err := d.Outbox.LastDelivered(ctx, g.rule, store.Delivery{Channel: ChannelEmail, Target: g.to})
		if err != nil {
			return err
		}
		if next := last.Add(d.GroupWindow); !last.IsZero() && d.Now().Before(next) {
			// Wait for the window to close, gathering what comes meanwhile.
			for _, it := range g.items {
				if err := d.Outbox.FinishOutbox(ctx, it.ID, store.OutboxResult{State: store.OutboxPending, NextAttempt: next, Error: it.LastError}); err != nil {
					return err
				}
				st.Deferred++
				d.observe(it, store.OutboxResult{State: store.OutboxPending})
			}
			continue
		}
		var sendErr error
		if d.Mail == nil {
			sendErr = errors.New("no SMTP server configured")
		} else {
			sendErr = d.Mail.Send(ctx, g.to, g.items, d.Now())
		}
		if sendErr == nil {
			st.Emails++
		}
		for _, it := range g.items {
			if err := d.finish(ctx, it, sendErr, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// expired reports whether the lease of an item ran out before its turn
// came (a batch slower than the lease): another deliverer may have it by
// now, so this one leaves it, rather than send it a second time.
func (d *Deliverer) expired(it store.OutboxItem) bool {
	return !d.Now().Before(it.LeaseUntil)
}

// finish records an attempt's outcome.
func (d *Deliverer) finish(ctx context.Context, it store.OutboxItem, sendErr error, st *DeliverStats) error {
	now := d.Now()
	r := store.OutboxResult{State: store.OutboxDelivered, At: now}
	if sendErr != nil && ctx.Err() != nil {
		// Stopped mid-delivery (SIGTERM): not the receiver's failure. The
		// item is released at once, without counting an attempt, so that
		// the next deliverer sends it without waiting for the lease.
		r = store.OutboxResult{State: store.OutboxPending, NextAttempt: now, Error: it.LastError}
		st.Interrupted++
		return d.Outbox.FinishOutbox(context.WithoutCancel(ctx), it.ID, r)
	}
	if sendErr != nil {
		r = store.OutboxResult{State: store.OutboxPending, Failed: true, Error: sendErr.Error()}
		var pe *permanentError
		if errors.As(sendErr, &pe) || it.Attempts+1 >= d.MaxAttempts {
			r.State = store.OutboxDead
			st.Dead++
			st.count(it.Channel, false, true, it.Alert.ID)
		} else {
			r.NextAttempt = now.Add(Backoff(it.Attempts+1, d.RetryBase, d.RetryMax, d.Jitter()))
			st.Failed++
			st.count(it.Channel, false, false, it.Alert.ID)
		}
		d.log().Warn("delivery failed", "channel", it.Channel, "target", it.Target, "alert", it.Alert.ID,
			"attempt", it.Attempts+1, "state", r.State, "err", sendErr)
	} else {
		st.Delivered++
		st.count(it.Channel, true, false, it.Alert.ID)
	}
	d.observe(it, r)
	// The delivery happened whatever ctx says now: record it, or the item
	// would go out again.
	return d.Outbox.FinishOutbox(context.WithoutCancel(ctx), it.ID, r)
}

// permanentError is a failure that retrying cannot mend.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }
