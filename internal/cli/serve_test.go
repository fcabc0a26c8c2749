package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a writer the test can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// background is a vigil command a test runs beside itself (serve, a
// --loop): what it writes can be read while it runs, and it is stopped
// when the test ends, whether the test stops it first or fails.
type background struct {
	out, errb syncBuffer
	cancel    context.CancelFunc
	done      chan struct{}
	err       error // Run's result, once done is closed
}

// startVigil runs `vigil ARGS…` in the background with env's Getenv and
// Now; its stdout and stderr go to the background's buffers.
func startVigil(t *testing.T, env Env, args ...string) *background {
	t.Helper()
	b := &background{done: make(chan struct{})}
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(""), &b.out, &b.errb
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() {
		b.err = Run(ctx, env, args)
		close(b.done)
	}()
	// A test that failed half-way leaves no command running into the next
	// test (or into its removed temporary directory).
	t.Cleanup(func() {
		cancel()
		select {
		case <-b.done:
		case <-time.After(30 * time.Second):
			t.Errorf("vigil %s did not stop when the test ended", strings.Join(args, " "))
		}
	})
	return b
}

// address waits up to 60 s for what the command writes to w to match re,
// and returns re's first group: the address it says it listens on.
func (b *background) address(t *testing.T, w *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(w.String()); m != nil {
			return m[1]
		}
		select {
		case <-b.done:
			t.Fatalf("vigil ended (%v) before it printed an address: %q", b.err, w.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("vigil printed no address: %q", w.String())
		}
	}
}

// stop cancels the command and returns what Run returned, failing the
// test when it has not stopped within the time given.
func (b *background) stop(t *testing.T, within time.Duration) error {
	t.Helper()
	b.cancel()
	select {
	case <-b.done:
		return b.err
	case <-time.After(within):
		t.Fatalf("vigil did not stop within %s of cancel", within)
		return nil
	}
}

// Where a command says it serves: serve on stdout, --metrics-addr on
// stderr.
var (
	servingAt = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	metricsAt = regexp.MustCompile(`metrics on http://(127\.0\.0\.1:\d+)/metrics`)
)

// TestServe runs `vigil serve` on the demo store, reads the address it
// prints, asks it for the demo's incidents and stops it by cancelling.
func TestServe(t *testing.T) {
	// Public read access by the flag, and by the configuration (here the
	// environment) when no flag says otherwise.
	for _, how := range []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"flag", []string{"--public"}, nil},
		{"environment", nil, map[string]string{"VIGIL_PUBLIC": "true"}},
	} {
		t.Run(how.name, func(t *testing.T) { testServe(t, how.args, how.vars) })
	}
}

