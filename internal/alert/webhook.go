package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// Webhook request headers.
const (
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256, under the
	// shared secret, of the timestamp header's value, a dot and the body.
	HeaderSignature = "X-Vigil-Signature"
	// HeaderTimestamp carries the attempt's time in Unix seconds. It is
	// signed with the body so that a receiver can refuse a captured
	// request replayed later (VerifySignature's tolerance).
	HeaderTimestamp = "X-Vigil-Timestamp"
	// HeaderIdempotencyKey carries the delivery's idempotency key, the same
	// on every attempt: receivers deduplicate by it.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderAttempt carries the attempt number, from 1.
	HeaderAttempt = "X-Vigil-Attempt"
)

// WebhookBody is the JSON a webhook receives. It is the same on every
// attempt, so that its signature is too.
type WebhookBody struct {
	IdempotencyKey string      `json:"idempotency_key"`
	Alert          store.Alert `json:"alert"`
}

// Webhook posts alerts as signed JSON.
type Webhook struct {
	Client *http.Client // default http.DefaultClient
	Secret []byte       // HMAC key; empty sends no signature
	// Timeout bounds one attempt, connection to answer. Default 10 s.
	Timeout time.Duration
	// Now gives the time signed into each attempt; default time.Now.
	Now func() time.Time
}

// DefaultTolerance is how far a webhook's timestamp may be from the
// receiver's clock before VerifySignature refuses it: long enough for
// clock skew and a slow network, short enough that a captured request
// cannot be replayed for long.
const DefaultTolerance = 5 * time.Minute

// Sign returns the signature header value of body sent with the
// timestamp header value ts, under secret.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature is what a receiver checks: that sig is the signature
// of ts and body under secret (compared in constant time) and that ts is
// within tolerance of now (DefaultTolerance when tolerance is 0), so that
// neither a forged nor a replayed request passes.
func VerifySignature(secret, body []byte, ts, sig string, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("webhook signature: does not match the body and timestamp")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook timestamp %q: not Unix seconds", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook timestamp %q: %v away from now, more than the %v allowed", ts, d.Round(time.Second), tolerance)
	}
	return nil
}

// Send posts one outbox item. A 2xx answer is delivered; 408, 425, 429
// and 5xx answers and network errors are worth retrying; other answers
// are permanent failures.
func (w *Webhook) Send(ctx context.Context, it store.OutboxItem) error {
	body, err := json.Marshal(WebhookBody{IdempotencyKey: it.IdemKey, Alert: it.Alert})
	if err != nil {
		return permanent(fmt.Errorf("webhook %s: encode: %w", it.Target, err))
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, it.Target, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("webhook %s: %w", it.Target, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigil-alerts")
	req.Header.Set(HeaderIdempotencyKey, it.IdemKey)
	req.Header.Set(HeaderAttempt, strconv.Itoa(it.Attempts+1))
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req.Header.Set(HeaderTimestamp, ts)
	if len(w.Secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	}
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", it.Target, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout || c == http.StatusTooEarly || c == http.StatusTooManyRequests || c >= 500:
		return fmt.Errorf("webhook %s: %s: %s", it.Target, resp.Status, strings.TrimSpace(string(msg)))
	default:
		return permanent(fmt.Errorf("webhook %s: %s: %s", it.Target, resp.Status, strings.TrimSpace(string(msg))))
	}
}
