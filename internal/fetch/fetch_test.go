package fetch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// feedHandler serves a small feed with validators and answers
// conditional requests with 304.
func feedHandler(t *testing.T, seen *http.Header) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			*seen = r.Header.Clone()
		}
		const etag = `"v1"`
		const lm = "Wed, 03 Jan 2024 10:00:00 GMT"
		if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lm {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lm)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte("<rss><channel><item><title>x</title></item></channel></rss>"))
	}
}

func TestPrivateRefusedUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(feedHandler(t, nil)) // on 127.0.0.1
	defer srv.Close()
	c := New(Options{})
	ctx := t.Context()

	_, err := c.Get(ctx, Request{URL: srv.URL})
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("GET %s without AllowPrivate: got %v, want ErrBlocked", srv.URL, err)
	}
	// A name is checked on the address it resolves to.
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := c.Get(ctx, Request{URL: byName}); !errors.Is(err, ErrBlocked) {
		t.Errorf("GET %s without AllowPrivate: got %v, want ErrBlocked", byName, err)
	}
	resp, err := c.Get(ctx, Request{URL: srv.URL, AllowPrivate: true})
	if err != nil {
		t.Fatalf("GET %s with AllowPrivate: %v", srv.URL, err)
	}
	if !strings.Contains(string(resp.Body), "<rss>") || resp.ETag != `"v1"` {
		t.Errorf("got body %q etag %q, want the feed and \"v1\"", resp.Body, resp.ETag)
	}
}

// listen starts a server on a given loopback address.
func listen(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// TestRedirectChecked: a server that is allowed redirects to one that is
// not; the redirect must be refused, by address and by name.
func TestRedirectChecked(t *testing.T) {
	inner := listen(t, "127.0.0.2", feedHandler(t, nil))
	outer := listen(t, "127.0.0.1", http.RedirectHandler(inner.URL, http.StatusFound))
	onlyInner := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.2") }
	c := New(Options{Blocked: onlyInner})
	if _, err := c.Get(t.Context(), Request{URL: inner.URL}); !errors.Is(err, ErrBlocked) {
		t.Fatalf("direct GET of the blocked server: got %v, want ErrBlocked", err)
	}
	_, err := c.Get(t.Context(), Request{URL: outer.URL})
	if !errors.Is(err, ErrBlocked) {
		t.Errorf("redirect to a blocked address: got %v, want ErrBlocked", err)
	}
	if _, err := c.Get(t.Context(), Request{URL: outer.URL, AllowPrivate: true}); err != nil {
		t.Errorf("redirect with AllowPrivate: %v", err)
	}
}

func TestRedirectLimit(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+r.URL.Path+"x", http.StatusFound)
	}))
	defer srv.Close()
	c := New(Options{MaxRedirects: 3})
	_, err := c.Get(t.Context(), Request{URL: srv.URL + "/", AllowPrivate: true})
	if err == nil || !strings.Contains(err.Error(), "more than 3 redirects") {
		t.Errorf("endless redirects: got %v, want a redirect limit error", err)
	}
}

func TestConditionalGet(t *testing.T) {
	var seen http.Header
	srv := httptest.NewServer(feedHandler(t, &seen))
	defer srv.Close()
	c := New(Options{UserAgent: "vigil-test/1"})
	first, err := c.Get(t.Context(), Request{URL: srv.URL, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || len(first.Body) == 0 {
		t.Fatalf("first GET: got not-modified %v, %d bytes", first.NotModified, len(first.Body))
	}
	if ua := seen.Get("User-Agent"); ua != "vigil-test/1" {
		t.Errorf("User-Agent: got %q, want vigil-test/1", ua)
	}
	for _, tc := range []struct {
		name string
		req  Request
	}{
		{"etag", Request{URL: srv.URL, AllowPrivate: true, ETag: first.ETag}},
		{"last-modified", Request{URL: srv.URL, AllowPrivate: true, LastModified: first.LastModified}},
	} {
		got, err := c.Get(t.Context(), tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !got.NotModified || len(got.Body) != 0 || got.ETag != tc.req.ETag || got.LastModified != tc.req.LastModified {
			t.Errorf("%s: got not-modified %v, %d bytes, validators %q %q, want 304 keeping %q %q",
				tc.name, got.NotModified, len(got.Body), got.ETag, got.LastModified, tc.req.ETag, tc.req.LastModified)
		}
	}
	if seen.Get("If-Modified-Since") != first.LastModified {
		t.Errorf("If-Modified-Since sent: got %q, want %q", seen.Get("If-Modified-Since"), first.LastModified)
	}
}

func TestLimits(t *testing.T) {
	big := strings.Repeat("x", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write([]byte(big))
		case "/chunked":
			for range 4 {
				w.Write([]byte(big[:600]))
				w.(http.Flusher).Flush()
			}
		case "/slow-headers":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		case "/slow-body":
			w.Write([]byte("start"))
			w.(http.Flusher).Flush()
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		case "/gone":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := New(Options{MaxBytes: 1000, HeaderTimeout: 200 * time.Millisecond, Timeout: 500 * time.Millisecond})
	ctx := t.Context()
	get := func(path string) error {
		_, err := c.Get(ctx, Request{URL: srv.URL + path, AllowPrivate: true})
		return err
	}
	if err := get("/big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big body: got %v, want ErrTooLarge", err)
	}
	if err := get("/chunked"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big chunked body: got %v, want ErrTooLarge", err)
	}
	if err := get("/slow-headers"); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("slow headers: got %v, want a timeout", err)
	}
	if err := get("/slow-body"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow body: got %v, want the total deadline", err)
	}
	var se *StatusError
	if err := get("/gone"); !errors.As(err, &se) || se.Code != 503 || se.RetryAfter != 120 {
		t.Errorf("503: got %v, want a StatusError 503 with Retry-After 120", err)
	}
	for _, u := range []string{"file:///etc/passwd", "ftp://example.org/x", "http://", "::bad"} {
		if _, err := c.Get(ctx, Request{URL: u, AllowPrivate: true}); err == nil {
			t.Errorf("GET %q: got no error", u)
		}
	}
}

func TestBlocked(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"0.0.0.0", true}, {"100.64.0.1", true}, {"224.0.0.1", true},
		{"255.255.255.255", true}, {"::1", true}, {"fe80::1", true}, {"fc00::1", true}, {"::", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"ff02::1", true},
		{"93.184.216.34", false}, {"8.8.8.8", false}, {"2606:4700::1111", false}, {"::ffff:8.8.8.8", false},
	}
	for _, tc := range tests {
		if got := Blocked(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("Blocked(%s): got %v, want %v", tc.addr, got, tc.want)
		}
	}
}
