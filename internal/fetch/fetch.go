// Package fetch gets documents over HTTP for vigil's feed reader, safely
// by default: it refuses private, loopback, link-local, multicast and
// unspecified addresses (unless allowed per request), checked on the
// address actually dialled, after DNS resolution, for every connection
// including each redirect's, so that neither a redirect nor a DNS answer
// that changes between check and use (rebinding) can reach the local
// network. Responses are limited in size, in total time, in time to the
// headers and in redirects; conditional GET (ETag, Last-Modified) makes
// an unchanged feed cost a 304.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// DefaultUserAgent names vigil to the servers it polls, with where to
// learn what it is.
const DefaultUserAgent = "vigil-feed-reader/1.0 (+https://github.com/vigil-project/vigil)"

// Defaults for the zero Options.
const (
	DefaultMaxBytes      = 16 << 20
	DefaultTimeout       = 30 * time.Second
	DefaultHeaderTimeout = 15 * time.Second
	DefaultMaxRedirects  = 5
)

// ErrBlocked is returned (wrapped) for a request to an address that is
// not allowed: private, loopback, link-local, multicast or unspecified.
var ErrBlocked = errors.New("address not allowed")

// ErrTooLarge is returned (wrapped) for a response over the size limit.
var ErrTooLarge = errors.New("response too large")

// StatusError is an HTTP response other than 200–299 and 304.
type StatusError struct {
	URL    string
	Code   int
	Status string
	// RetryAfter is the server's Retry-After in seconds, 0 when none.
	RetryAfter int
}

// Error gives the URL and the status line.
func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: %s", e.URL, e.Status) }

// StatusCode is the response's status code: what package metrics sorts
// feed errors by, without importing fetch.
func (e *StatusError) StatusCode() int { return e.Code }

// Options configure a Client. Zero fields take the defaults.
type Options struct {
	MaxBytes      int64         // largest body read
	Timeout       time.Duration // whole request, body included
	HeaderTimeout time.Duration // until the response headers
	MaxRedirects  int
	UserAgent     string
	// Blocked decides which addresses are refused; nil is Blocked. Tests
	// set it to refuse one loopback address and allow another.
	Blocked func(netip.Addr) bool
}

// Client fetches documents. It is safe for concurrent use; connections
// are kept and reused between polls.
type Client struct {
	opt     Options
	safe    *http.Client // dials only allowed addresses
	private *http.Client // dials any address (AllowPrivate)
}

// New returns a client with opt's limits.
func New(opt Options) *Client {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.HeaderTimeout <= 0 {
		opt.HeaderTimeout = DefaultHeaderTimeout
	}
	if opt.MaxRedirects <= 0 {
		opt.MaxRedirects = DefaultMaxRedirects
	}
	if opt.UserAgent == "" {
		opt.UserAgent = DefaultUserAgent
	}
	if opt.Blocked == nil {
		opt.Blocked = Blocked
	}
	c := &Client{opt: opt}
	c.safe = c.httpClient(opt.Blocked)
	c.private = c.httpClient(nil)
	return c
}

// httpClient returns an HTTP client whose dialer refuses the addresses
// blocked says (none when nil).
func (c *Client) httpClient(blocked func(netip.Addr) bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if blocked != nil {
		// Control runs on the resolved address just before connecting:
		// whatever a name resolved to, and wherever a redirect led.
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrBlocked, address)
			}
			if blocked(ap.Addr().Unmap()) {
				return fmt.Errorf("%w: %s is private, loopback, link-local, multicast or reserved", ErrBlocked, ap.Addr())
			}
			return nil
		}
	}
	t := &http.Transport{
		// Never a proxy from the environment: the address check would
		// then see the proxy's address, not the server's.
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           200,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  c.opt.HeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > c.opt.MaxRedirects {
				return fmt.Errorf("more than %d redirects", c.opt.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s: only http and https", req.URL.Redacted())
			}
			// An address in the URL is refused here already; a name is
			// checked when it is dialled.
			if blocked != nil {
				if a, err := netip.ParseAddr(req.URL.Hostname()); err == nil && blocked(a.Unmap()) {
					return fmt.Errorf("redirect to %s: %w", a, ErrBlocked)
				}
			}
			return nil
		},
	}
}

// Blocked reports whether an address is one a fetch must not reach
// unless allowed: loopback, private (RFC 1918, fc00::/7), link-local
// (169.254/16 with the cloud metadata service, fe80::/10), multicast,
// unspecified, and the other special-purpose ranges that are never a
// public web server (0/8, 100.64/10 shared, 192.0.0/24, benchmarking
// 198.18/15, 240/4 reserved and broadcast, documentation ranges).
func Blocked(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range specialPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Request is one GET.
type Request struct {
	URL string
	// ETag and LastModified are the validators of the last response:
	// sent as If-None-Match and If-Modified-Since.
	ETag, LastModified string
	// AllowPrivate lets the request reach private, loopback and
	// link-local addresses (a feed on the local network).
	AllowPrivate bool
	// Accept is the Accept header; empty sends one for feeds.
	Accept string
}

// Response is a fetched document, or the news that it did not change.
type Response struct {
	// URL is where the document came from, after redirects.
	URL string
	// NotModified is true for a 304: Body is empty and the validators
	// are those sent.
	NotModified        bool
	Body               []byte
	ContentType        string
	ETag, LastModified string
}

// feedAccept asks for feeds first, then anything.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"

// Get fetches a document. A status other than 2xx and 304 is a
// *StatusError; a refused address wraps ErrBlocked; a body over the
// limit wraps ErrTooLarge.
func (c *Client) Get(ctx context.Context, r Request) (*Response, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("GET %q: %w", r.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("GET %s: only http and https URLs", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("GET %s: no host", u.Redacted())
	}
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	req.Header.Set("User-Agent", c.opt.UserAgent)
	accept := r.Accept
	if accept == "" {
		accept = feedAccept
	}
	req.Header.Set("Accept", accept)
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	hc := c.safe
	if r.AllowPrivate {
		hc = c.private
	}
	resp, err := hc.Do(req)
	if err != nil {
		// *url.Error repeats the method and URL this error gives already.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	out := &Response{URL: resp.Request.URL.String(), ContentType: resp.Header.Get("Content-Type"),
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = r.ETag
		}
		if out.LastModified == "" {
			out.LastModified = r.LastModified
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Drain a little so that the connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		se := &StatusError{URL: u.Redacted(), Code: resp.StatusCode, Status: resp.Status}
		fmt.Sscanf(resp.Header.Get("Retry-After"), "%d", &se.RetryAfter)
		return nil, se
	}
	if resp.ContentLength > c.opt.MaxBytes {
		return nil, fmt.Errorf("GET %s: %d bytes: %w (limit %d)", u.Redacted(), resp.ContentLength, ErrTooLarge, c.opt.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opt.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", u.Redacted(), err)
	}
	if int64(len(body)) > c.opt.MaxBytes {
		return nil, fmt.Errorf("GET %s: %w (limit %d bytes)", u.Redacted(), ErrTooLarge, c.opt.MaxBytes)
	}
	out.Body = body
	return out, nil
}
