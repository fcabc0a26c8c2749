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
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256 of the body
	// under the shared secret.
	HeaderSignature = "X-Vigil-Signature"
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
}

// Sign returns the signature header value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether header is the signature of body under
// secret, comparing in constant time: what a receiver checks.
func VerifySignature(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
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
	if len(w.Secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(w.Secret, body))
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
