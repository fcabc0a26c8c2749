package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestIDInLogs: a line the server logs about a request carries the
// id the answer gives back, so an operator can find it from a user's
// report.
func TestRequestIDInLogs(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.requestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.reqLog(r).Error("request failed", "path", r.URL.Path)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	for _, given := range []string{"", "trace-7f3a"} {
		logs.Reset()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/api/x", nil)
		if given != "" {
			req.Header.Set(HeaderRequestID, given)
		}
		h.ServeHTTP(rec, req)
		id := rec.Header().Get(HeaderRequestID)
		if id == "" || given != "" && id != given {
			t.Fatalf("given %q: answered id %q", given, id)
		}
		if !strings.Contains(logs.String(), "request_id="+id) {
			t.Errorf("given %q: log %q lacks request_id=%s", given, logs.String(), id)
		}
	}
}
