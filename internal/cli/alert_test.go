package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mmcdole/gofeed"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/store"
)

// vigilEnv runs one command in-process with the environment given.
func vigilEnv(t *testing.T, vars map[string]string, now time.Time, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return vars[k] }, Now: func() time.Time { return now }}
	err := Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

// hookRecorder is a webhook receiver that checks each signature and
// records each idempotency key as it arrives.
type hookRecorder struct {
	t      *testing.T
	secret []byte
	delay  time.Duration
	arrive chan string // each key as it arrives, if not nil

	mu   sync.Mutex
	keys []string
	bad  int
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	key := r.Header.Get(alert.HeaderIdempotencyKey)
	h.mu.Lock()
	if alert.VerifySignature(h.secret, body, r.Header.Get(alert.HeaderTimestamp), r.Header.Get(alert.HeaderSignature), time.Now(), 0) != nil {
		h.bad++
		h.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	h.keys = append(h.keys, key)
	h.mu.Unlock()
	if h.arrive != nil {
		select {
		case h.arrive <- key:
		default:
		}
	}
	time.Sleep(h.delay)
	w.WriteHeader(http.StatusOK)
}

func (h *hookRecorder) received() (all []string, distinct []string, bad int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	all = slices.Clone(h.keys)
	distinct = slices.Compact(slices.Sorted(slices.Values(all)))
	return all, distinct, h.bad
}

// TestAlertsCommands runs the alerts commands on both stores over the
// demo dataset: rules, a check at a given time, delivery to a webhook,
// the list and the Atom feed.
func TestAlertsCommands(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
			hook := &hookRecorder{t: t, secret: []byte("alert-test-secret-k")}
			srv := httptest.NewServer(hook)
			defer srv.Close()
			sink, smtpAddr, caFile := startSMTPServer(t)
			vars := map[string]string{"VIGIL_DB": db, "VIGIL_WEBHOOK_SECRET": "alert-test-secret-k",
				"VIGIL_SMTP_ADDR": smtpAddr, "VIGIL_SMTP_FROM": "vigil@example.org", "VIGIL_SMTP_CA": caFile}
			run := func(args ...string) string {
				t.Helper()
				out, stderr, err := vigilEnv(t, vars, now, args...)
				if err != nil {
					t.Fatalf("vigil %s: %v\n%s", strings.Join(args, " "), err, stderr)
				}
				return out
			}
			run("demo")
			run("alerts", "rules", "add", "incident", "--name", "deadly", "--min-killed", "20", "--since", "2000-01-01", "--recent", "0", "--webhook", srv.URL)
			run("alerts", "rules", "add", "claim", "--name", "IS claims", "--actor", "islamic state", "--since", "2000-01-01", "--recent", "0",
				"--email", "Duty Officer <duty@example.org>")
			run("alerts", "rules", "add", "surge", "--name", "surges")
			if _, _, err := vigilEnv(t, vars, now, "alerts", "rules", "add", "surge", "--name", "bad", "--window", "day"); ExitCode(err) != 2 || !strings.Contains(err.Error(), "window") {
				t.Errorf("a bad window got %v, want a usage error naming window", err)
			}
			var rules []store.AlertRule
			if err := json.Unmarshal([]byte(run("alerts", "rules", "list", "--format", "json")), &rules); err != nil || len(rules) != 3 {
				t.Fatalf("rules list got %v (%v), want 3", rules, err)
			}
			run("alerts", "rules", "add", "surge", "--name", "surges 2", "--email", "a@example.org", "--email", "b@example.org")
			run("alerts", "rules", "edit", "4", "--floor", "5", "--email", "c@example.org", "--name", "surges, floor 5")
			if err := json.Unmarshal([]byte(run("alerts", "rules", "list", "--format", "json")), &rules); err != nil || len(rules) != 4 {
				t.Fatalf("rules list got %v (%v), want 4", rules, err)
			}
			var edited alert.Spec
			if err := json.Unmarshal(rules[3].Spec, &edited); err != nil || edited.Floor != 5 || edited.Window != "week" ||
				!slices.Equal(edited.Emails, []string{"c@example.org"}) || rules[3].Name != "surges, floor 5" || rules[3].Kind != "surge" {
				t.Errorf("edited rule got %+v %+v (%v), want floor 5, window kept, the one new address", rules[3], edited, err)
			}
			if _, _, err := vigilEnv(t, vars, now, "alerts", "rules", "edit", "4", "--window", "day"); ExitCode(err) != 2 {
				t.Errorf("an edit to a bad window got %v, want a usage error", err)
			}
			if _, _, err := vigilEnv(t, vars, now, "alerts", "rules", "edit", "99", "--floor", "1"); err == nil || !errors.Is(err, store.ErrNotFound) {
				t.Errorf("editing rule 99 got %v, want not found", err)
			}
			run("alerts", "rules", "rm", "4")
			run("alerts", "rules", "rm", "3")
			if _, _, err := vigilEnv(t, vars, now, "alerts", "rules", "rm", "3"); err == nil {
				t.Errorf("removing rule 3 twice got no error")
			}

			var res alert.Result
			if err := json.Unmarshal([]byte(run("alerts", "check", "--at", "2026-11-25T13:00:00Z", "--format", "json")), &res); err != nil {
				t.Fatal(err)
			}
			// The demo's incidents with 20 killed or more: Zahedan 2019,
			// Ahvaz 2018, Kerman 2024; Islamic State claims in it: the
			// demo's Tehran, Ahvaz, Shiraz and Kerman attacks.
			var deadly, claims int
			for _, a := range res.Alerts {
				switch a.RuleName {
				case "deadly":
					deadly++
				case "IS claims":
					claims++
				}
				if len(a.Incidents) != 1 || len(a.Reports) != 1 {
					t.Errorf("alert %q evidence got %v %v, want one incident and its report", a.Title, a.Incidents, a.Reports)
				}
			}
			if deadly != 3 || claims < 3 {
				t.Errorf("check got %d deadly and %d claim alerts, want 3 and at least 3", deadly, claims)
			}
			if again := run("alerts", "check", "--at", "2026-11-25T13:00:00Z"); !strings.Contains(again, ": 0 new alerts") {
				t.Errorf("second check got %q, want no new alerts", again)
			}
			// The check that stored alerts is in the audit log, the one
			// that stored none is not.
			var entries []store.AuditEntry
			if err := json.Unmarshal([]byte(run("audit", "--action", "alert.check", "--format", "json")), &entries); err != nil || len(entries) != 1 ||
				!strings.Contains(string(entries[0].Details), fmt.Sprintf("%d", res.Alerts[0].ID)) {
				t.Errorf("audit of alert checks: %v %+v, want one entry naming the alerts", err, entries)
			}
			out := run("alerts", "deliver")
			if want := fmt.Sprintf("delivered %d (1 e-mails)", 3+claims); !strings.Contains(out, want) {
				t.Errorf("deliver got %q, want %q: 3 webhooks and the claims in one e-mail", out, want)
			}
			if msgs := sink.messages(); len(msgs) != 1 || !strings.Contains(msgs[0], fmt.Sprintf("Subject: [vigil] IS claims: %d alerts", claims)) ||
				!strings.Contains(msgs[0], "To: duty@example.org") {
				t.Errorf("SMTP server got %d messages, want one of %d claims to duty@example.org:\n%v", len(msgs), claims, msgs)
			}
			// The delivery run is audited: per channel what was sent,
			// and the alerts; no target, message or secret.
			if err := json.Unmarshal([]byte(run("audit", "--action", "alert.deliver", "--format", "json")), &entries); err != nil || len(entries) != 1 {
				t.Fatalf("audit of deliveries: %v %+v, want one entry", err, entries)
			}
			var dd struct {
				Channels map[string]alert.ChannelStats `json:"channels"`
				Alerts   []int64                       `json:"alerts"`
			}
			if err := json.Unmarshal(entries[0].Details, &dd); err != nil {
				t.Fatal(err)
			}
			if dd.Channels["webhook"] != (alert.ChannelStats{Sent: 3}) || dd.Channels["email"] != (alert.ChannelStats{Sent: claims}) || len(dd.Alerts) != 3+claims {
				t.Errorf("audit of the delivery: %s, want 3 webhooks and %d e-mail items sent, %d alerts", entries[0].Details, claims, 3+claims)
			}
			for _, secret := range []string{srv.URL, strings.TrimPrefix(srv.URL, "http://"), "duty@example.org", "alert-test-secret-k", "Subject"} {
				if strings.Contains(string(entries[0].Details), secret) {
					t.Errorf("audit of the delivery holds %q: %s", secret, entries[0].Details)
				}
			}
			if _, distinct, bad := hook.received(); len(distinct) != 3 || bad != 0 {
				t.Errorf("receiver got %d keys, %d bad signatures; want 3 and 0", len(distinct), bad)
			}
			var items []store.OutboxItem
			if err := json.Unmarshal([]byte(run("alerts", "outbox", "--state", "delivered", "--format", "json")), &items); err != nil ||
				len(items) != 3+claims {
				t.Errorf("outbox --state delivered got %d items (%v), want %d", len(items), err, 3+claims)
			}
			if table := run("alerts", "outbox"); !strings.Contains(table, "delivered") || !strings.Contains(table, "duty@example.org") {
				t.Errorf("outbox table got %q, want the deliveries", table)
			}
			list := run("alerts", "list")
			if !strings.Contains(list, "Kerman") || !strings.Contains(list, "evidence: incidents") {
				t.Errorf("list got %q, want Kerman with its evidence", list)
			}
			feed, err := gofeed.NewParser().ParseString(run("alerts", "feed", "--limit", "0"))
			if err != nil || len(feed.Items) != len(res.Alerts) {
				t.Fatalf("feed got %v, %v; want %d entries", feed, err, len(res.Alerts))
			}
		})
	}
}

