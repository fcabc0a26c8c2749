package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
)

// HeaderRequestID carries a request's id: the client's (or a proxy's) when
// it gives a sane one, else one made here. It is echoed in the answer and
// put on every log line about the request, so that an operator can find
// what the server said about the request a user reports.
const HeaderRequestID = "X-Request-Id"

type requestIDKey struct{}

// requestID gives every request an id.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !saneRequestID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set(HeaderRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// saneRequestID accepts what proxies send (UUIDs, hex, base64url) and
// nothing that could forge a log line or bloat one.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// reqLog is the server's logger with the request's id.
func (s *Server) reqLog(r *http.Request) *slog.Logger {
	if id, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return s.log.With("request_id", id)
	}
	return s.log
}

// readyz says whether the server is ready for traffic: it can read its
// store and, when it keeps the aggregates in memory, their first snapshot
// is built (until then aggregates come from the store, far slower — a
// load balancer should wait). Asking starts the build.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	gen, err := s.st.Generation(r.Context())
	if err != nil {
		s.reqLog(r).Error("readiness check", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	snapshot := "off"
	if s.snaps != nil {
		snapshot = "ready"
		if s.snaps.current() == nil {
			snapshot = "building"
			s.snaps.get(gen, func(context.Context) (int64, error) { return gen, nil })
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if snapshot == "building" {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"status":"starting","store":"ok","snapshot":"building"}`+"\n")
		return
	}
	io.WriteString(w, `{"status":"ready","store":"ok","snapshot":"`+snapshot+`"}`+"\n")
}
