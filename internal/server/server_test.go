package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	vErrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// api drives a test server and checks every API answer against the
// OpenAPI document with a real validator.
type api struct {
	t   *testing.T
	srv *httptest.Server
	val validator.Validator
	mu  sync.Mutex
}

func newAPI(t *testing.T, st Store) *api {
	t.Helper()
	s, err := New(st, Config{Version: "test", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	spec, err := embedded.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi.json is not a valid OpenAPI 3.1 document: %s", e.Message)
		}
		t.FailNow()
	}
	return &api{t: t, srv: srv, val: v}
}

// answer is a response with its body read (and decompressed if gzip).
type answer struct {
	status int
	header http.Header
	body   []byte
	raw    []byte // as sent on the wire
}

// get requests path with the headers given (name, value, …) and, for the
// API's documented paths, validates request and response.
func (a *api) get(path string, headers ...string) answer {
	return a.do(http.MethodGet, path, headers...)
}

func (a *api) do(method, path string, headers ...string) answer {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if req.Header.Get("Accept-Encoding") == "" {
		// Go's client would ask for gzip and hide it: ask for nothing.
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	body := raw
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			a.t.Fatalf("%s %s: gzip: %v", method, path, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			a.t.Fatalf("%s %s: gzip: %v", method, path, err)
		}
	}
	documented := method == http.MethodGet && (strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz") &&
		!strings.HasPrefix(path, "/api/nothing") &&
		resp.StatusCode != http.StatusNotModified && resp.StatusCode != http.StatusRequestURITooLong
	if documented {
		// The validator reads the body: give it the decompressed one.
		vresp := &http.Response{StatusCode: resp.StatusCode, Header: resp.Header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: req}
		vresp.Header.Del("Content-Encoding")
		a.mu.Lock()
		var ok bool
		var errs []*vErrors.ValidationError
		if resp.StatusCode < 400 {
			ok, errs = a.val.ValidateHttpRequestResponse(req, vresp)
		} else {
			// A bad request breaks the document's rules on purpose: only
			// the answer must follow them.
			ok, errs = a.val.ValidateHttpResponse(req, vresp)
		}
		a.mu.Unlock()
		if !ok {
			for _, e := range errs {
				a.t.Errorf("%s %s → %d does not follow openapi.json: %s (%s)", method, path, resp.StatusCode, e.Message, e.Reason)
				for _, se := range e.SchemaValidationErrors {
					a.t.Errorf("  %s at %s", se.Reason, se.FieldPath)
				}
			}
		}
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body, raw: raw}
}

// json decodes an answer's body into v.
func (a *api) json(ans answer, v any) {
	a.t.Helper()
	if err := json.Unmarshal(ans.body, v); err != nil {
		a.t.Fatalf("decode %s: %v", ans.body, err)
	}
}

// demoIncidents lists the demo's incidents by start date, from the store.
func demoIncidents(t *testing.T, st Store) []model.Incident {
	var all []model.Incident
	if err := st.Incidents(context.Background(), store.Filter{}, func(inc model.Incident) error {
		all = append(all, inc)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestAPI(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			all := demoIncidents(t, st)
			if len(all) != 11 {
				t.Fatalf("demo holds %d incidents, want 11", len(all))
			}
			a := newAPI(t, st)
			t.Run("incidents", func(t *testing.T) { testIncidents(t, a, all) })
			t.Run("incident", func(t *testing.T) { testIncident(t, a, all) })
			t.Run("aggregates", func(t *testing.T) { testAggregates(t, a, all) })
			t.Run("analyze", func(t *testing.T) { testAnalyze(t, a) })
			t.Run("forecast", func(t *testing.T) { testForecast(t, a) })
			t.Run("exports", func(t *testing.T) { testExports(t, a, all) })
			t.Run("errors", func(t *testing.T) { testErrors(t, a) })
			t.Run("caching", func(t *testing.T) { testCaching(t, a) })
			t.Run("pages", func(t *testing.T) { testPages(t, a, all) })
			t.Run("operations", func(t *testing.T) { testOperations(t, a) })
		})
	}
}

func testIncidents(t *testing.T, a *api, all []model.Incident) {
	var p incidentPage
	a.json(a.get("/api/incidents"), &p)
	if len(p.Incidents) != len(all) || p.NextCursor != "" {
		t.Errorf("all: got %d incidents and cursor %q, want %d and none", len(p.Incidents), p.NextCursor, len(all))
	}
	// Pages of 4 walk the whole list once, in order.
	var ids []string
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		path := "/api/incidents?limit=4"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var pg incidentPage
		a.json(a.get(path), &pg)
		for _, inc := range pg.Incidents {
			ids = append(ids, inc.ID)
		}
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	var want []string
	for _, inc := range all {
		want = append(want, inc.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("pages of 4: got %v, want %v", ids, want)
	}
	// Newest first, pages of 3 (with a period), walk the list backwards.
	for _, period := range []string{"", "&since=2018-01-01"} {
		var desc []string
		cursor = ""
		for pages := 0; pages < 10; pages++ {
			path := "/api/incidents?limit=3&sort=-start" + period
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			var pg incidentPage
			a.json(a.get(path), &pg)
			for _, inc := range pg.Incidents {
				desc = append(desc, inc.ID)
			}
			if cursor = pg.NextCursor; cursor == "" {
				break
			}
		}
		var wantDesc []string
		for _, inc := range slices.Backward(all) {
			if period == "" || inc.Start.Year >= 2018 {
				wantDesc = append(wantDesc, inc.ID)
			}
		}
		if !slices.Equal(desc, wantDesc) {
			t.Errorf("newest first, pages of 3%s: got %v, want %v", period, desc, wantDesc)
		}
	}
	// Forward then back again, in both orders: each page back is the page
	// that was there going forward.
	for _, order := range []string{"start", "-start"} {
		var forward []incidentPage
		path := "/api/incidents?limit=4&sort=" + order
		for pages := 0; pages < 10; pages++ {
			var pg incidentPage
			a.json(a.get(path), &pg)
			forward = append(forward, pg)
			if pg.NextCursor == "" {
				break
			}
			path = "/api/incidents?limit=4&sort=" + order + "&cursor=" + pg.NextCursor
		}
		if len(forward) != 3 || forward[0].PrevCursor != "" || forward[1].PrevCursor == "" {
			t.Fatalf("%s: %d pages forward, first prev %q, second prev %q: want 3, none, one", order, len(forward), forward[0].PrevCursor, forward[1].PrevCursor)
		}
		pg := forward[len(forward)-1]
		for i := len(forward) - 2; i >= 0; i-- {
			var back incidentPage
			a.json(a.get("/api/incidents?limit=4&sort="+order+"&before="+pg.PrevCursor), &back)
			if got, want := incidentIDs(back.Incidents), incidentIDs(forward[i].Incidents); !slices.Equal(got, want) {
				t.Errorf("%s: page %d back got %v, want %v", order, i, got, want)
			}
			if back.NextCursor != forward[i].NextCursor || back.PrevCursor != forward[i].PrevCursor {
				t.Errorf("%s: page %d back has cursors %q/%q, want %q/%q as going forward", order, i,
					back.PrevCursor, back.NextCursor, forward[i].PrevCursor, forward[i].NextCursor)
			}
			pg = back
		}
	}
	if ans := a.get("/api/incidents?cursor=2017-06-07/x&before=2018-01-01/y"); ans.status != http.StatusBadRequest {
		t.Errorf("cursor and before: got %d, want 400", ans.status)
	}
	cases := []struct {
		query string
		keep  func(model.Incident) bool
	}{
		{"type=bombing", func(i model.Incident) bool { return i.AttackType == model.Bombing }},
		{"admin1=fars", func(i model.Incident) bool { return i.Admin1 == "Fars" }},
		{"actor=islamic+state&min_killed=10", func(i model.Incident) bool {
			return i.Killed != nil && i.Killed.Best >= 10 && strings.Contains(strings.ToLower(i.Perpetrator+strings.Join(i.ClaimedBy, " ")), "islamic state")
		}},
		{"since=2022-01-01&until=2023-12-31", func(i model.Incident) bool { return i.Start.Year >= 2022 && i.Start.Year <= 2023 }},
		{"country=Iran&status=unverified", func(model.Incident) bool { return true }},
		{"country=AF", func(model.Incident) bool { return false }},
	}
	for _, tc := range cases {
		var pg incidentPage
		a.json(a.get("/api/incidents?"+tc.query), &pg)
		var got, want []string
		for _, inc := range pg.Incidents {
			got = append(got, inc.ID)
		}
		for _, inc := range all {
			if tc.keep(inc) {
				want = append(want, inc.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, want)
		}
	}
}

func testIncident(t *testing.T, a *api, all []model.Incident) {
	// The Tehran attack of 2017-06-07 had two sites; each names the other.
	var tehran []model.Incident
	for _, inc := range all {
		if inc.Start.String() == "2017-06-07" {
			tehran = append(tehran, inc)
		}
	}
	if len(tehran) != 2 {
		t.Fatalf("demo: %d incidents on 2017-06-07, want 2", len(tehran))
	}
	var d incidentDetail
	a.json(a.get("/api/incidents/"+tehran[0].ID), &d)
	if d.Incident.ID != tehran[0].ID {
		t.Errorf("incident: got %q, want %q", d.Incident.ID, tehran[0].ID)
	}
	if len(d.Claims) != 1 || d.Claims[0].Text == "" || d.Claims[0].Source != "csv:demo" {
		t.Errorf("claims: got %+v, want the demo's one claim with its text", d.Claims)
	}
	if len(d.Versions) != 1 || d.Versions[0].Incident.ID != tehran[0].ID {
		t.Errorf("versions: got %d, want 1 of this incident", len(d.Versions))
	}
	if len(d.Related) != 1 || d.Related[0].ID != tehran[1].ID {
		t.Errorf("related: got %v, want the other Tehran site %s", d.Related, tehran[1].ID)
	}
}

func testAggregates(t *testing.T, a *api, all []model.Incident) {
	var ag aggregateAnswer
	a.json(a.get("/api/aggregates?by=month,admin1"), &ag)
	count, killed := 0, 0
	for _, b := range ag.Buckets {
		count += b.Count
		killed += b.Killed
		if len(b.Period) != 7 || b.Admin1 == "" || b.Country != "IR" {
			t.Errorf("bucket %+v: want a month, an admin1 and IR", b)
		}
	}
	wantKilled := 0
	for _, inc := range all {
		if inc.Killed != nil {
			wantKilled += inc.Killed.Best
		}
	}
	if count != len(all) || killed != wantKilled {
		t.Errorf("month,admin1: got %d incidents and %d killed, want %d and %d", count, killed, len(all), wantKilled)
	}
	a.json(a.get("/api/aggregates?by=type&type=bombing"), &ag)
	if len(ag.Buckets) != 1 || ag.Buckets[0].AttackType != model.Bombing || ag.Buckets[0].Count != 3 {
		t.Errorf("type of bombings: got %+v, want one bucket of 3 bombings", ag.Buckets)
	}
	for _, by := range []string{"week", "country", "actor", "admin1", "week,type"} {
		a.json(a.get("/api/aggregates?by="+by), &ag)
		n := 0
		for _, b := range ag.Buckets {
			n += b.Count
		}
		if n != len(all) {
			t.Errorf("by=%s: buckets count %d incidents, want %d", by, n, len(all))
		}
	}
}

func testAnalyze(t *testing.T, a *api) {
	for _, kind := range []string{"tempo", "severity", "changepoints", "hawkes", "tail"} {
		path := "/api/analyze/" + kind
		if kind == "tail" {
			path += "?bootstrap=20"
		}
		ans := a.get(path)
		if ans.status != http.StatusOK {
			t.Errorf("%s: got %d %s, want 200", kind, ans.status, ans.body)
			continue
		}
		var an analysisAnswer
		a.json(ans, &an)
		if kind == "tail" && an.Unavailable != "" {
			continue // eleven incidents may be too few for a tail: the answer says so
		}
		if an.Kind != kind || an.Incidents != 11 || an.Sentence == "" || len(an.Result) < 2 {
			t.Errorf("%s: got kind %q, %d incidents, sentence %q", kind, an.Kind, an.Incidents, an.Sentence)
		}
		if an.SentenceFa == "" || asciiDigit.MatchString(an.SentenceFa) || !strings.ContainsAny(an.SentenceFa, "۰۱۲۳۴۵۶۷۸۹") {
			t.Errorf("%s: Persian sentence %q, want one in Persian digits beside the English %q", kind, an.SentenceFa, an.Sentence)
		}
	}
	var none analysisAnswer
	a.json(a.get("/api/analyze/tempo?country=AF"), &none)
	if none.Incidents != 0 || none.Unavailable == "" || string(none.Result) != "null" || !strings.Contains(none.Sentence, "No result") {
		t.Errorf("tempo of nothing: got %+v, want no result and why", none)
	}
	// The demo's incidents are all in one country but in several provinces.
	for _, c := range []struct {
		by      string
		regions int
	}{{"admin1", 2}, {"country", 1}} {
		var rh analysisAnswer
		a.json(a.get("/api/analyze/hawkes?regions="+c.by), &rh)
		var fit analyze.HawkesRegionsFit
		if rh.Unavailable == "" {
			if err := json.Unmarshal(rh.Result, &fit); err != nil {
				t.Fatalf("hawkes by %s: %v in %s", c.by, err, rh.Result)
			}
		}
		if rh.Kind != "hawkes" || rh.Unavailable != "" || len(fit.Regions) < c.regions || fit.N != 11 ||
			!strings.Contains(string(rh.Result), `"regional_background":`) {
			t.Errorf("hawkes by %s: got %q %s, want a regional fit of 11 incidents in at least %d regions", c.by, rh.Sentence, rh.Result, c.regions)
		}
	}
	var an analysisAnswer
	a.json(a.get("/api/analyze/tempo?bin=week&since=2017-01-01&until=2024-12-31"), &an)
	if !strings.Contains(an.Sentence, "week") {
		t.Errorf("weekly tempo: sentence %q does not speak of weeks", an.Sentence)
	}
}

func testForecast(t *testing.T, a *api) {
	var f forecastAnswer
	a.json(a.get("/api/forecast?now=2025-01-01&horizon=2"), &f)
	if f.Model == "" || f.Why == "" || f.Sentence == "" || len(f.Regions) < 5 {
		t.Fatalf("forecast of the demo: model %q why %q, %d regions", f.Model, f.Why, len(f.Regions))
	}
	if f.Skill == "" || f.SkillFa == "" || f.SentenceFa == "" || asciiDigit.MatchString(f.SentenceFa+f.SkillFa) {
		t.Errorf("forecast of the demo: skill %q / %q, Persian sentence %q: want both in words, the Persian in Persian digits", f.Skill, f.SkillFa, f.SentenceFa)
	}
	for i, r := range f.Regions {
		if r.Country != "IR" || r.Admin1 == "" || len(r.Periods) != 2 || r.Periods[0].Start.String() != "2025-01-06" {
			t.Errorf("region %+v: want an Iranian province with the two weeks from 2025-01-06", r)
		}
		if i > 0 && r.Periods[0].Probability > f.Regions[i-1].Periods[0].Probability {
			t.Errorf("regions not riskiest first at %d", i)
		}
	}
	var m forecastAnswer
	a.json(a.get("/api/forecast?level=country-month&now=2025-01-01&model=baseline"), &m)
	if len(m.Regions) != 1 || m.Regions[0].Region != "IR" || m.Model != "baseline" || len(m.Regions[0].Periods) != 4 {
		t.Errorf("monthly forecast: %+v, want Iran with 4 months from the baseline", m.Regions)
	}
	for _, c := range []struct{ path, want string }{
		{"/api/forecast?horizon=9", "horizon"},
		{"/api/forecast?level=city-day", "level"},
		{"/api/forecast?model=oracle", "model"},
		{"/api/forecast?country=AF", "no incidents"},
	} {
		ans := a.get(c.path)
		if ans.status != http.StatusBadRequest || !strings.Contains(string(ans.body), c.want) {
			t.Errorf("%s: got %d %s, want 400 naming %q", c.path, ans.status, ans.body, c.want)
		}
	}
}

func testExports(t *testing.T, a *api, all []model.Incident) {
	csvAns := a.get("/api/export.csv?type=bombing")
	lines := strings.Split(strings.TrimSpace(string(csvAns.body)), "\n")
	if csvAns.status != 200 || len(lines) != 1+3 || !strings.HasPrefix(csvAns.header.Get("Content-Type"), "text/csv") {
		t.Errorf("csv of bombings: got %d, %d lines, %s; want 200, header + 3 rows, text/csv", csvAns.status, len(lines), csvAns.header.Get("Content-Type"))
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	a.json(a.get("/api/export.geojson"), &fc)
	withCoords := 0
	for _, inc := range all {
		if inc.Lat != nil && inc.Lon != nil {
			withCoords++
		}
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != withCoords {
		t.Errorf("geojson: got %s of %d features, want FeatureCollection of %d", fc.Type, len(fc.Features), withCoords)
	}
	gz := a.get("/api/export.csv?type=bombing", "Accept-Encoding", "gzip")
	if gz.header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gz.body, csvAns.body) {
		t.Errorf("gzip csv: got encoding %q and a body equal %v, want gzip and the same body", gz.header.Get("Content-Encoding"), bytes.Equal(gz.body, csvAns.body))
	}
	if ans := a.get("/api/export.csv?limit=0"); ans.status != 400 {
		t.Errorf("export limit=0: got %d, want 400", ans.status)
	}
}

func testErrors(t *testing.T, a *api) {
	cases := []struct {
		method, path string
		status       int
		says         string
	}{
		{"GET", "/api/incidents?type=nuclear", 400, "type"},
		{"GET", "/api/incidents?since=2024-13-01", 400, "since"},
		{"GET", "/api/incidents?country=Atlantis", 400, "country"},
		{"GET", "/api/incidents?min_killed=-1", 400, "min_killed"},
		{"GET", "/api/incidents?min_killed=99999999999", 400, "min_killed"},
		{"GET", "/api/incidents?limit=5000", 400, "limit"},
		{"GET", "/api/incidents?cursor=nonsense", 400, "cursor"},
		{"GET", "/api/incidents?contry=IR", 400, "unknown parameter"},
		{"GET", "/api/incidents?country=IR&country=IQ", 400, "given 2 times"},
		{"GET", "/api/incidents?sort=killed", 400, "sort"},
		{"GET", "/api/incidents/i000000000000", 404, "not found"},
		{"GET", "/api/aggregates", 400, "by"},
		{"GET", "/api/aggregates?by=planet", 400, "planet"},
		{"GET", "/api/aggregates?by=week,month", 400, "week and month"},
		{"GET", "/api/analyze/astrology", 404, "astrology"},
		{"GET", "/api/analyze/tempo?bin=year", 400, "bin"},
		{"GET", "/api/analyze/tail?bootstrap=100000", 400, "bootstrap"},
		{"GET", "/api/analyze/hawkes?regions=planet", 400, "regions"},
		{"GET", "/api/nothing", 404, "no such endpoint"},
		{"POST", "/api/incidents", 405, "not allowed"},
		{"DELETE", "/api/incidents/x", 405, "not allowed"},
		{"GET", "/api/incidents?actor=" + strings.Repeat("a", 5000), 414, "query too long"},
	}
	for _, tc := range cases {
		ans := a.do(tc.method, tc.path)
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(ans.body, &e); err != nil {
			t.Errorf("%s %.60s: got %d %q, want a JSON error", tc.method, tc.path, ans.status, ans.body)
			continue
		}
		if ans.status != tc.status || !strings.Contains(e.Error, tc.says) || ans.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %.60s: got %d %q, want %d saying %q", tc.method, tc.path, ans.status, e.Error, tc.status, tc.says)
		}
		for _, leak := range []string{"sql", "SQL", "goroutine", ".go:", "pgx", "sqlite"} {
			if strings.Contains(e.Error, leak) {
				t.Errorf("%s %.60s: error %q shows internal detail %q", tc.method, tc.path, e.Error, leak)
			}
		}
	}
}

// testCaching checks ETags and compression.
func testCaching(t *testing.T, a *api) {
	for _, path := range []string{"/api/incidents?type=bombing", "/api/aggregates?by=month", "/api/analyze/tempo",
		"/api/export.csv", "/api/openapi.json", "/", "/assets/app.js"} {
		first := a.get(path)
		etag := first.header.Get("ETag")
		if first.status != 200 || !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
			t.Errorf("%s: got %d with ETag %q, want 200 with a strong ETag", path, first.status, etag)
			continue
		}
		again := a.get(path, "If-None-Match", etag)
		if again.status != http.StatusNotModified || len(again.raw) != 0 {
			t.Errorf("%s with If-None-Match: got %d and %d bytes, want 304 and none", path, again.status, len(again.raw))
		}
		if other := a.get(path, "If-None-Match", `"other"`); other.status != 200 {
			t.Errorf("%s with another ETag: got %d, want 200", path, other.status)
		}
		gz := a.get(path, "Accept-Encoding", "gzip, deflate")
		if gz.header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gz.body, first.body) || gz.header.Get("ETag") == etag {
			t.Errorf("%s gzip: got encoding %q, same body %v, ETag %q (identity %q); want gzip, the same body, another ETag",
				path, gz.header.Get("Content-Encoding"), bytes.Equal(gz.body, first.body), gz.header.Get("ETag"), etag)
		}
		if !strings.Contains(gz.header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q does not name Accept-Encoding", path, gz.header.Get("Vary"))
		}
		if refused := a.get(path, "Accept-Encoding", "gzip;q=0"); refused.header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip;q=0 got encoding %q, want none", path, refused.header.Get("Content-Encoding"))
		}
	}
	x := a.get("/api/incidents?type=bombing&since=2017-01-01").header.Get("ETag")
	y := a.get("/api/incidents?since=2017-01-01&type=bombing").header.Get("ETag")
	z := a.get("/api/incidents?type=armed_assault").header.Get("ETag")
	if x != y || x == z {
		t.Errorf("ETags: same selection in another order %q vs %q (want equal); another selection %q (want different)", x, y, z)
	}
}

