package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// FuzzQuery sends any query string to the endpoints that parse one: the
// answer is never a 500 and always JSON, and a 200 is well formed.
func FuzzQuery(f *testing.F) {
	for _, q := range []string{"", "type=bombing", "by=month,admin1&country=IR", "cursor=2017-06-07/x&limit=3",
		"since=2024-13-40", "min_killed=-5", "by=week,week", "country=%00", "actor=%ff%fe", "bin=week&bootstrap=3",
		"limit=99999999999999999999", "cursor=/", "admin1=" + strings.Repeat("é", 50),
		"sort=-start&cursor=2024-01-03/x&since=2018-01-01", "sort=-start&cursor=/zz", "sort=start&cursor=/a", "limit=2"} {
		f.Add(q)
	}
	st, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "vigil.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	loadDemo(f, st)
	s, err := New(st, Config{Version: "fuzz", Public: true})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, q string) {
		for _, path := range []string{"/api/incidents", "/api/aggregates", "/api/analyze/tempo", "/api/export.csv", "/api/alerts"} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path = path
			req.URL.RawQuery = q
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s?%s: got %d %s", path, q, rec.Code, rec.Body)
			}
			if path != "/api/export.csv" || rec.Code != 200 {
				var v map[string]any
				if rec.Code != http.StatusNotModified && json.Unmarshal(rec.Body.Bytes(), &v) != nil {
					t.Fatalf("%s?%s: got %d, not JSON: %q", path, q, rec.Code, rec.Body)
				}
			}
		}
	})
}

// FuzzParseDimensions checks that any text either parses into at most two
// known, distinct dimensions or is refused.
func FuzzParseDimensions(f *testing.F) {
	for _, s := range []string{"month", "month,admin1", "week,month", "type,type", "", ",", "a,b,c", "admin1 , actor"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := store.ParseDimensions(s)
		if err != nil {
			return
		}
		if len(ds) == 0 || len(ds) > 2 || (len(ds) == 2 && ds[0] == ds[1]) {
			t.Fatalf("%q: got %v", s, ds)
		}
	})
}
