package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/vigil-project/vigil/internal/store"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies configured: the header is ignored", nil, "10.1.2.3:5000", []string{"203.0.113.9"}, "10.1.2.3"},
		{"an untrusted peer's header is ignored", proxies, "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"a trusted peer's header is honoured", proxies, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a chain of trusted proxies is walked", proxies, "10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9, 10.8.8.8"}, "203.0.113.9"},
		{"what the client wrote left of the proxies is not believed", proxies, "10.1.2.3:5000", []string{"1.2.3.4, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"a trusted address the client wrote is never reached", proxies, "10.1.2.3:5000", []string{"10.5.5.5, 203.0.113.9"}, "203.0.113.9"},
		{"several headers are one list", proxies, "10.1.2.3:5000", []string{"203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"every hop trusted: the leftmost", proxies, "10.1.2.3:5000", []string{"10.7.7.7, 10.9.9.9"}, "10.7.7.7"},
		{"a malformed hop stops the walk at the last vouched address", proxies, "10.1.2.3:5000", []string{"203.0.113.9, nonsense, 10.9.9.9"}, "10.9.9.9"},
		{"no header from a trusted peer: the peer", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 with brackets and port", proxies, "[2001:db8::1]:443", []string{"[2001:db8:ffff::2]:9000, [2001:db9::5]:1234"}, "2001:db9::5"},
		{"IPv4-mapped peer", proxies, "[::ffff:10.1.2.3]:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a hop with a port", proxies, "127.0.0.1:80", []string{"203.0.113.9:61000"}, "203.0.113.9"},
	}
	for _, tc := range tests {
		s := &Server{cfg: Config{TrustedProxies: tc.trusted}}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientAddr(r); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestThrottleBehindProxy: behind a trusted proxy (the test's own
// loopback client), the login throttle counts each real client apart,
// and a client cannot escape it by writing its own X-Forwarded-For.
func TestThrottleBehindProxy(t *testing.T) {
	st := backends(t)["sqlite"](t)
	tm := newTeam(t, st, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}})
	tm.user("bob", store.RoleViewer, "bob's long password")
	// Five names guessed by one client behind the proxy…
	for i := range 5 {
		tm.login(fmt.Sprintf("nobody%d", i), "x", "X-Forwarded-For", "203.0.113.9")
	}
	// …throttle that client, whatever it writes left of the proxy's hop…
	if rp := tm.login("bob", "bob's long password", "X-Forwarded-For", "198.51.100.1, 203.0.113.9"); rp.status != http.StatusTooManyRequests {
		t.Errorf("the guessing client, spoofing an address: got %d, want 429", rp.status)
	}
	// …and not another client of the same proxy.
	if rp := tm.login("bob", "bob's long password", "X-Forwarded-For", "203.0.113.10"); rp.status != http.StatusSeeOther {
		t.Errorf("another client behind the same proxy: got %d, want 303", rp.status)
	}

	// The report form's limit (5 a window) counts each client behind the
	// proxy apart too.
	send := func(xff string) int {
		fc, csrf := tm.anon("/report")
		ch, nonce := tm.challengeFor()
		return tm.req(cred{}, "POST", "/report", form("csrf", csrf, "pow_challenge", ch, "pow_nonce", nonce, "what", "x", "place", "Kerman"),
			"Cookie", "vigil_form="+fc, "X-Forwarded-For", xff).status
	}
	for i := range 5 {
		if got := send("203.0.113.20"); got != http.StatusCreated {
			t.Fatalf("report %d from one client behind the proxy: got %d, want 201", i+1, got)
		}
	}
	if got := send("198.51.100.1, 203.0.113.20"); got != http.StatusTooManyRequests {
		t.Errorf("a 6th report from that client, spoofing: got %d, want 429", got)
	}
	if got := send("203.0.113.21"); got != http.StatusCreated {
		t.Errorf("another client behind the proxy: got %d, want 201", got)
	}

	// Without trusted proxies, the header changes nothing: all come from
	// the loopback.
	tm2 := newTeam(t, backends(t)["sqlite"](t), Config{})
	tm2.user("bob", store.RoleViewer, "bob's long password")
	for i := range 5 {
		tm2.login(fmt.Sprintf("nobody%d", i), "x", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
	}
	if rp := tm2.login("bob", "bob's long password", "X-Forwarded-For", "198.51.100.1"); rp.status != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer's X-Forwarded-For: got %d, want 429 (the header ignored)", rp.status)
	}
}

// FuzzClientAddr: whatever the header holds, the address found is the
// peer or one of the header's hops, and an untrusted peer is always
// itself.
func FuzzClientAddr(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "1.2.3.4, 10.0.0.1", "[2001:db8::1]:80, nonsense", "", ",,,", "10.0.0.1:99999"} {
		f.Add("10.1.2.3:5000", s)
		f.Add("198.51.100.7:80", s)
	}
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := s.clientAddr(r)
		p := remoteIP(peer)
		if !p.IsValid() {
			if got != peer {
				t.Fatalf("peer %q not an address: got %q, want it as is", peer, got)
			}
			return
		}
		if got == p.String() {
			return
		}
		if !s.trusted(p) {
			t.Fatalf("untrusted peer %s: got %q", p, got)
		}
		found := false
		for _, h := range forwardedFor([]string{xff}) {
			if ip, err := netip.ParseAddr(h); err == nil && ip.Unmap().String() == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("peer %s, X-Forwarded-For %q: got %q, neither the peer nor a hop", p, xff, got)
		}
	})
}