func testPages(t *testing.T, a *api, all []model.Incident) {
	var kerman model.Incident
	for _, inc := range all {
		if inc.Admin1 == "Kerman" {
			kerman = inc
		}
	}
	en := a.get("/facts/" + kerman.ID)
	for _, want := range []string{`lang="en"`, `dir="ltr"`, "Verified facts", "3 January 2024", "Killed", "95", "demo"} {
		if !strings.Contains(string(en.body), want) {
			t.Errorf("facts page (en): %q missing", want)
		}
	}
	fa := a.get("/facts/"+kerman.ID, "Accept-Language", "fa-IR,fa;q=0.9,en;q=0.8")
	for _, want := range []string{`lang="fa"`, `dir="rtl"`, "۱۳ دی ۱۴۰۲", "۹۵", "واقعیت\u200cهای تأییدشده"} {
		if !strings.Contains(string(fa.body), want) {
			t.Errorf("facts page (fa by Accept-Language): %q missing", want)
		}
	}
	if en.header.Get("ETag") == fa.header.Get("ETag") {
		t.Errorf("facts pages in two languages share the ETag %q", en.header.Get("ETag"))
	}
	if q := a.get("/facts/"+kerman.ID+"?lang=fa", "Accept-Language", "en"); !strings.Contains(string(q.body), `dir="rtl"`) {
		t.Errorf("?lang=fa does not win over Accept-Language")
	}
	if nf := a.get("/facts/nope"); nf.status != 404 {
		t.Errorf("facts of an unknown incident: got %d, want 404", nf.status)
	}
	for _, p := range []string{"/", "/incident/" + kerman.ID, "/?lang=fa"} {
		ans := a.get(p)
		if ans.status != 200 || !strings.Contains(string(ans.body), `<script src="/assets/app.js"`) {
			t.Errorf("%s: got %d, want the dashboard", p, ans.status)
		}
	}
	for _, p := range []string{"/", "/facts/" + kerman.ID, "/api/incidents", "/assets/app.js", "/api/nothing"} {
		h := a.get(p).header
		for k, want := range map[string]string{
			"Content-Security-Policy": "script-src 'self'", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "no-referrer",
		} {
			if !strings.Contains(h.Get(k), want) {
				t.Errorf("%s: %s is %q, want it to hold %q", p, k, h.Get(k), want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q must forbid framing and inline code", p, csp)
		}
	}
}

func testOperations(t *testing.T, a *api) {
	if h := a.get("/healthz"); h.status != 200 || !strings.Contains(string(h.body), `"ok"`) {
		t.Errorf("healthz: got %d %s", h.status, h.body)
	}
	// Ready once the aggregate snapshot is built (asking starts it); the
	// answers on the way are validated against the OpenAPI document.
	ready := false
	for deadline := time.Now().Add(60 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		r := a.get("/readyz")
		switch {
		case r.status == 200 && strings.Contains(string(r.body), `"status":"ready"`):
			ready = true
		case r.status != 503 || !strings.Contains(string(r.body), `"building"`):
			t.Fatalf("readyz: got %d %s, want 200 ready or 503 building", r.status, r.body)
		}
	}
	if !ready {
		t.Error("readyz: not ready within 60 s")
	}
	// Request ids: a sane one given is echoed, anything else replaced.
	for _, c := range []struct{ given, want string }{
		{"req-42.A_b", "req-42.A_b"},
		{"", ""},
		{"bad id \"quoted\" <x>", ""},
		{strings.Repeat("a", 65), ""},
	} {
		got := a.get("/healthz", "X-Request-Id", c.given).header.Get("X-Request-Id")
		if c.want != "" && got != c.want || c.want == "" && (len(got) != 16 || got == c.given) {
			t.Errorf("request id %q: answered %q, want %q", c.given, got, map[bool]string{true: c.want, false: "a fresh 16-hex id"}[c.want != ""])
		}
	}
	m := a.get("/metrics")
	for _, want := range []string{`vigil_http_requests_total{code="200",route="GET /api/incidents"}`, "vigil_http_request_duration_seconds_bucket", "go_goroutines", "vigil_http_not_modified_total"} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics: %q missing", want)
		}
	}
	var doc map[string]any
	a.json(a.get("/api/openapi.json"), &doc)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi.json: version %v, want 3.1.0", doc["openapi"])
	}
}

