package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Sizes of /api/alerts: alerts per answer, and the evidence resolved per
// alert (a storm alert may name hundreds of reports; the ids of all stay
// on the alert).
const (
	defaultAlerts   = 50
	maxAlerts       = 500
	maxEvidenceRefs = 10
)

// alertAnswer is an answer of /api/alerts: the alerts fired, newest first.
type alertAnswer struct {
	Alerts []alertItem `json:"alerts"`
}

// alertItem is a stored alert with its evidence resolved into what a
// reader can follow: the incidents (to their pages) and the reports (to
// where they were published, when that is a web address).
type alertItem struct {
	store.Alert
	Evidence evidence `json:"evidence"`
	// Display is the alert in the language asked (lang=fa: Persian,
	// written from the alert's parts when it has them).
	Display alertDisplay `json:"display"`
}

type evidence struct {
	Incidents []evidenceIncident `json:"incidents"`
	Reports   []evidenceReport   `json:"reports"`
}

// evidenceIncident is an incident an alert names, as it is now; Missing
// when the store no longer holds it (merged away by fusion).
type evidenceIncident struct {
	ID      string       `json:"id"`
	Start   model.Date   `json:"start,omitzero"`
	Country string       `json:"country,omitempty"`
	Admin1  string       `json:"admin1,omitempty"`
	Place   string       `json:"place,omitempty"`
	Killed  *model.Range `json:"killed,omitempty"`
	Missing bool         `json:"missing,omitempty"`
}

// evidenceReport is a report an alert names: its source and reference,
// and URL when the reference is a web address (an article).
type evidenceReport struct {
	ID        string `json:"id"`
	Source    string `json:"source,omitempty"`
	SourceRef string `json:"source_ref,omitempty"`
	URL       string `json:"url,omitempty"`
	Missing   bool   `json:"missing,omitempty"`
}

// uncached serves a JSON answer rendered on every request: saving alerts
// does not move the store's generation (an alert changes no incident), so
// the generation cannot key the inbox's cache or ETag.
func (s *Server) uncached(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := jsonPage(v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writePage(w, r, &entry{page: p}, false)
	}
}

func (s *Server) listAlerts(r *http.Request) (any, error) {
	for k := range r.URL.Query() {
		if k != "limit" && k != "lang" {
			return nil, badRequest("unknown parameter %q", k)
		}
	}
	l := r.URL.Query().Get("lang")
	if l != "" && l != "en" && l != "fa" {
		return nil, badRequest("lang %q: want en or fa", l)
	}
	n, err := limitParam(r, defaultAlerts, maxAlerts)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	as, err := s.st.Alerts(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	out := alertAnswer{Alerts: make([]alertItem, 0, len(as))}
	for _, a := range as {
		ev, err := s.evidence(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("alert %d: %w", a.ID, err)
		}
		if a.Incidents == nil {
			a.Incidents = []string{}
		}
		if a.Reports == nil {
			a.Reports = []string{}
		}
		it := alertItem{Alert: a, Evidence: ev}
		it.Display = displayAlert(l, it)
		out.Alerts = append(out.Alerts, it)
	}
	return out, nil
}

// evidence resolves the first incidents and reports of an alert.
func (s *Server) evidence(ctx context.Context, a store.Alert) (evidence, error) {
	ev := evidence{Incidents: []evidenceIncident{}, Reports: []evidenceReport{}}
	for _, id := range a.Incidents[:min(len(a.Incidents), maxEvidenceRefs)] {
		inc, err := s.st.Incident(ctx, id)
		switch {
		case isNotFound(err):
			ev.Incidents = append(ev.Incidents, evidenceIncident{ID: id, Missing: true})
			continue
		case err != nil:
			return ev, err
		}
		ev.Incidents = append(ev.Incidents, evidenceIncident{ID: id, Start: inc.Start, Country: inc.Country,
			Admin1: inc.Admin1, Place: inc.Place, Killed: inc.Killed})
	}
	for _, id := range a.Reports[:min(len(a.Reports), maxEvidenceRefs)] {
		rep, err := s.st.Report(ctx, id)
		switch {
		case isNotFound(err):
			ev.Reports = append(ev.Reports, evidenceReport{ID: id, Missing: true})
			continue
		case err != nil:
			return ev, err
		}
		ev.Reports = append(ev.Reports, evidenceReport{ID: id, Source: rep.Source, SourceRef: rep.SourceRef, URL: webAddress(rep.SourceRef)})
	}
	return ev, nil
}

// webAddress returns ref when it is an absolute http(s) URL, else "": a
// dataset's row number is no link, and no other scheme becomes one.
func webAddress(ref string) string {
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
