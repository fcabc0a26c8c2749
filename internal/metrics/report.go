package metrics

import (
	"context"
	"errors"
	"net"
	"os"
	"time"
)

// ImportBatch records one committed import batch of a source: its rows
// by outcome and the time its write took.
func (m *Metrics) ImportBatch(source string, newRows, updated, unchanged, rejected int, took time.Duration) {
	if m == nil {
		return
	}
	k := m.importKinds.value(sourceKind(source))
	for outcome, n := range map[string]int{"new": newRows, "updated": updated, "unchanged": unchanged, "rejected": rejected} {
		m.importRows.WithLabelValues(k, outcome).Add(float64(n))
	}
	if took > 0 {
		m.importBatch.WithLabelValues(k).Observe(took.Seconds())
	}
}

// ImportDone records the end of one file's import: the rows its reader
// skipped by design, and its result at the time given.
func (m *Metrics) ImportDone(source string, skipped int, at time.Time, err error) {
	if m == nil {
		return
	}
	k := m.importKinds.value(sourceKind(source))
	m.importRows.WithLabelValues(k, "skipped").Add(float64(skipped))
	m.importRuns.WithLabelValues(k, result(err)).Inc()
	if err == nil {
		m.importSuccess.WithLabelValues(k).Set(unix(at))
	}
}

// FuseRun is what one fusion run did, for FuseDone.
type FuseRun struct {
	Full                      bool // a full re-fusion (fuse.All) rather than an incremental one
	Claims                    int
	Created, Changed, Retired int
	Took                      time.Duration
	At                        time.Time // the run's time, recorded as the last success
	Err                       error
}

// FuseDone records one fusion run.
func (m *Metrics) FuseDone(r FuseRun) {
	if m == nil {
		return
	}
	mode := "incremental"
	if r.Full {
		mode = "full"
	}
	m.fuseRuns.WithLabelValues(mode, result(r.Err)).Inc()
	m.fuseDuration.WithLabelValues(mode).Observe(r.Took.Seconds())
	// What a failed run counted was not committed whole: only a run that
	// finished moves the counters of its work.
	if r.Err != nil {
		return
	}
	m.fuseClaims.Add(float64(r.Claims))
	m.fuseIncidents.WithLabelValues("created").Add(float64(r.Created))
	m.fuseIncidents.WithLabelValues("changed").Add(float64(r.Changed))
	m.fuseIncidents.WithLabelValues("retired").Add(float64(r.Retired))
	m.fuseLast.WithLabelValues().Set(unix(r.At))
}

// FeedPoll is what one poll of one feed did, for FeedPolled.
type FeedPoll struct {
	Feed                    string // the feed's name
	NotModified             bool
	New, Updated, Duplicate int
	// Fetch is the time the GET took, 0 when it was not made.
	Fetch time.Duration
	// Stage is where an error happened: "fetch", "parse" or "store".
	Stage string
	Err   error
	At    time.Time // the poll's time, recorded as the last success
}

// FeedPolled records one poll of one feed.
func (m *Metrics) FeedPolled(p FeedPoll) {
	if m == nil {
		return
	}
	f := m.feedNames.value(p.Feed)
	if p.Fetch > 0 {
		m.feedFetch.WithLabelValues(f).Observe(p.Fetch.Seconds())
	}
	switch {
	case p.Err != nil:
		m.feedPolls.WithLabelValues(f, "error").Inc()
		m.feedErrors.WithLabelValues(f, ErrorKind(p.Stage, p.Err)).Inc()
		return
	case p.NotModified:
		m.feedPolls.WithLabelValues(f, "not_modified").Inc()
	default:
		m.feedPolls.WithLabelValues(f, "ok").Inc()
	}
	m.feedItems.WithLabelValues(f, "new").Add(float64(p.New))
	m.feedItems.WithLabelValues(f, "updated").Add(float64(p.Updated))
	m.feedItems.WithLabelValues(f, "duplicate").Add(float64(p.Duplicate))
	m.feedSuccess.WithLabelValues(f).Set(unix(p.At))
}