// TestUntrustedText checks that report text reaches pages escaped and
// that only http(s) links become links.
func TestUntrustedText(t *testing.T) {
	st := backends(t)["sqlite"](t)
	ctx := context.Background()
	if err := st.EnsureSource(ctx, model.Source{Name: "feed", Kind: model.KindFeed}); err != nil {
		t.Fatal(err)
	}
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	rec := storetest.Record("feed", "x1", 0, "raw", demoTime, func(c *model.Claim) {
		c.Text = evil
		c.Place = `"><svg onload=alert(3)>`
		c.Codes = map[string]string{"url": "javascript:alert(4)", "source_url": "https://example.org/a?b=1&c=<2>"}
	})
	if _, err := st.ImportBatch(ctx, []model.Record{rec}, demoTime); err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, st)
	id := model.IncidentIDFor("feed", "x1")
	for _, lang := range []string{"en", "fa"} {
		body := string(a.get("/facts/" + id + "?lang=" + lang).body)
		for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", `href="javascript:`} {
			if strings.Contains(body, bad) {
				t.Errorf("facts (%s): unescaped %q in the page", lang, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("facts (%s): the text is not shown escaped", lang)
		}
		if !strings.Contains(body, `href="https://example.org/a?b=1&amp;c=%3c2"`) {
			t.Errorf("facts (%s): the https link is missing or unescaped", lang)
		}
	}
	raw := string(a.get("/api/incidents/" + id).raw)
	if strings.Contains(raw, "<script>") {
		t.Errorf("API: %q appears raw in JSON", "<script>")
	}
}

// TestGenerationInvalidates checks that a change to the store shows at
// once with GenerationTTL 0: cached answers and ETags belong to a
// generation.
func TestGenerationInvalidates(t *testing.T) {
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	a := newAPI(t, st)
	before := a.get("/api/aggregates?by=country")
	ctx := context.Background()
	if err := st.EnsureSource(ctx, model.Source{Name: "feed", Kind: model.KindFeed}); err != nil {
		t.Fatal(err)
	}
	rec := storetest.Record("feed", "new", 0, "raw", demoTime, func(c *model.Claim) { c.Country = "IQ" })
	if _, err := st.ImportBatch(ctx, []model.Record{rec}, demoTime); err != nil {
		t.Fatal(err)
	}
	after := a.get("/api/aggregates?by=country", "If-None-Match", before.header.Get("ETag"))
	if after.status != 200 || !strings.Contains(string(after.body), `"IQ"`) {
		t.Errorf("after an import: got %d %s, want 200 with IQ", after.status, after.body)
	}
}

// TestRunShutsDown checks the life of a real listener: it binds loopback
// by default, serves, and on cancel lets a request in flight finish.
func TestRunShutsDown(t *testing.T) {
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	s, err := New(st, Config{Addr: "127.0.0.1:0", Version: "test", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	if def, _ := New(st, Config{Public: true}); def.cfg.Addr != DefaultAddr || !strings.HasPrefix(DefaultAddr, "127.0.0.1:") {
		t.Errorf("default address %q, want loopback", def.cfg.Addr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Errorf("the server still answers after shutdown")
	}
	if _, err := New(st, Config{Addr: "no-port", Public: true}); err == nil {
		t.Errorf("address without port: got no error")
	}
}

// incidentIDs lists the ids of incidents in order.
func incidentIDs(incs []model.Incident) []string {
	out := make([]string, len(incs))
	for i, inc := range incs {
		out[i] = inc.ID
	}
	return out
}
