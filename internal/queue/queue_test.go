package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/queue"
	"github.com/vigil-project/vigil/internal/queue/queuetest"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/acled"
)

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in      string
		want    []queue.Kind
		wantErr bool
	}{
		{"fetch,extract,fuse", []queue.Kind{queue.Fetch, queue.Extract, queue.Fuse}, false},
		{"import", []queue.Kind{queue.Import}, false},
		{" fuse , fuse", []queue.Kind{queue.Fuse}, false},
		{"extract", []queue.Kind{queue.Extract}, false},
		{"", nil, true},
		{"fetch,load", nil, true},
	}
	for _, tt := range tests {
		got, err := queue.ParseKinds(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseKinds(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ParseKinds(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPartitionStable(t *testing.T) {
	// The partition of a country is the same in every process and spread
	// over the partitions.
	seen := map[int]bool{}
	for _, c := range []string{"IR", "AF", "IQ", "SY", "PK", "NG", "ML", "SO", "YE", "FR", "US", queue.NoCountry} {
		p := queue.Partition(c, 16)
		if p < 0 || p >= 16 {
			t.Fatalf("Partition(%q, 16) = %d, want 0..15", c, p)
		}
		if again := queue.Partition(c, 16); again != p {
			t.Errorf("Partition(%q) = %d then %d, want the same", c, p, again)
		}
		seen[p] = true
	}
	if len(seen) < 5 {
		t.Errorf("12 countries fell in %d partitions of 16, want at least 5", len(seen))
	}
}

// connect starts one real nats-server and connects to it with short
// back-offs.
func connect(t *testing.T, cfg queue.Config) *queue.Queue {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = queuetest.Start(t, 1).URLs()
	}
	cfg.Consumers = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := queue.Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(q.Close)
	return q
}

// workUntil runs Work until cond holds (checked after each message) or
// the time runs out.
func workUntil(t *testing.T, q *queue.Queue, hs queue.Handlers, opts queue.WorkOptions, limit time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	inner := opts.Done
	opts.Done = func(k queue.Kind, m queue.Msg, err error) {
		if inner != nil {
			inner(k, m, err)
		}
		if cond() {
			cancel()
		}
	}
	q.Work(ctx, hs, opts)
	if !cond() {
		t.Fatalf("condition not met within %v", limit)
	}
}

func TestPublishDuplicateIDStoredOnce(t *testing.T) {
	q := connect(t, queue.Config{})
	ctx := context.Background()
	for range 3 {
		if err := q.Publish(ctx, queue.ExtractSubject, "same-id", map[string]int{"n": 1}); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	if err := q.Publish(ctx, queue.ExtractSubject, "other-id", map[string]int{"n": 2}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	b, err := q.Backlog(ctx)
	if err != nil {
		t.Fatalf("backlog: %v", err)
	}
	if got := b.Waiting[queue.Extract]; got != 2 {
		t.Errorf("waiting extract messages = %d after 3 publishes of one id and 1 of another, want 2", got)
	}
}

func TestRetryThenDeadLetter(t *testing.T) {
	q := connect(t, queue.Config{MaxDeliver: 3, BackOff: []time.Duration{200 * time.Millisecond}})
	ctx := context.Background()
	for _, id := range []string{"flaky", "broken", "poison", "panics"} {
		if err := q.Publish(ctx, queue.ExtractSubject, id, id); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	var mu sync.Mutex
	attempts := map[string][]int{}
	var ok atomic.Int32
	h := func(ctx context.Context, m queue.Msg) error {
		mu.Lock()
		attempts[m.ID] = append(attempts[m.ID], m.Attempt)
		mu.Unlock()
		switch m.ID {
		case "flaky":
			if m.Attempt < 2 {
				return fmt.Errorf("not yet")
			}
			ok.Add(1)
			return nil
		case "broken":
			return fmt.Errorf("always fails")
		case "poison":
			return queue.Permanent(fmt.Errorf("cannot decode"))
		default:
			panic("boom")
		}
	}
	workUntil(t, q, queue.Handlers{queue.Extract: h}, queue.WorkOptions{}, 30*time.Second, func() bool {
		b, err := q.Backlog(ctx)
		return err == nil && b.Empty() && b.Dead == 3
	})
	mu.Lock()
	defer mu.Unlock()
	if got := fmt.Sprint(attempts["flaky"]); got != "[1 2]" {
		t.Errorf("flaky attempts = %s, want [1 2]", got)
	}
	if got := fmt.Sprint(attempts["broken"]); got != "[1 2 3]" {
		t.Errorf("broken attempts = %s, want [1 2 3] (MaxDeliver 3)", got)
	}
	if got := fmt.Sprint(attempts["poison"]); got != "[1]" {
		t.Errorf("poison attempts = %s, want [1] (permanent)", got)
	}
	if ok.Load() != 1 {
		t.Errorf("flaky succeeded %d times, want 1", ok.Load())
	}
	dead, err := q.DeadLetters(ctx, 10)
	if err != nil {
		t.Fatalf("dead letters: %v", err)
	}
	got := map[string]string{}
	for _, d := range dead {
		got[strings.Trim(string(d.Data), `"`)] = d.Error
		if d.Subject != queue.ExtractSubject {
			t.Errorf("dead letter subject = %q, want %q", d.Subject, queue.ExtractSubject)
		}
	}
	for id, want := range map[string]string{"broken": "always fails", "poison": "cannot decode", "panics": "panicked"} {
		if !strings.Contains(got[id], want) {
			t.Errorf("dead letter %s error = %q, want it to say %q", id, got[id], want)
		}
	}
}

func TestCrashedAttemptsEndInDeadLetter(t *testing.T) {
	// A message whose worker dies every time (never acks, never refuses)
	// is delivered MaxDeliver times, then moved to the dead letters
	// without running again.
	q := connect(t, queue.Config{MaxDeliver: 2, BackOff: []time.Duration{300 * time.Millisecond}})
	ctx := context.Background()
	if err := q.Publish(ctx, queue.ExtractSubject, "hangs", "x"); err != nil {
		t.Fatalf("publish: %v", err)
	}
	var runs atomic.Int32
	for attempt := 1; attempt <= 2; attempt++ {
		// A worker that is cancelled mid-message, as a killed one.
		wctx, cancel := context.WithCancel(ctx)
		q.Work(wctx, queue.Handlers{queue.Extract: func(ctx context.Context, m queue.Msg) error {
			runs.Add(1)
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}}, queue.WorkOptions{})
	}
	workUntil(t, q, queue.Handlers{queue.Extract: func(ctx context.Context, m queue.Msg) error {
		runs.Add(1)
		return nil
	}}, queue.WorkOptions{}, 20*time.Second, func() bool {
		b, err := q.Backlog(ctx)
		return err == nil && b.Dead == 1
	})
	if got := runs.Load(); got != 2 {
		t.Errorf("handler ran %d times, want 2 (the third delivery only buries the message)", got)
	}
	dead, err := q.DeadLetters(ctx, 10)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].Error, "did not finish") {
		t.Errorf("dead letters = %+v, %v; want one that says the attempts did not finish", dead, err)
	}
}

func TestFusePartitionsOneAtATimeInOrder(t *testing.T) {
	// Two workers on the same queue: each partition's messages are
	// handled in the order published and never two at once, while
	// different partitions run side by side.
	q := connect(t, queue.Config{Partitions: 4})
	url := q.Config().URL
	q2 := connect(t, queue.Config{URL: url, Partitions: 4})
	ctx := context.Background()
	countries := []string{"IR", "AF", "IQ", "SY", "PK", "NG"}
	const perCountry = 15
	for i := range perCountry {
		for _, c := range countries {
			if err := q.Publish(ctx, q.FuseSubject(c), fmt.Sprintf("%s-%d", c, i), map[string]any{"country": c, "i": i}); err != nil {
				t.Fatalf("publish: %v", err)
			}
		}
	}
	var mu sync.Mutex
	busy := map[int]bool{}
	order := map[string][]string{}
	var overlap, parallel atomic.Int32
	total := 0
	h := func(ctx context.Context, m queue.Msg) error {
		c, _, _ := strings.Cut(m.ID, "-")
		p := queue.Partition(c, 4)
		mu.Lock()
		if busy[p] {
			overlap.Add(1)
		}
		busy[p] = true
		if len(busy) > 1 {
			n := 0
			for _, b := range busy {
				if b {
					n++
				}
			}
			if n > 1 {
				parallel.Add(1)
			}
		}
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		busy[p] = false
		order[c] = append(order[c], m.ID)
		total++
		mu.Unlock()
		return nil
	}
	done := func() bool { mu.Lock(); defer mu.Unlock(); return total >= perCountry*len(countries) }
	var wg sync.WaitGroup
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, qq := range []*queue.Queue{q, q2} {
		wg.Go(func() {
			qq.Work(wctx, queue.Handlers{queue.Fuse: h}, queue.WorkOptions{Done: func(queue.Kind, queue.Msg, error) {
				if done() {
					cancel()
				}
			}})
		})
	}
	wg.Wait()
	if !done() {
		t.Fatalf("handled %d of %d messages in time", total, perCountry*len(countries))
	}
	if n := overlap.Load(); n > 0 {
		t.Errorf("a partition was handled by two workers at once %d times, want never", n)
	}
	if parallel.Load() == 0 {
		t.Errorf("no two partitions ever ran at once, want them side by side")
	}
	for _, c := range countries {
		for i, id := range order[c] {
			if want := fmt.Sprintf("%s-%d", c, i); id != want {
				t.Errorf("%s: message %d was %s, want %s (stream order)", c, i, id, want)
				break
			}
		}
	}
}

func TestBacklogFullRefusesNewWork(t *testing.T) {
	q := connect(t, queue.Config{MaxBacklog: 3})
	ctx := context.Background()
	for i := range 3 {
		if err := q.Publish(ctx, queue.ExtractSubject, fmt.Sprint(i), i); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	ctx3, cancel3 := context.WithTimeout(ctx, 20*time.Second)
	defer cancel3()
	err := q.Publish(ctx3, queue.ExtractSubject, "3", 3)
	if !errors.Is(err, queue.ErrBacklogFull) {
		t.Fatalf("publish into a full backlog: error %v, want ErrBacklogFull", err)
	}
	if ctx3.Err() != nil {
		t.Errorf("publish into a full backlog waited for the deadline, want a refusal at once")
	}
	b, err := q.Backlog(ctx)
	if err != nil || b.Waiting[queue.Extract] != 3 {
		t.Errorf("waiting = %v (%v), want the 3 first messages kept", b.Waiting, err)
	}
}

func TestImportJobRoundTrip(t *testing.T) {
	// A record goes through JSON to the worker unchanged, raw row
	// included: what the worker stores is what `vigil import` would.
	f, err := os.Open(writeACLED(t, t.TempDir(), 8))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := acled.NewReader(f, source.Options{Name: "acled.csv", Fetched: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	job := queue.ImportJob{Source: rd.Source(), File: "acled.csv"}
	var want []model.Record
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		want = append(want, rec)
		job.Records = append(job.Records, queue.JobRecord{Record: rec, Raw: rec.Report.Raw})
	}
	data, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	var got queue.ImportJob
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID() != job.ID() {
		t.Errorf("id after the trip = %s, want %s", got.ID(), job.ID())
	}
	recs := got.ModelRecords()
	if len(recs) != 8 {
		t.Fatalf("%d records after the trip, want 8", len(recs))
	}
	for i := range recs {
		if !reflect.DeepEqual(recs[i], want[i]) {
			t.Errorf("record %d changed on the way:\n got %+v\nwant %+v", i, recs[i], want[i])
		}
	}
}
