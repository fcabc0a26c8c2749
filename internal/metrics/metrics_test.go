package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// statusErr stands for fetch.StatusError.
type statusErr int

func (e statusErr) Error() string   { return fmt.Sprintf("GET x: %d", int(e)) }
func (e statusErr) StatusCode() int { return int(e) }

func TestErrorKind(t *testing.T) {
	blocked := errors.New("address not allowed")
	tooLarge := errors.New("response too large")
	for _, c := range []struct {
		stage string
		err   error
		want  string
	}{
		{"fetch", fmt.Errorf("poll: %w", statusErr(503)), "http_5xx"},
		{"fetch", statusErr(404), "http_4xx"},
		{"fetch", statusErr(302), "http_other"},
		{"fetch", fmt.Errorf("GET x: %w", context.DeadlineExceeded), "timeout"},
		{"fetch", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, "timeout"},
		{"fetch", fmt.Errorf("GET x: %w", &net.DNSError{Err: "no such host", Name: "x"}), "dns"},
		{"fetch", fmt.Errorf("GET x: dial 10.0.0.1: %w", blocked), "blocked"},
		{"fetch", fmt.Errorf("GET x: 9 bytes: %w (limit 8)", tooLarge), "too_large"},
		{"fetch", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, "connect"},
		{"fetch", fmt.Errorf("GET x: %w", context.Canceled), "canceled"},
		{"fetch", errors.Join(errors.New("a"), fmt.Errorf("b: %w", statusErr(500))), "http_5xx"},
		{"fetch", errors.New("something else"), "other"},
		{"parse", statusErr(500), "parse"},
		{"store", errors.New("disk full"), "store"},
	} {
		if got := ErrorKind(c.stage, c.err); got != c.want {
			t.Errorf("ErrorKind(%q, %v) = %q, want %q", c.stage, c.err, got, c.want)
		}
	}
}

// TestBoundedFeeds: a feed label keeps maxLabelValues names, then folds
// the others into OtherLabel, while the names it has keep counting.
func TestBoundedFeeds(t *testing.T) {
	m := New()
	at := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	for i := range maxLabelValues + 50 {
		m.FeedPolled(FeedPoll{Feed: fmt.Sprintf("feed-%d", i), New: 1, At: at})
	}
	m.FeedPolled(FeedPoll{Feed: "feed-0", New: 1, At: at})
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "vigil_feed_polls_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			values[label(mt, "feed")] += mt.GetCounter().GetValue()
		}
	}
	if got, want := len(values), maxLabelValues+1; got != want {
		t.Errorf("feed label values = %d, want %d (the names kept and %s)", got, want, OtherLabel)
	}
	if got := values[OtherLabel]; got != 50 {
		t.Errorf("polls counted under %s = %v, want 50", OtherLabel, got)
	}
	if got := values["feed-0"]; got != 2 {
		t.Errorf("polls of feed-0 = %v, want 2", got)
	}
}

// TestNil: a nil *Metrics takes every report and does nothing.
func TestNil(t *testing.T) {
	var m *Metrics
	m.ImportBatch("gtd", 1, 2, 3, 4, time.Second)
	m.ImportDone("gtd", 1, time.Now(), nil)
	m.FuseDone(FuseRun{Claims: 3})
	m.FeedPolled(FeedPoll{Feed: "x", Err: errors.New("x")})
	m.AlertCheck(time.Now(), 2, []string{"incident"}, nil)
	m.AlertDelivery("webhook", "sent", true, time.Second)
	m.StoreOp("sqlite", "generation")()
	if err := m.WatchStore(nil); err != nil {
		t.Errorf("WatchStore on nil: %v", err)
	}
}

// TestOutcomes: the counters count what the reports say, and a failed
// run does not count its work.
func TestOutcomes(t *testing.T) {
	m := New()
	at := time.Date(2024, 1, 3, 8, 0, 0, 0, time.UTC)
	m.ImportBatch("csv:demo", 5, 1, 2, 3, 10*time.Millisecond)
	m.ImportDone("csv:demo", 4, at, nil)
	m.ImportDone("csv:demo", 0, at.Add(time.Hour), errors.New("broken"))
	m.FuseDone(FuseRun{Full: true, Claims: 7, Created: 3, Changed: 1, Retired: 2, At: at})
	m.FuseDone(FuseRun{Claims: 9, Created: 9, At: at.Add(time.Hour), Err: errors.New("broken")})
	m.AlertDelivery("webhook", "sent", false, time.Minute)
	m.AlertDelivery("webhook", "failed", true, -1)
	m.AlertDelivery("email", "deferred", true, -1)
	m.AlertDelivery("carrier-pigeon", "dead", false, -1)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := func(name string, labels ...string) float64 {
		for _, f := range fams {
			if f.GetName() != name {
				continue
			}
		next:
			for _, mt := range f.GetMetric() {
				for i := 0; i+1 < len(labels); i += 2 {
					if label(mt, labels[i]) != labels[i+1] {
						continue next
					}
				}
				switch {
				case mt.Counter != nil:
					return mt.GetCounter().GetValue()
				case mt.Gauge != nil:
					return mt.GetGauge().GetValue()
				case mt.Histogram != nil:
					return float64(mt.GetHistogram().GetSampleCount())
				}
			}
		}
		return -1
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vigil_import_rows_total", []string{"kind", "csv", "outcome", "new"}, 5},
		{"vigil_import_rows_total", []string{"kind", "csv", "outcome", "rejected"}, 3},
		{"vigil_import_rows_total", []string{"kind", "csv", "outcome", "skipped"}, 4},
		{"vigil_import_runs_total", []string{"kind", "csv", "result", "failed"}, 1},
		{"vigil_import_last_success_timestamp_seconds", []string{"kind", "csv"}, float64(at.Unix())},
		{"vigil_fuse_claims_total", nil, 7},
		{"vigil_fuse_incidents_total", []string{"change", "created"}, 3},
		{"vigil_fuse_runs_total", []string{"mode", "incremental", "result", "failed"}, 1},
		{"vigil_fuse_last_success_timestamp_seconds", nil, float64(at.Unix())},
		{"vigil_alert_delivery_retries_total", []string{"channel", "webhook"}, 1},
		{"vigil_alert_delivery_retries_total", []string{"channel", "email"}, -1},
		{"vigil_alert_delivery_latency_seconds", []string{"channel", "webhook"}, 1},
		{"vigil_alert_deliveries_total", []string{"channel", OtherLabel, "outcome", "dead"}, 1},
	} {
		if g := got(c.name, c.labels...); g != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, g, c.want)
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestNoTimeBeforeWork: a process that has not fused or checked exports
// no last-success time (not 0, which an alert on its age would fire on).
func TestNoTimeBeforeWork(t *testing.T) {
	m := New()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		switch f.GetName() {
		case "vigil_fuse_last_success_timestamp_seconds", "vigil_alert_last_check_timestamp_seconds":
			t.Errorf("%s exported before any work: %v", f.GetName(), f.GetMetric())
		}
	}
	m.AlertCheck(time.Date(2024, 1, 3, 8, 0, 0, 0, time.UTC), 1, nil, nil)
	fams, _ = m.Registry().Gather()
	found := false
	for _, f := range fams {
		found = found || f.GetName() == "vigil_alert_last_check_timestamp_seconds"
	}
	if !found {
		t.Error("vigil_alert_last_check_timestamp_seconds missing after a check")
	}
}
