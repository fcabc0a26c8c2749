package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address a request comes from, for the login throttle
// and the report form's rate limit only: it is never stored or logged.
// It is the connection's peer, unless the peer is one of the configured
// trusted proxies (Config.TrustedProxies): then X-Forwarded-For is read
// from the right, each trusted proxy's hop skipped, and the first address
// no trusted proxy owns is the client. A client cannot pick its own
// address: what it writes into the header itself is left of the hops
// the proxies append, and only trusted hops are walked past. A malformed
// entry stops the walk at the last address a trusted proxy vouched for.
func (s *Server) clientAddr(r *http.Request) string {
	peer := remoteIP(r.RemoteAddr)
	if len(s.cfg.TrustedProxies) == 0 || !peer.IsValid() || !s.trusted(peer) {
		if peer.IsValid() {
			return peer.String()
		}
		return r.RemoteAddr
	}
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		client = ip.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}

// trusted reports whether ip is one of the trusted proxies.
func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// remoteIP is the IP of a "host:port" RemoteAddr; invalid when it is not
// one.
func remoteIP(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}

// forwardedFor lists the hops of every X-Forwarded-For header, in order
// (several headers are one list, RFC 9110 §5.3); an entry may carry a
// port or IPv6 brackets, which are dropped.
func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			h = strings.TrimSpace(h)
			if ap, err := netip.ParseAddrPort(h); err == nil {
				h = ap.Addr().String()
			}
			hops = append(hops, strings.Trim(h, "[]"))
		}
	}
	return hops
}
