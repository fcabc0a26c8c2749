package alert

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// Mailer sends alerts by e-mail over SMTP, always upgraded with STARTTLS:
// alerts about violence are not sent in clear text, and a server that
// does not offer STARTTLS is an error.
type Mailer struct {
	Addr     string // host:port of the submission server
	From     string // the sender's address
	Username string // PLAIN authentication after STARTTLS when set
	Password string
	// TLS configures STARTTLS; nil verifies the server against the system
	// roots under the host name of Addr.
	TLS *tls.Config
	// Hello is the name given in EHLO; default "localhost".
	Hello string
	// Timeout bounds one message, connection to QUIT. Default 30 s.
	Timeout time.Duration
}

// Send sends one message to one address with every alert of items (of one
// rule), dated now.
func (m *Mailer) Send(ctx context.Context, to string, items []store.OutboxItem, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return permanent(fmt.Errorf("smtp %s: %w", m.Addr, err))
	}
	msg, err := Message(m.From, to, items, now)
	if err != nil {
		return permanent(err)
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", m.Addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// net/smtp does not watch ctx: closing the connection when it ends
	// unblocks whatever the client waits for.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", m.Addr, err)
	}
	defer c.Close()
	hello := m.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("smtp %s: EHLO: %w", m.Addr, err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return fmt.Errorf("smtp %s: the server does not offer STARTTLS", m.Addr)
	}
	cfg := m.TLS
	if cfg == nil {
		cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	if err := c.StartTLS(cfg); err != nil {
		return fmt.Errorf("smtp %s: STARTTLS: %w", m.Addr, err)
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("smtp %s: AUTH: %w", m.Addr, err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", m.Addr, err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp %s: RCPT TO %s: %w", m.Addr, to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", m.Addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", m.Addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", m.Addr, err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp %s: QUIT: %w", m.Addr, err)
	}
	return nil
}

// Message builds the e-mail for items (alerts of one rule): one alert's
// title as its subject, or the rule's name and the number of alerts. Its
// Message-ID is made from the items' idempotency keys, so that a message
// sent again after a crash has the same id and a receiver can drop it.
func Message(from, to string, items []store.OutboxItem, now time.Time) ([]byte, error) {
	for _, a := range []string{from, to} {
		if strings.ContainsAny(a, "\r\n") {
			return nil, fmt.Errorf("e-mail address %q: contains a line break", a)
		}
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.IdemKey
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	subject := "[vigil] " + items[0].Alert.Title
	if len(items) > 1 {
		subject = fmt.Sprintf("[vigil] %s: %d alerts", items[0].Alert.RuleName, len(items))
	}
	var body bytes.Buffer
	for i, it := range items {
		if i > 0 {
			body.WriteString("\n\n")
		}
		a := it.Alert
		fmt.Fprintf(&body, "%s\n", a.Title)
		fmt.Fprintf(&body, "Rule: %s (%s), at %s\n", a.RuleName, a.Kind, a.At.UTC().Format(time.RFC3339))
		if a.Summary != "" {
			fmt.Fprintf(&body, "\n%s\n", a.Summary)
		}
		fmt.Fprintf(&body, "\nEvidence: incidents %s; reports %s\n", listOrNone(a.Incidents), listOrNone(a.Reports))
	}
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	if _, err := w.Write(bytes.ReplaceAll(body.Bytes(), []byte("\n"), []byte("\r\n"))); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from)
	header("To", to)
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(subject)))
	header("Date", now.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(sum[:16])+"@vigil.alerts>")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("X-Vigil-Alerts", fmt.Sprint(len(items)))
	b.WriteString("\r\n")
	b.Write(qp.Bytes())
	return b.Bytes(), nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}