// mailSink is an SMTP server backend that keeps the messages it gets
// over TLS and refuses any sent in clear text.
type mailSink struct {
	mu   sync.Mutex
	msgs []string
}

func (m *mailSink) messages() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.msgs)
}

func (m *mailSink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &mailSession{sink: m, conn: c}, nil
}

type mailSession struct {
	sink *mailSink
	conn *smtp.Conn
}

func (s *mailSession) Reset()                                    {}
func (s *mailSession) Logout() error                             { return nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { return nil }
func (s *mailSession) Data(r io.Reader) error {
	if _, ok := s.conn.TLSConnectionState(); !ok {
		return errors.New("clear text")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, string(b))
	s.sink.mu.Unlock()
	return nil
}

// startSMTPServer starts a real SMTP server with STARTTLS on a loopback
// port, under a self-signed certificate written to a PEM file for
// VIGIL_SMTP_CA.
func startSMTPServer(t *testing.T) (*mailSink, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigil test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &mailSink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return sink, l.Addr().String(), caFile
}

// buildVigil builds the vigil binary into a temporary directory.
func buildVigil(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vigil")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/vigil-project/vigil/cmd/vigil")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestDeliverSurvivesKill kills `vigil alerts deliver --loop` with
// SIGKILL while a slow receiver holds a delivery, restarts it, and checks
// that every alert was received at least once and, deduplicated by
// idempotency key, exactly once.
func TestDeliverSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; not in -short")
	}
	bin := buildVigil(t)
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) { testDeliverSurvivesKill(t, bin, db) })
	}
}

