package server

import (
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// FuzzReportForm posts any form body to the report form and the login:
// never a 500, and nothing stored without a solved challenge.
func FuzzReportForm(f *testing.F) {
	for _, s := range []string{"", "what=x&place=y", "what=%00", "lat=1e400&lon=NaN&what=a&place=b", "when=2024-02-30",
		"link=javascript:alert(1)", "website=spam", "csrf=1.2&pow_challenge=17.1.a.b&pow_nonce=1", "name=%ff&password=",
		"what=" + strings.Repeat("ب", 5000), "%zz", "a=1&a=2&a=3"} {
		f.Add(s)
	}
	st, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "vigil.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	s, err := New(st, Config{Version: "fuzz", Public: true})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/report", "/login"} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: formCookie, Value: "fuzzfuzzfuzzfuzzfuzz"})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 || rec.Code == http.StatusCreated {
				t.Fatalf("POST %s %q: got %d", path, body, rec.Code)
			}
		}
	})
}

// FuzzPow checks any challenge and nonce: only a challenge the server
// signed, unexpired, with the work done, is accepted, and only once.
func FuzzPow(f *testing.F) {
	f.Add("8.9999999999.abc.mac", "1")
	f.Add("", "")
	f.Add("....", "0")
	f.Add("-1.-1.x.y", strings.Repeat("9", 40))
	st, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "vigil.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	s, err := New(st, Config{Version: "fuzz", Public: true, PowBits: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ch, nonce string) {
		if s.checkPow(ch, nonce) != nil {
			return
		}
		parts := strings.Split(ch, ".")
		sum := sha256.Sum256([]byte(ch + ":" + nonce))
		if len(parts) != 4 || parts[3] != s.powMAC(strings.Join(parts[:3], ".")) || leadingZeroBits(sum[:]) < 4 {
			t.Fatalf("checkPow(%q, %q) accepted a challenge it did not sign or solve", ch, nonce)
		}
		if s.checkPow(ch, nonce) == nil {
			t.Fatalf("checkPow(%q, %q) accepted twice", ch, nonce)
		}
	})
}

// FuzzAuditFilter reads any query as the audit list's filters: an error,
// or a filter with a limit from 1 to 100000.
func FuzzAuditFilter(f *testing.F) {
	for _, q := range []string{"", "since=2024-01-01", "until=2024-01-01T00:00:00Z&limit=5", "action=user.&actor=user:a", "limit=-1", "since=x", "foo=1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		flt, err := auditFilter(v)
		if err == nil && (flt.Limit < 1 || flt.Limit > 100000) {
			t.Fatalf("%q: limit %d", q, flt.Limit)
		}
	})
}
