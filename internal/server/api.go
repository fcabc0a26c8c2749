package server

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// embedded holds the OpenAPI document, the page templates and the
// dashboard as web/build.sh builds it.
//
//go:embed openapi.json templates assets
var embedded embed.FS

// Page sizes of /api/incidents.
const (
	defaultPage = 100
	maxPage     = 1000
)

func (s *Server) routes() error {
	m := s.mux
	// get registers a GET (and HEAD) route and, for the same path, a JSON
	// 405 for other methods.
	get := func(pattern string, h http.Handler) {
		m.Handle("GET "+pattern, s.guard("GET "+pattern, h))
		m.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET")
		}))
	}
	api := func(h func(*http.Request) (any, error)) http.Handler {
		return s.dynamic(nil, func(w http.ResponseWriter, r *http.Request) (page, error) {
			v, err := h(r)
			if err != nil {
				return page{}, err
			}
			return jsonPage(v)
		})
	}
	get("/api/incidents", api(s.listIncidents))
	get("/api/incidents/{id}", api(s.getIncident))
	get("/api/aggregates", api(s.aggregates))
	get("/api/analyze/{kind}", api(s.analyzeSelection))
	get("/api/forecast", api(s.forecast))
	get("/api/alerts", s.uncached(s.listAlerts))
	get("/api/export.csv", s.stream("text/csv; charset=utf-8", s.exporter(export.CSV), checkSelection))
	get("/api/export.geojson", s.stream("application/geo+json", s.exporter(export.GeoJSON), checkSelection))
	openapi, err := loadStatic(embedded, "openapi.json", "application/json")
	if err != nil {
		return err
	}
	get("/api/openapi.json", openapi)
	get("/healthz", http.HandlerFunc(s.healthz))
	get("/readyz", http.HandlerFunc(s.readyz))
	get("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	m.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: see /api/openapi.json")
	}))
	return s.pageRoutes(get)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if _, err := s.st.Generation(r.Context()); err != nil {
		s.reqLog(r).Error("health check", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":"ok"}`+"\n")
}

// selectionParams are the query parameters that select incidents, as the
// command line's selection flags.
var selectionParams = []string{"country", "admin1", "actor", "type", "status", "since", "until", "min_killed"}

// selection reads the selection parameters of a request into a filter.
func selection(r *http.Request) (store.Filter, error) {
	q := r.URL.Query()
	var f store.Filter
	for k, vs := range q {
		if len(vs) > 1 {
			return f, badRequest("parameter %s given %d times", k, len(vs))
		}
	}
	if c := q.Get("country"); c != "" {
		cc, ok := model.CountryByISO2(c)
		if !ok {
			if cc, ok = model.CountryByName(c); !ok {
				return f, badRequest("country %q: not an ISO 3166 alpha-2 code or a country name", c)
			}
		}
		f.Country = cc.ISO2
	}
	f.Admin1, f.Actor = q.Get("admin1"), q.Get("actor")
	if t := q.Get("type"); t != "" {
		f.AttackType = model.AttackType(t)
		if !f.AttackType.Valid() {
			return f, badRequest("type %q: not an attack type", t)
		}
	}
	if st := q.Get("status"); st != "" {
		f.Status = model.Status(st)
		ok := false
		for _, v := range model.Statuses {
			ok = ok || v == f.Status
		}
		if !ok {
			return f, badRequest("status %q: want confirmed, probable, unverified, disputed or retracted", st)
		}
	}
	var err error
	if v := q.Get("since"); v != "" {
		if f.Since, err = model.ParseDate(v); err != nil {
			return f, badRequest("since: %v", err)
		}
	}
	if v := q.Get("until"); v != "" {
		if f.Until, err = model.ParseDate(v); err != nil {
			return f, badRequest("until: %v", err)
		}
	}
	if v := q.Get("min_killed"); v != "" {
		// Bounded as the stores' integer columns are.
		if f.MinKilled, err = strconv.Atoi(v); err != nil || f.MinKilled < 0 || f.MinKilled > math.MaxInt32 {
			return f, badRequest("min_killed %q: want a whole number from 0 to 2147483647", v)
		}
	}
	return f, nil
}

// checkParams refuses parameters an endpoint does not know, so that a
// misspelt filter is an error rather than a silently wider selection.
func checkParams(r *http.Request, extra ...string) error {
	for k := range r.URL.Query() {
		known := false
		for _, p := range selectionParams {
			known = known || k == p
		}
		for _, p := range extra {
			known = known || k == p
		}
		if !known {
			return badRequest("unknown parameter %q", k)
		}
	}
	return nil
}

func checkSelection(r *http.Request) error {
	if err := checkParams(r, "limit"); err != nil {
		return err
	}
	if _, err := selection(r); err != nil {
		return err
	}
	_, err := limitParam(r, 0, 0)
	return err
}

// limitParam reads limit: def when absent, at most max (0: no bound).
func limitParam(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || (max > 0 && n > max) {
		if max > 0 {
			return 0, badRequest("limit %q: want 1 to %d", v, max)
		}
		return 0, badRequest("limit %q: want a whole number ≥ 1", v)
	}
	return n, nil
}

// incidentPage is an answer of /api/incidents.
type incidentPage struct {
	Incidents []model.Incident `json:"incidents"`
	// NextCursor continues the list (cursor=…); absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
	// PrevCursor goes back a page (before=…); absent on the first.
	PrevCursor string `json:"prev_cursor,omitempty"`
}

func (s *Server) listIncidents(r *http.Request) (any, error) {
	if err := checkParams(r, "limit", "cursor", "before", "sort"); err != nil {
		return nil, err
	}
	f, err := selection(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	switch so := q.Get("sort"); so {
	case "", "start":
	case "-start":
		f.Desc = true
	default:
		return nil, badRequest("sort %q: want start (oldest first) or -start (newest first)", so)
	}
	n, err := limitParam(r, defaultPage, maxPage)
	if err != nil {
		return nil, err
	}
	c, before := q.Get("cursor"), q.Get("before")
	if c != "" && before != "" {
		return nil, badRequest("cursor and before: give one (cursor pages forward, before back)")
	}
	for name, v := range map[string]string{"cursor": c, "before": before} {
		if _, _, err := store.ParseCursor(v); v != "" && err != nil {
			return nil, badRequest("%s: %v", name, err)
		}
	}
	// A page back is the page forward in the other order, read
	// backwards: the same keyset, the same index.
	back := before != ""
	if back {
		f.After, f.Desc = before, !f.Desc
	} else {
		f.After = c
	}
	// One more than asked tells whether there is a page beyond.
	f.Limit = n + 1
	out := incidentPage{Incidents: []model.Incident{}}
	err = s.st.Incidents(r.Context(), f, func(inc model.Incident) error {
		out.Incidents = append(out.Incidents, inc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	more := len(out.Incidents) > n
	if more {
		out.Incidents = out.Incidents[:n]
	}
	if back {
		slices.Reverse(out.Incidents)
	}
	if len(out.Incidents) == 0 {
		return out, nil
	}
	first, last := store.Cursor(out.Incidents[0]), store.Cursor(out.Incidents[len(out.Incidents)-1])
	switch {
	case back:
		// Coming back from a page, there is always one after this.
		out.NextCursor = last
		if more {
			out.PrevCursor = first
		}
	default:
		if more {
			out.NextCursor = last
		}
		if c != "" {
			out.PrevCursor = first
		}
	}
	return out, nil
}

// incidentDetail is an answer of /api/incidents/{id}: the incident and
// everything that explains it.
type incidentDetail struct {
	Incident model.Incident      `json:"incident"`
	Claims   []store.StoredClaim `json:"claims"`
	Versions []store.Version     `json:"versions"`
	// Related are the other incidents of the same coordinated attack that
	// this store holds, as the claims name them.
	Related []model.Incident `json:"related"`
}

func (s *Server) getIncident(r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	d, err := s.detail(r, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return d, nil
}

// detail loads an incident with its claims, versions and related sites.
func (s *Server) detail(r *http.Request, id string) (incidentDetail, error) {
	ctx := r.Context()
	inc, err := s.st.Incident(ctx, id)
	if err != nil {
		return incidentDetail{}, notFoundOr(err, id)
	}
	d := incidentDetail{Incident: inc, Claims: []store.StoredClaim{}, Versions: []store.Version{}, Related: []model.Incident{}}
	if d.Claims, err = s.st.Claims(ctx, id); err != nil {
		return incidentDetail{}, fmt.Errorf("incident %s: %w", id, err)
	}
	if d.Versions, err = s.st.Versions(ctx, id); err != nil {
		return incidentDetail{}, fmt.Errorf("incident %s: %w", id, err)
	}
	seen := map[string]bool{id: true}
	for _, c := range d.Claims {
		for _, ref := range c.Related {
			rid := model.IncidentIDFor(c.Source, ref)
			if seen[rid] {
				continue
			}
			seen[rid] = true
			other, err := s.st.Incident(ctx, rid)
			if err != nil {
				continue // a related event the store does not hold
			}
			d.Related = append(d.Related, other)
		}
	}
	if d.Claims == nil {
		d.Claims = []store.StoredClaim{}
	}
	if d.Versions == nil {
		d.Versions = []store.Version{}
	}
	return d, nil
}

// notFoundOr names the missing incident to the client.
func notFoundOr(err error, id string) error {
	if isNotFound(err) {
		return &apiError{status: http.StatusNotFound, msg: fmt.Sprintf("incident %q not found", id)}
	}
	return fmt.Errorf("incident %s: %w", id, err)
}

// aggregateAnswer is an answer of /api/aggregates.
type aggregateAnswer struct {
	By      []store.Dimension `json:"by"`
	Buckets []store.Bucket    `json:"buckets"`
}

func (s *Server) aggregates(r *http.Request) (any, error) {
	if err := checkParams(r, "by"); err != nil {
		return nil, err
	}
	f, err := selection(r)
	if err != nil {
		return nil, err
	}
	byParam := r.URL.Query().Get("by")
	if byParam == "" {
		return nil, badRequest("by: give one or two of week, month, country, admin1, actor, type (comma-separated)")
	}
	by, err := store.ParseDimensions(byParam)
	if err != nil {
		return nil, badRequest("by: %v", err)
	}
	b, err := s.aggregate(r.Context(), f, by)
	if err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	return aggregateAnswer{By: by, Buckets: b}, nil
}

// aggregate answers from the in-memory snapshot when it is of the store's
// current generation, else from the store (and has a snapshot built).
func (s *Server) aggregate(ctx context.Context, f store.Filter, by []store.Dimension) ([]store.Bucket, error) {
	if s.snaps != nil {
		gen, err := s.generation(ctx)
		if err != nil {
			return nil, err
		}
		if snap := s.snaps.get(gen, s.st.Generation); snap != nil {
			s.metrics.snapshotHits.Inc()
			return snap.aggregate(f, by)
		}
	}
	return s.st.Aggregate(ctx, f, by)
}

// analysisAnswer is an answer of /api/analyze/{kind}.
type analysisAnswer struct {
	Kind string `json:"kind"`
	// Incidents is how many incidents the selection holds.
	Incidents int `json:"incidents"`
	// Sentence says what the result means, in words; SentenceFa says it
	// in Persian, for the Persian dashboard.
	Sentence   string `json:"sentence"`
	SentenceFa string `json:"sentence_fa,omitempty"`
	// Result is the analysis as `vigil analyze KIND --format json` gives
	// it, or null when the selection does not allow it.
	Result json.RawMessage `json:"result"`
	// Unavailable says why there is no result (too few incidents…).
	Unavailable string `json:"unavailable,omitempty"`
}

// maxBootstrap bounds the tail fit's bootstrap on a server, where a
// request must not hold two cores for minutes.
const maxBootstrap = 1000

func (s *Server) analyzeSelection(r *http.Request) (any, error) {
	kind := r.PathValue("kind")
	if err := checkParams(r, "bin", "bootstrap", "regions"); err != nil {
		return nil, err
	}
	f, err := selection(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	bin := analyze.BinMonth
	switch q.Get("bin") {
	case "", "month":
	case "week":
		bin = analyze.BinWeek
	default:
		return nil, badRequest("bin %q: want month or week", q.Get("bin"))
	}
	boot := 200
	if v := q.Get("bootstrap"); v != "" {
		if boot, err = strconv.Atoi(v); err != nil || boot < 0 || boot > maxBootstrap {
			return nil, badRequest("bootstrap %q: want 0 to %d", v, maxBootstrap)
		}
	}
	regionsBy := q.Get("regions")
	switch regionsBy {
	case "", "admin1", "country":
	default:
		return nil, badRequest("regions %q: want admin1 or country", regionsBy)
	}
	switch kind {
	case "tempo", "severity", "tail", "changepoints", "hawkes":
	default:
		return nil, &apiError{status: http.StatusNotFound, msg: fmt.Sprintf("analysis %q: want tempo, severity, tail, changepoints or hawkes", kind)}
	}
	var incs []model.Incident
	if err := s.st.Incidents(r.Context(), f, func(inc model.Incident) error {
		incs = append(incs, inc)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("select incidents: %w", err)
	}
	res, err := runAnalysis(kind, incs, f, bin, boot, regionsBy)
	if err != nil {
		// Too few incidents and the like: not a failure of the request but
		// an answer about the selection, which the analysis words.
		return analysisAnswer{Kind: kind, Incidents: len(incs), Sentence: "No result: " + err.Error() + ".",
			SentenceFa: faUnavailable(len(incs)), Result: json.RawMessage("null"), Unavailable: err.Error()}, nil
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", kind, err)
	}
	return analysisAnswer{Kind: kind, Incidents: len(incs), Sentence: res.Sentence(), SentenceFa: faSentence(res), Result: b}, nil
}

// forecastAnswer is the forecast of a selection, as `vigil forecast
// --format json` gives it, with its sentence.
type forecastAnswer struct {
	analyze.ForecastResult
	Sentence   string `json:"sentence"`
	SentenceFa string `json:"sentence_fa"`
	// Skill says how the model did in its backtest against the
	// historical rate, in words (SkillFa in Persian).
	Skill   string `json:"skill"`
	SkillFa string `json:"skill_fa"`
}

// forecast answers /api/forecast: the risk per region for the periods
// after now, from the model that backtests best on the selection.
func (s *Server) forecast(r *http.Request) (any, error) {
	if err := checkParams(r, "level", "horizon", "now", "model"); err != nil {
		return nil, err
	}
	f, err := selection(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	opts := analyze.ForecastOptions{Level: analyze.Admin1Week, Horizon: 4, Model: q.Get("model"), Now: model.DateOf(time.Now().UTC())}
	if v := q.Get("level"); v != "" {
		opts.Level = analyze.ForecastLevel(v)
		if !opts.Level.Valid() {
			return nil, badRequest("level %q: want admin1-week or country-month", v)
		}
	}
	if v := q.Get("horizon"); v != "" {
		if opts.Horizon, err = strconv.Atoi(v); err != nil || opts.Horizon < 1 || opts.Horizon > 4 {
			return nil, badRequest("horizon %q: want 1 to 4 periods", v)
		}
	}
	if v := q.Get("now"); v != "" {
		if opts.Now, err = model.ParseDate(v); err != nil {
			return nil, badRequest("now %q: want YYYY-MM-DD", v)
		}
	}
	switch opts.Model {
	case "", analyze.ModelBaseline, analyze.ModelHawkes, analyze.ModelCount:
	default:
		return nil, badRequest("model %q: want baseline, hawkes or count", opts.Model)
	}
	f.Until = opts.Now
	var incs []model.Incident
	if err := s.st.Incidents(r.Context(), f, func(inc model.Incident) error {
		incs = append(incs, inc)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("select incidents: %w", err)
	}
	res, err := analyze.Forecast(incs, opts)
	if err != nil {
		// No incident with a region and a usable date: an answer about
		// the selection, not a server failure.
		return nil, badRequest("%v", err)
	}
	skill, skillFa := forecastSkill(res)
	return forecastAnswer{ForecastResult: res, Sentence: res.Sentence(), SentenceFa: faForecast(res), Skill: skill, SkillFa: skillFa}, nil
}

// sentencer is an analysis result that says what it means.
type sentencer interface{ Sentence() string }

// runAnalysis runs one analysis the way `vigil analyze` does; regionsBy
// ("admin1", "country" or "") asks Hawkes for backgrounds by region.
func runAnalysis(kind string, incs []model.Incident, f store.Filter, bin analyze.TempoBin, boot int, regionsBy string) (sentencer, error) {
	switch kind {
	case "tempo":
		dates := make([]model.Date, 0, len(incs))
		for _, inc := range incs {
			dates = append(dates, inc.Start)
		}
		return analyze.Tempo(dates, analyze.TempoOptions{Start: f.Since, End: f.Until, Bin: bin})
	case "severity":
		return analyze.Severity(severityItems(incs), analyze.SeverityOptions{})
	case "changepoints":
		return analyze.ChangePoints(severityItems(incs), analyze.ChangeOptions{Start: f.Since, End: f.Until})
	case "tail":
		var xs []float64
		for _, inc := range incs {
			if inc.Killed != nil {
				xs = append(xs, float64(inc.Killed.Best))
			}
		}
		return analyze.FitTail(xs, analyze.TailOptions{Bootstrap: boot, Seed: 2009, Unit: "killed"})
	case "hawkes":
		if regionsBy != "" {
			return analyze.FitHawkesRegions(hawkesTimes(incs), hawkesRegions(incs, regionsBy), analyze.HawkesOptions{Unit: "days"})
		}
		return analyze.FitHawkes(hawkesTimes(incs), analyze.HawkesOptions{Unit: "days"})
	}
	return nil, fmt.Errorf("unknown analysis %q", kind)
}

func severityItems(incs []model.Incident) []analyze.SeverityItem {
	items := make([]analyze.SeverityItem, 0, len(incs))
	for _, inc := range incs {
		items = append(items, analyze.SeverityItem{Date: inc.Start, Killed: inc.Killed, Wounded: inc.Wounded,
			Suicide: inc.Suicide, Sites: inc.Sites, Coordinated: inc.Sites >= 2})
	}
	return items
}

// hawkesTimes turns day-precise dates into days since the first; coarser
// dates would read as bursts on the first of the month and are left out,
// as the command line does.
func hawkesTimes(incs []model.Incident) []float64 {
	var first model.Date
	for _, inc := range incs {
		if inc.DatePrecision == model.PrecisionDay && (first.IsZero() || inc.Start.Before(first)) {
			first = inc.Start
		}
	}
	var ts []float64
	for _, inc := range incs {
		if inc.DatePrecision == model.PrecisionDay {
			ts = append(ts, inc.Start.Time().Sub(first.Time()).Hours()/24)
		}
	}
	return ts
}

// hawkesRegions labels the incidents hawkesTimes keeps, in its order, by
// country or by country/admin1 as `vigil analyze hawkes --regions` does.
func hawkesRegions(incs []model.Incident, by string) []string {
	var labels []string
	for _, inc := range incs {
		if inc.DatePrecision != model.PrecisionDay {
			continue
		}
		if by == "admin1" {
			labels = append(labels, inc.Country+"/"+inc.Admin1)
		} else {
			labels = append(labels, inc.Country)
		}
	}
	return labels
}

// exporter writes the selection in format f.
func (s *Server) exporter(f export.Format) func(w io.Writer, r *http.Request) error {
	return func(w io.Writer, r *http.Request) error {
		sel, err := selection(r)
		if err != nil {
			return err
		}
		if sel.Limit, err = limitParam(r, 0, 0); err != nil {
			return err
		}
		ew, err := export.NewWriter(w, f)
		if err != nil {
			return err
		}
		if err := s.st.Incidents(r.Context(), sel, ew.Write); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return ew.Close()
	}
}

// isNotFound reports whether err means the thing asked for does not exist.
func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound)
}
