package alert_test

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
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mmcdole/gofeed"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// enqueue stores an alert of rule with deliveries to the targets.
func enqueue(t testing.TB, s *sqlite.Store, rule int64, key string, at time.Time, ds ...store.Delivery) store.Alert {
	t.Helper()
	a := store.Alert{RuleID: rule, RuleName: fmt.Sprintf("rule %d", rule), Kind: "incident", Key: key, At: at,
		Title: "Kerman: bombing, 95 killed (" + key + ")", Summary: "i1 2024-01-03 bombing in Kerman, IR",
		Incidents: []string{"i1"}, Reports: []string{"gtd:1"}}
	for i := range ds {
		ds[i].IdemKey = alert.IdempotencyKey(rule, key, ds[i])
	}
	ids, err := s.SaveAlerts(t.Context(), []store.NewAlert{{Alert: a, Deliveries: ds}})
	if err != nil || len(ids) != 1 || ids[0] == 0 {
		t.Fatalf("SaveAlerts: %v %v", ids, err)
	}
	a.ID = ids[0]
	return a
}

// receiver is a webhook endpoint that checks signatures and records
// idempotency keys; it answers 503 to the first fail requests.
type receiver struct {
	t      *testing.T
	secret []byte
	mu     sync.Mutex
	fail   int
	keys   []string
	status int // answer after the failures; 0 is 200
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := alert.VerifySignature(r.secret, body, req.Header.Get(alert.HeaderTimestamp), req.Header.Get(alert.HeaderSignature), time.Now(), 0); err != nil {
		r.t.Errorf("signature %q: %v", req.Header.Get(alert.HeaderSignature), err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b alert.WebhookBody
	if err := json.Unmarshal(body, &b); err != nil || b.IdempotencyKey != req.Header.Get(alert.HeaderIdempotencyKey) {
		r.t.Errorf("body %s: %v; key header %q", body, err, req.Header.Get(alert.HeaderIdempotencyKey))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, b.IdempotencyKey+" "+req.Header.Get(alert.HeaderAttempt))
	if r.fail > 0 {
		r.fail--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if r.status != 0 {
		http.Error(w, "no", r.status)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookRetries(t *testing.T) {
	s := openStore(t)
	secret := []byte("s3cret")
	rec := &receiver{t: t, secret: secret, fail: 2}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	clk := &clock{t: time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)}
	a := enqueue(t, s, 1, "k1", clk.Now(), store.Delivery{Channel: alert.ChannelWebhook, Target: srv.URL})
	key := alert.IdempotencyKey(1, "k1", store.Delivery{Channel: alert.ChannelWebhook, Target: srv.URL})
	d := &alert.Deliverer{Outbox: s, Webhook: &alert.Webhook{Secret: secret, Timeout: 5 * time.Second}, Now: clk.Now,
		RetryBase: time.Minute, RetryMax: time.Hour, Jitter: func() float64 { return 0.5 }}

	st, err := d.DeliverOnce(t.Context())
	if err != nil || st.Failed != 1 || st.Delivered != 0 {
		t.Fatalf("first drain got %+v, %v; want one failure", st, err)
	}
	if got := st.Channels[alert.ChannelWebhook]; got != (alert.ChannelStats{Failed: 1}) || len(st.Alerts) != 0 {
		t.Errorf("first drain's channels %+v and alerts %v, want one webhook failure and no alert sent", st.Channels, st.Alerts)
	}
	items, _ := s.Outbox(t.Context())
	// After the first failure: base/2 + jitter 0.5 × base/2 = 45 s.
	if want := clk.Now().Add(45 * time.Second); !items[0].NextAttempt.Equal(want) || items[0].LastError == "" {
		t.Errorf("rescheduled at %s (error %q), want %s and the error kept", items[0].NextAttempt, items[0].LastError, want)
	}
	// Not due yet: nothing happens.
	if st, _ := d.DeliverOnce(t.Context()); st.Leased != 0 {
		t.Errorf("drain before the retry time leased %d", st.Leased)
	}
	clk.Add(45 * time.Second)
	if st, _ := d.DeliverOnce(t.Context()); st.Failed != 1 {
		t.Errorf("second attempt got %+v, want a failure", st)
	}
	items, _ = s.Outbox(t.Context())
	if want := clk.Now().Add(90 * time.Second); !items[0].NextAttempt.Equal(want) {
		t.Errorf("second backoff until %s, want %s (doubled)", items[0].NextAttempt, want)
	}
	clk.Add(90 * time.Second)
	if st, _ := d.DeliverOnce(t.Context()); st.Delivered != 1 || st.Channels[alert.ChannelWebhook] != (alert.ChannelStats{Sent: 1}) ||
		len(st.Alerts) != 1 || st.Alerts[0] != a.ID {
		t.Errorf("third attempt got %+v, want delivered: one webhook sent, alert %d", st, a.ID)
	}
	want := []string{key + " 1", key + " 2", key + " 3"}
	if strings.Join(rec.keys, ",") != strings.Join(want, ",") {
		t.Errorf("receiver got %v, want the same key on attempts 1–3: %v", rec.keys, want)
	}
	items, _ = s.Outbox(t.Context())
	if items[0].State != store.OutboxDelivered || items[0].Alert.ID != a.ID || items[0].Attempts != 2 {
		t.Errorf("item got %+v, want delivered after 2 failed attempts", items[0])
	}

	// A 4xx answer is not worth retrying: the item is given up at once.
	rec.status = http.StatusBadRequest
	enqueue(t, s, 1, "k2", clk.Now(), store.Delivery{Channel: alert.ChannelWebhook, Target: srv.URL})
	if st, _ := d.DeliverOnce(t.Context()); st.Dead != 1 || st.Channels[alert.ChannelWebhook] != (alert.ChannelStats{Dead: 1}) {
		t.Errorf("400 got %+v, want dead", st)
	}
}

func TestWebhookTimeout(t *testing.T) {
	s := openStore(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	clk := &clock{t: time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)}
	enqueue(t, s, 1, "slow", clk.Now(), store.Delivery{Channel: alert.ChannelWebhook, Target: srv.URL})
	d := &alert.Deliverer{Outbox: s, Webhook: &alert.Webhook{Timeout: 100 * time.Millisecond}, Now: clk.Now}
	st, err := d.DeliverOnce(t.Context())
	if err != nil || st.Failed != 1 {
		t.Fatalf("got %+v, %v; want the attempt to time out and fail", st, err)
	}
	items, _ := s.Outbox(t.Context())
	if !strings.Contains(items[0].LastError, "deadline") {
		t.Errorf("error got %q, want a deadline", items[0].LastError)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		j    float64
		want time.Duration
	}{
		{1, 0, 15 * time.Second},
		{1, 0.999999, 30*time.Second - 15*time.Microsecond},
		{2, 0, 30 * time.Second},
		{5, 0, 240 * time.Second},
		{30, 0, 30 * time.Minute},
		{30, 0.5, 45 * time.Minute},
	}
	for _, tc := range tests {
		got := alert.Backoff(tc.n, 30*time.Second, time.Hour, tc.j)
		if got.Round(time.Millisecond) != tc.want.Round(time.Millisecond) {
			t.Errorf("Backoff(%d, jitter %g) got %s, want %s", tc.n, tc.j, got, tc.want)
		}
	}
}

// smtpSink is an SMTP server's backend that keeps every message and
// checks that it came over TLS.
type smtpSink struct {
	t    *testing.T
	mu   sync.Mutex
	msgs []sinkMsg
}

type sinkMsg struct {
	from string
	to   []string
	data []byte
	tls  bool
}

type sinkSession struct {
	sink *smtpSink
	conn *smtp.Conn
	msg  sinkMsg
}

func (b *smtpSink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &sinkSession{sink: b, conn: c}, nil
}

func (s *sinkSession) Reset()        { s.msg = sinkMsg{} }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	_, s.msg.tls = s.conn.TLSConnectionState()
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, s.msg)
	s.sink.mu.Unlock()
	return nil
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "vigil test smtp"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// startSMTP starts a real SMTP server on a loopback port, with STARTTLS
// when cert is given.
func startSMTP(t *testing.T, sink *smtpSink, cert *tls.Certificate) string {
	t.Helper()
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func TestEmailGrouping(t *testing.T) {
	s := openStore(t)
	cert, pool := selfSigned(t)
	sink := &smtpSink{t: t}
	addr := startSMTP(t, sink, &cert)
	clk := &clock{t: time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)}
	to := store.Delivery{Channel: alert.ChannelEmail, Target: "analyst@example.org"}
	for i := range 10 {
		enqueue(t, s, 1, fmt.Sprintf("k%d", i), clk.Now(), to)
	}
	enqueue(t, s, 2, "other", clk.Now(), to)
	d := &alert.Deliverer{Outbox: s, Now: clk.Now, Batch: 50,
		Mail: &alert.Mailer{Addr: addr, From: "vigil@example.org", TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}}
	st, err := d.DeliverOnce(t.Context())
	if err != nil || st.Delivered != 11 || st.Emails != 2 {
		t.Fatalf("got %+v, %v; want 11 alerts in 2 e-mails (one per rule)", st, err)
	}
	if len(sink.msgs) != 2 {
		t.Fatalf("server got %d messages, want 2", len(sink.msgs))
	}
	m := sink.msgs[0]
	if !m.tls || m.from != "vigil@example.org" || len(m.to) != 1 || m.to[0] != to.Target {
		t.Errorf("message got tls %v from %q to %v, want over TLS from vigil to the analyst", m.tls, m.from, m.to)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	if got := parsed.Header.Get("Subject"); got != "[vigil] rule 1: 10 alerts" {
		t.Errorf("subject got %q, want the rule and 10 alerts", got)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(parsed.Body))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if !strings.Contains(string(body), fmt.Sprintf("(k%d)", i)) {
			t.Errorf("body lacks alert k%d:\n%s", i, body)
		}
	}
	if !strings.Contains(string(body), "Evidence: incidents i1; reports gtd:1") {
		t.Errorf("body lacks the evidence trail:\n%s", body)
	}

	// Five more of rule 1 within the hour wait for it to end, then go as one.
	clk.Add(10 * time.Minute)
	for i := range 5 {
		enqueue(t, s, 1, fmt.Sprintf("late%d", i), clk.Now(), to)
		clk.Add(time.Minute)
	}
	if st, _ := d.DeliverOnce(t.Context()); st.Deferred != 5 || st.Emails != 0 {
		t.Errorf("within the hour got %+v, want 5 deferred and no e-mail", st)
	}
	clk.Add(44 * time.Minute) // 12:59
	if st, _ := d.DeliverOnce(t.Context()); st.Leased != 0 {
		t.Errorf("before the hour is over leased %d, want 0", st.Leased)
	}
	clk.Add(time.Minute)
	if st, _ := d.DeliverOnce(t.Context()); st.Emails != 1 || st.Delivered != 5 {
		t.Errorf("after the hour got %+v, want one e-mail of 5", st)
	}
	if len(sink.msgs) != 3 {
		t.Fatalf("server got %d messages, want 3", len(sink.msgs))
	}
	p3, _ := mail.ReadMessage(bytes.NewReader(sink.msgs[2].data))
	if p3 == nil || p3.Header.Get("Subject") != "[vigil] rule 1: 5 alerts" {
		t.Errorf("third message got %v, want the 5 late alerts", p3)
	}
}

func TestEmailNeedsSTARTTLS(t *testing.T) {
	sink := &smtpSink{t: t}
	addr := startSMTP(t, sink, nil)
	m := &alert.Mailer{Addr: addr, From: "vigil@example.org"}
	err := m.Send(t.Context(), "a@example.org", []store.OutboxItem{{Alert: store.Alert{Title: "x"}}}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Send to a server without STARTTLS got %v, want refused", err)
	}
	if len(sink.msgs) != 0 {
		t.Errorf("server got %d messages in clear text", len(sink.msgs))
	}
	// A certificate the client does not trust fails too.
	cert, _ := selfSigned(t)
	addr = startSMTP(t, sink, &cert)
	m = &alert.Mailer{Addr: addr, From: "vigil@example.org"}
	if err := m.Send(t.Context(), "a@example.org", []store.OutboxItem{{Alert: store.Alert{Title: "x"}}}, time.Now()); err == nil {
		t.Errorf("Send to an untrusted certificate got no error")
	}
}

func TestMessage(t *testing.T) {
	items := []store.OutboxItem{{Delivery: store.Delivery{IdemKey: "a"}, Alert: store.Alert{RuleName: "r", Title: "انفجار در کرمان: ۹۵ کشته"}}}
	msg, err := alert.Message("vigil@example.org", "a@example.org", items, time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if got, err := dec.DecodeHeader(p.Header.Get("Subject")); err != nil || got != "[vigil] انفجار در کرمان: ۹۵ کشته" {
		t.Errorf("subject got %q (%v), want the Persian title", got, err)
	}
	again, _ := alert.Message("vigil@example.org", "a@example.org", items, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	p2, _ := mail.ReadMessage(bytes.NewReader(again))
	if p.Header.Get("Message-ID") != p2.Header.Get("Message-ID") {
		t.Errorf("Message-ID changed between sends: %q, %q", p.Header.Get("Message-ID"), p2.Header.Get("Message-ID"))
	}
	if _, err := alert.Message("vigil@example.org", "a@example.org\r\nBcc: x@y", items, time.Now()); err == nil {
		t.Errorf("an address with a line break got no error")
	}
}

func TestAtomFeed(t *testing.T) {
	at := time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)
	alerts := []store.Alert{
		{RuleID: 1, RuleName: "claims", Kind: "claim", Key: "claim/i1/islamic state", At: at.Add(time.Hour),
			Title: "Islamic State claimed responsibility: Kerman <bombing> & more", Summary: "i1 …",
			Incidents: []string{"i1"}, Reports: []string{"gtd:1", "acled:IRN1"}},
		{RuleID: 2, RuleName: "deadly", Kind: "incident", Key: "incident/i1", At: at, Title: "انفجار در کرمان",
			Incidents: []string{"i1"}, Reports: []string{"gtd:1"}},
	}
	var b bytes.Buffer
	if err := alert.RenderAtom(&b, alerts, alert.FeedOptions{Self: "http://localhost:8080/alerts.atom"}); err != nil {
		t.Fatal(err)
	}
	feed, err := gofeed.NewParser().ParseString(b.String())
	if err != nil {
		t.Fatalf("gofeed: %v\n%s", err, b.String())
	}
	if feed.FeedType != "atom" || feed.FeedVersion != "1.0" {
		t.Errorf("feed type got %s %s, want atom 1.0", feed.FeedType, feed.FeedVersion)
	}
	if feed.UpdatedParsed == nil || !feed.UpdatedParsed.Equal(at.Add(time.Hour)) {
		t.Errorf("feed updated got %v, want the newest alert's time", feed.UpdatedParsed)
	}
	if len(feed.Items) != 2 {
		t.Fatalf("items got %d, want 2", len(feed.Items))
	}
	it := feed.Items[0]
	if it.Title != alerts[0].Title || it.GUID != alert.EntryID(alerts[0]) || !strings.Contains(it.Content, "reports: gtd:1, acled:IRN1") {
		t.Errorf("entry got title %q id %q content %q", it.Title, it.GUID, it.Content)
	}
	if feed.Items[1].Title != "انفجار در کرمان" || len(feed.Items[1].Categories) != 1 || feed.Items[1].Categories[0] != "incident" {
		t.Errorf("second entry got %q %v", feed.Items[1].Title, feed.Items[1].Categories)
	}
	if alert.EntryID(alerts[0]) == alert.EntryID(alerts[1]) {
		t.Errorf("two alerts share an entry id")
	}
	// An empty feed is still valid Atom, dated by the options.
	b.Reset()
	if err := alert.RenderAtom(&b, nil, alert.FeedOptions{Updated: at}); err != nil {
		t.Fatal(err)
	}
	if f, err := gofeed.NewParser().ParseString(b.String()); err != nil || len(f.Items) != 0 {
		t.Errorf("empty feed got %v, %v", f, err)
	}
}

func TestNoSenderConfigured(t *testing.T) {
	s := openStore(t)
	clk := &clock{t: time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)}
	enqueue(t, s, 1, "k", clk.Now(), store.Delivery{Channel: alert.ChannelWebhook, Target: "http://x"},
		store.Delivery{Channel: alert.ChannelEmail, Target: "a@example.org"})
	st, err := (&alert.Deliverer{Outbox: s, Now: clk.Now}).DeliverOnce(t.Context())
	if err != nil || st.Failed != 2 {
		t.Errorf("got %+v, %v; want both kept for a retry", st, err)
	}
}

// TestLeaseRunsOut: a batch slower than its lease leaves the items whose
// lease ran out (another deliverer may hold them by then) and takes them
// again under a new lease: each is sent once.
func TestLeaseRunsOut(t *testing.T) {
	s := openStore(t)
	clk := &clock{t: time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get(alert.HeaderIdempotencyKey)]++
		mu.Unlock()
		clk.Add(time.Minute) // each delivery takes as long as the lease
	}))
	defer srv.Close()
	for i := range 3 {
		enqueue(t, s, 1, fmt.Sprintf("k%d", i), clk.Now(), store.Delivery{Channel: alert.ChannelWebhook, Target: srv.URL})
	}
	d := &alert.Deliverer{Outbox: s, Webhook: &alert.Webhook{}, Now: clk.Now, Lease: time.Minute, Batch: 3}
	st, err := d.DeliverOnce(t.Context())
	if err != nil || st.Delivered != 3 || st.Expired == 0 {
		t.Fatalf("got %+v, %v; want 3 delivered after leases ran out", st, err)
	}
	for k, n := range got {
		if n != 1 {
			t.Errorf("key %s sent %d times, want once", k, n)
		}
	}
	if len(got) != 3 {
		t.Errorf("receiver got %d keys, want 3", len(got))
	}
}

// TestStopReleases: a deliverer stopped while a receiver holds a delivery
// releases the item at once, without counting a failed attempt, so that
// the next deliverer sends it without waiting for the lease to run out.
func TestStopReleases(t *testing.T) {
	s := openStore(t)
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client going away.
		io.ReadAll(r.Body)
		close(arrived)
		<-r.Context().Done()
	}))
	defer srv.Close()
	clk := &clock{t: time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)}
	enqueue(t, s, 1, "k", clk.Now(), store.Delivery{Channel: alert.ChannelWebhook, Target: srv.URL})
	d := &alert.Deliverer{Outbox: s, Webhook: &alert.Webhook{}, Now: clk.Now, Lease: time.Hour}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	st, _ := d.DeliverOnce(ctx)
	if st.Interrupted != 1 || st.Failed != 0 {
		t.Errorf("stats got %+v, want one interrupted, no failure", st)
	}
	items, err := s.LeaseOutbox(t.Context(), clk.Now(), time.Minute, 10)
	if err != nil || len(items) != 1 || items[0].Attempts != 0 {
		t.Errorf("after the stop got %+v, %v; want the item leasable at once with no attempt counted", items, err)
	}
}