// StatusCoder is an error that carries an HTTP status (fetch.StatusError).
type StatusCoder interface{ StatusCode() int }

// ErrorKind sorts a feed poll's error into a few kinds an operator acts
// on differently: the feed's server answered an error (http_4xx,
// http_5xx), could not be reached (timeout, dns, connect), was refused
// by vigil's own limits (blocked, too_large), sent what vigil cannot
// read (parse), or vigil's store failed (store).
func ErrorKind(stage string, err error) string {
	switch stage {
	case "parse":
		return "parse"
	case "store":
		return "store"
	}
	var sc StatusCoder
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &sc):
		switch c := sc.StatusCode(); {
		case c >= 500:
			return "http_5xx"
		case c >= 400:
			return "http_4xx"
		default:
			return "http_other"
		}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.As(err, &dns):
		return "dns"
	case hasMessage(err, "address not allowed"):
		return "blocked"
	case hasMessage(err, "response too large"):
		return "too_large"
	case errors.As(err, &op):
		return "connect"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}

// hasMessage tells whether err or one it wraps is a sentinel with this
// message: package fetch's ErrBlocked and ErrTooLarge, named by their
// text so that this package imports nothing of vigil.
func hasMessage(err error, msg string) bool {
	for _, e := range unwrapAll(err) {
		if e.Error() == msg {
			return true
		}
	}
	return false
}

func unwrapAll(err error) []error {
	var out []error
	stack := []error{err}
	for len(stack) > 0 && len(out) < 64 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e == nil {
			continue
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			stack = append(stack, u.Unwrap())
		case interface{ Unwrap() []error }:
			stack = append(stack, u.Unwrap()...)
		}
	}
	return out
}

// AlertCheck records one evaluation of the alert rules at the time
// given: how many rules, the kinds of the new alerts raised.
func (m *Metrics) AlertCheck(at time.Time, rules int, raised []string, err error) {
	if m == nil {
		return
	}
	m.alertChecks.WithLabelValues(result(err)).Inc()
	m.alertRules.Add(float64(rules))
	for _, k := range raised {
		m.alertRaised.WithLabelValues(k).Inc()
	}
	if err == nil {
		m.alertCheckLast.WithLabelValues().Set(unix(at))
	}
}

// AlertDelivery records one delivery attempt of one outbox item on a
// channel: outcome "sent", "failed" (to be retried), "dead" (given up)
// or "deferred" (an e-mail waiting for its group); retry says the item
// had failed before; latency, for a sent item, is the time since its
// alert was raised.
func (m *Metrics) AlertDelivery(channel, outcome string, retry bool, latency time.Duration) {
	if m == nil {
		return
	}
	switch channel {
	case "webhook", "email":
	default:
		channel = OtherLabel
	}
	m.alertDeliveries.WithLabelValues(channel, outcome).Inc()
	if retry && outcome != "deferred" {
		m.alertRetries.WithLabelValues(channel).Inc()
	}
	if outcome == "sent" && latency >= 0 {
		m.alertLatency.WithLabelValues(channel).Observe(latency.Seconds())
	}
}

// StoreOp starts timing one store operation of a backend; the function
// it returns ends it. Operation names are the backends' constants, never
// built from data.
func (m *Metrics) StoreOp(backend, op string) func() {
	if m == nil {
		return func() {}
	}
	start := time.Now()
	return func() { m.storeOps.WithLabelValues(backend, op).Observe(time.Since(start).Seconds()) }
}

// WorkerJob records one queue message a worker handled: its kind of work
// (fetch, extract, import, fuse), the time it took, and whether it failed.
func (m *Metrics) WorkerJob(kind string, took time.Duration, err error) {
	if m == nil {
		return
	}
	k := m.workerKinds.value(kind)
	m.workerJobs.WithLabelValues(k, result(err)).Inc()
	m.workerDuration.WithLabelValues(k).Observe(took.Seconds())
}
