package alert_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/store"
)

func TestVerifySignature(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"idempotency_key":"k","alert":{}}`)
	now := time.Unix(1_800_000_000, 0)
	ts := "1800000000"
	good := alert.Sign(secret, ts, body)
	cases := []struct {
		name      string
		secret    []byte
		body      string
		ts, sig   string
		now       time.Time
		tolerance time.Duration
		wantErr   string
	}{
		{"valid", secret, string(body), ts, good, now, 0, ""},
		{"valid within skew", secret, string(body), ts, good, now.Add(4 * time.Minute), 0, ""},
		{"replayed after tolerance", secret, string(body), ts, good, now.Add(6 * time.Minute), 0, "more than"},
		{"from the future", secret, string(body), ts, good, now.Add(-6 * time.Minute), 0, "more than"},
		{"custom tolerance", secret, string(body), ts, good, now.Add(time.Hour), 2 * time.Hour, ""},
		{"body changed", secret, string(body) + " ", ts, good, now, 0, "does not match"},
		{"timestamp changed", secret, string(body), "1800000001", good, now, 0, "does not match"},
		{"wrong secret", []byte("other"), string(body), ts, good, now, 0, "does not match"},
		{"no signature", secret, string(body), ts, "", now, 0, "does not match"},
		{"timestamp not a number", secret, string(body), "soon", alert.Sign(secret, "soon", body), now, 0, "not Unix seconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := alert.VerifySignature(c.secret, []byte(c.body), c.ts, c.sig, c.now, c.tolerance)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("got %v, want an error with %q", err, c.wantErr)
			}
		})
	}
}

// TestWebhookSignsTimestamp checks what a real receiver gets: the
// timestamp of the sender's clock, signed with the body.
func TestWebhookSignsTimestamp(t *testing.T) {
	secret := []byte("k")
	sent := time.Unix(1_700_000_123, 0)
	type got struct {
		ts, sig string
		body    []byte
	}
	ch := make(chan got, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Header.Get(alert.HeaderTimestamp), r.Header.Get(alert.HeaderSignature), b}
	}))
	defer srv.Close()
	wh := &alert.Webhook{Secret: secret, Now: func() time.Time { return sent }}
	if err := wh.Send(t.Context(), store.OutboxItem{Delivery: store.Delivery{Channel: "webhook", Target: srv.URL, IdemKey: "i1"}}); err != nil {
		t.Fatal(err)
	}
	g := <-ch
	if g.ts != "1700000123" {
		t.Errorf("timestamp header %q, want 1700000123", g.ts)
	}
	if err := alert.VerifySignature(secret, g.body, g.ts, g.sig, sent.Add(time.Minute), 0); err != nil {
		t.Errorf("receiver check: %v", err)
	}
	if err := alert.VerifySignature(secret, g.body, g.ts, g.sig, sent.Add(time.Hour), 0); err == nil {
		t.Error("an hour-old request passed the receiver's check")
	}
}