// outboxLister is the store method the test reads the outbox with.
type outboxLister interface {
	Outbox(ctx context.Context) ([]store.OutboxItem, error)
}

func testDeliverSurvivesKill(t *testing.T, bin, db string) {
	ctx := t.Context()
	const n = 30
	seedSynthetic(t, db, n)

	hook := &hookRecorder{t: t, secret: []byte("kill-test-secret-16+"), delay: 300 * time.Millisecond, arrive: make(chan string, 1)}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	env := append(os.Environ(), "VIGIL_DB="+db, "VIGIL_WEBHOOK_SECRET=kill-test-secret-16+")
	runBin := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("vigil %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	runBin("alerts", "rules", "add", "incident", "--name", "all", "--since", "2025-12-31", "--recent", "0", "--webhook", srv.URL)
	if out := runBin("alerts", "check", "--at", "2026-01-02T00:00:00Z"); !strings.Contains(out, ": 30 new alerts") {
		t.Fatalf("check got %q, want 30 new alerts", out)
	}
	deliver := func() *exec.Cmd {
		cmd := exec.Command(bin, "alerts", "deliver", "--loop", "--poll", "100ms", "--lease", "2s", "--batch", "5", "--timeout", "5s")
		cmd.Env = env
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}

	first := deliver()
	// Let some deliveries through, then kill while the receiver holds one.
	for i := 0; i < 8; i++ {
		select {
		case <-hook.arrive:
		case <-time.After(30 * time.Second):
			first.Process.Kill()
			t.Fatalf("only %d deliveries arrived", i)
		}
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	before, _, _ := hook.received()
	if len(before) >= n {
		t.Fatalf("all %d delivered before the kill: the test did not kill mid-delivery", len(before))
	}

	second := deliver()
	deadline := time.After(60 * time.Second)
	for {
		_, distinct, _ := hook.received()
		if len(distinct) == n {
			break
		}
		select {
		case <-deadline:
			second.Process.Kill()
			t.Fatalf("after the restart only %d of %d alerts arrived", len(distinct), n)
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Let the last answer be recorded, then stop the deliverer as an
	// operator would.
	time.Sleep(500 * time.Millisecond)
	second.Process.Signal(syscall.SIGTERM)
	if err := second.Wait(); err != nil {
		t.Errorf("deliverer stopped by SIGTERM: %v", err)
	}

	all, distinct, bad := hook.received()
	s, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	items, err := s.(outboxLister).Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, it := range items {
		want = append(want, it.IdemKey)
		if it.State != store.OutboxDelivered {
			t.Errorf("outbox item %d is %s, want delivered", it.ID, it.State)
		}
	}
	slices.Sort(want)
	if !slices.Equal(distinct, want) {
		t.Errorf("distinct keys received got %d, want the %d of the outbox", len(distinct), len(want))
	}
	if bad != 0 {
		t.Errorf("%d requests with a bad signature", bad)
	}
	// The delivery held when vigil was killed went out again with the
	// same key: at least once, and exactly once by key.
	if len(all) <= len(distinct) {
		t.Errorf("received %d requests for %d keys: want the killed delivery repeated", len(all), len(distinct))
	}
	t.Logf("received %d requests, %d distinct keys (%d before the kill)", len(all), len(distinct), len(before))
}

func TestAlertsHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "alerts"}, {"alerts", "-h"}, {"alerts", "--help"}} {
		out, stderr, err := vigilEnv(t, nil, time.Time{}, args...)
		if ExitCode(err) != 0 || !strings.Contains(out+stderr, "rules add KIND") {
			t.Errorf("vigil %s got exit %d (%v), output %q; want the alerts usage and exit 0", strings.Join(args, " "), ExitCode(err), err, out+stderr)
		}
	}
	if _, _, err := vigilEnv(t, nil, time.Time{}, "alerts", "frobnicate"); ExitCode(err) != 2 {
		t.Errorf("an unknown subcommand got exit %d, want 2", ExitCode(err))
	}
}