func testServe(t *testing.T, extra []string, vars map[string]string) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	mustVigil(t, db, "demo")
	serve := startVigil(t, Env{Getenv: func(k string) string { return vars[k] }, Now: time.Now},
		append([]string{"--db", db, "serve", "--addr", "127.0.0.1:0"}, extra...)...)
	addr := serve.address(t, &serve.out, servingAt)
	resp, err := http.Get("http://" + addr + "/api/incidents?country=IR")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Incidents []json.RawMessage `json:"incidents"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Incidents) != 11 {
		t.Errorf("GET /api/incidents: %d incidents (%v), want the demo's 11", len(page.Incidents), err)
	}
	// One /metrics carries the server's series and the store's.
	metrics := waitMetrics(t, addr, `vigil_http_requests_total{code="200",route="GET /api/incidents"} 1`,
		`vigil_store_operation_duration_seconds_count{backend="sqlite",op="incidents_list"} 1`,
		`vigil_store_connections_max{pool="write"} 1`)
	if !regexp.MustCompile(`(?m)^vigil_store_rows\{table="incidents"\} [1-9]`).MatchString(metrics) {
		t.Errorf("/metrics: no incidents counted in vigil_store_rows")
	}
	if err := serve.stop(t, 15*time.Second); err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
}

func TestServeUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	for _, args := range [][]string{{"serve", "--addr", "no-port"}, {"serve", "extra"}} {
		_, _, err := vigil(t, db, args...)
		if ExitCode(err) != 2 {
			t.Errorf("vigil %s: got %v (exit %d), want a usage error", strings.Join(args, " "), err, ExitCode(err))
		}
	}
}

// Without --public, serve refuses a store nobody can log in to, and says
// how to make an account.
func TestServeNeedsAnAccount(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	mustVigil(t, db, "demo")
	_, _, err := vigil(t, db, "serve", "--addr", "127.0.0.1:0")
	if ExitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), "vigil users add NAME --role admin") || !strings.Contains(err.Error(), "--public") {
		t.Errorf("serve without an account: got %v (exit %d), want a usage error naming vigil users add and --public", err, ExitCode(err))
	}
	// A flag outranks the configuration.
	var errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb, Now: time.Now,
		Getenv: func(k string) string { return map[string]string{"VIGIL_PUBLIC": "true"}[k] }}
	if err := Run(context.Background(), env, []string{"--db", db, "serve", "--public=false", "--addr", "127.0.0.1:0"}); ExitCode(err) != 2 {
		t.Errorf("serve --public=false with VIGIL_PUBLIC=true: got %v, want the refusal", err)
	}
}

// `vigil serve` polls the followed feeds while it serves: a feed added
// before the server starts has its articles stored without `feeds poll`;
// with --poll=false it is left alone.
func TestServePollsFeeds(t *testing.T) {
	site := feedSite(t)
	for _, polling := range []bool{true, false} {
		db := filepath.Join(t.TempDir(), "vigil.db")
		var out syncBuffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard,
			Getenv: func(string) string { return "" }, Now: time.Now}
		// On the real clock, as the poller is: the test helper's fixed
		// clock would make the feed due only hours from now.
		if err := Run(context.Background(), env, []string{"--db", db, "feeds", "add", site.URL + "/rss",
			"--name", "site", "--every", "30m", "--allow-private"}); err != nil {
			t.Fatal(err)
		}
		args := []string{"--db", db, "serve", "--public", "--addr", "127.0.0.1:0"}
		if !polling {
			args = append(args, "--poll=false")
		}
		serve := startVigil(t, env, args...)
		// Polling: until the items are seen, however slow the machine
		// (the race detector, other tests); not polling: a few seconds in
		// which a poll would have happened.
		wait := 90 * time.Second
		if !polling {
			wait = 3 * time.Second
		}
		seen := 0
		for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			var feeds []struct {
				ItemsSeen int `json:"items_seen"`
			}
			if json.Unmarshal([]byte(mustVigil(t, db, "feeds", "list", "--format", "json")), &feeds) == nil && len(feeds) == 1 {
				seen = feeds[0].ItemsSeen
			}
			if seen > 0 {
				break
			}
		}
		if polling {
			// The poll is in the server's /metrics.
			// The poller starts before the server says where it listens.
			addr := serve.address(t, &serve.out, regexp.MustCompile(`serving .* on http://(127\.0\.0\.1:\d+)/`))
			waitMetrics(t, addr, `vigil_feed_polls_total{feed="site",result="ok"} 1`, `vigil_feed_items_total{feed="site",state="new"} 3`)
		}
		if err := serve.stop(t, time.Minute); err != nil {
			t.Fatalf("serve (poll %v): %v", polling, err)
		}
		if polling && seen != 3 {
			t.Errorf("serve did not poll the feed: %d items seen, want 3\n%s", seen, mustVigil(t, db, "feeds", "list"))
		}
		// What the poller stored is audited as vigil's own doing.
		polls := auditLog(t, db, "--action", "feed.poll")
		var counts struct{ New int }
		if len(polls) > 0 {
			json.Unmarshal(polls[0].Details, &counts)
		}
		if polling && (len(polls) != 1 || polls[0].Actor != "system" || polls[0].Target != "site" || counts.New != 3) {
			t.Errorf("serve's poll in the audit log: got %+v, want one feed.poll of site by system with 3 new", polls)
		}
		if !polling && len(polls) != 0 {
			t.Errorf("serve --poll=false: audit log has %+v", polls)
		}
		if !polling && seen != 0 {
			t.Errorf("serve --poll=false polled the feed: %d items seen", seen)
		}
	}
}

// waitMetrics reads the /metrics of the server at addr until it has
// every line wanted (the poller reports just after it stores) or 10 s
// have passed, and returns the last read.
func waitMetrics(t *testing.T, addr string, want ...string) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		missing := ""
		for _, w := range want {
			if !strings.Contains(body, "\n"+w+"\n") {
				missing = w
				break
			}
		}
		if missing == "" {
			return body
		}
		if time.Now().After(deadline) {
			t.Errorf("/metrics: no line %q in\n%s", missing, grepLines(body, "vigil_"))
			return body
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
