package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/store"
)

// publicSource is the source of the claims approved public reports
// become: eyewitnesses, weighed low by fusion until other sources agree.
var publicSource = model.Source{Name: "public", Kind: model.KindForm,
	Title: "reports sent through vigil's public form, approved by an analyst", Reliability: 0.2}

// teamErr turns the store's refusals into answers the client can act on.
func teamErr(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &apiError{status: http.StatusNotFound, msg: what + " not found"}
	case errors.Is(err, store.ErrConflict):
		return &apiError{status: http.StatusConflict, msg: what + ": already decided"}
	case errors.Is(err, store.ErrExists):
		return &apiError{status: http.StatusConflict, msg: what + " exists already"}
	case errors.Is(err, fuse.ErrConstraint):
		return &apiError{status: http.StatusBadRequest, msg: err.Error()}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// pathID reads a numeric id from the path.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		return 0, badRequest("%s %q: want a whole number ≥ 1", name, r.PathValue(name))
	}
	return id, nil
}

// reportStates are the states a report list may ask for.
var reportStates = []string{store.ReportPending, store.ReportApproved, store.ReportRejected, store.ReportDuplicate}

func (s *Server) listReports(r *http.Request) (any, error) {
	q := r.URL.Query()
	for k, vs := range q {
		if k != "state" && k != "limit" {
			return nil, badRequest("unknown parameter %q", k)
		}
		if len(vs) > 1 {
			return nil, badRequest("parameter %s given %d times", k, len(vs))
		}
	}
	state := q.Get("state")
	if state != "" && state != "all" {
		ok := false
		for _, st := range reportStates {
			ok = ok || st == state
		}
		if !ok {
			return nil, badRequest("state %q: want pending, approved, rejected, duplicate or all", state)
		}
	} else if state == "" {
		state = store.ReportPending
	}
	if state == "all" {
		state = ""
	}
	n, err := limitParam(r, 100, 1000)
	if err != nil {
		return nil, err
	}
	reps, err := s.team.PublicReports(r.Context(), state, n)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	if reps == nil {
		reps = []store.PublicReport{}
	}
	return map[string]any{"reports": reps}, nil
}

func (s *Server) getReport(r *http.Request) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	rep, err := s.team.PublicReport(r.Context(), id)
	if err != nil {
		return nil, teamErr(err, "report "+strconv.FormatInt(id, 10))
	}
	return rep, nil
}

// decisionBody is what a moderation request may send.
type decisionBody struct {
	Note        string `json:"note"`
	DuplicateOf string `json:"duplicate_of"`
}

// readJSON decodes a request's JSON body into v, strictly.
func readJSON(r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body too large: at most %d bytes", mbe.Limit)}
		}
		return badRequest("body: %v", err)
	}
	// NUL is text no store holds (PostgreSQL refuses it in text and
	// jsonb): refused here rather than failing in a query.
	if bytes.IndexByte(b, 0) >= 0 || bytes.Contains(b, []byte(`\u0000`)) || !utf8.Valid(b) {
		return badRequest("body: NUL bytes or invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("body: %v", err)
	}
	if dec.More() {
		return badRequest("body: more than one JSON value")
	}
	return nil
}

// moderationResult is the outcome of a decision.
type moderationResult struct {
	Report store.PublicReport `json:"report"`
	// Incident is the incident an approved report joined (or made).
	Incident string `json:"incident,omitempty"`
}

func (s *Server) moderateAPI(r *http.Request) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var b decisionBody
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	return s.moderate(r.Context(), who(r), id, r.PathValue("decision"), b)
}

// moderate applies an analyst's decision on a report. Approval stores
// the report as a claim of source "public" (ref "report:ID") through the
// same import and fusion path as any other claim, and says which incident
// it joined.
func (s *Server) moderate(ctx context.Context, p *principal, id int64, decision string, b decisionBody) (moderationResult, error) {
	b.Note = strings.TrimSpace(b.Note)
	if len(b.Note) > 2000 {
		return moderationResult{}, badRequest("note: at most 2000 bytes")
	}
	now := s.now()
	m := store.Moderation{By: p.Actor, At: now, Note: b.Note}
	var res moderationResult
	switch decision {
	case "approve":
		rep, err := s.team.PublicReport(ctx, id)
		if err != nil {
			return res, teamErr(err, "report "+strconv.FormatInt(id, 10))
		}
		if rep.State != store.ReportPending {
			return res, teamErr(store.ErrConflict, "report "+strconv.FormatInt(id, 10))
		}
		inc, err := s.importReport(ctx, p.Actor, rep, now)
		if err != nil {
			return res, err
		}
		m.State, m.ClaimRef = store.ReportApproved, reportTarget(id)
		res.Incident = inc
	case "reject":
		m.State = store.ReportRejected
	case "duplicate":
		b.DuplicateOf = strings.TrimSpace(b.DuplicateOf)
		if b.DuplicateOf == "" {
			return res, badRequest("duplicate_of: the incident the report repeats is required")
		}
		if _, err := s.st.Incident(ctx, b.DuplicateOf); err != nil {
			return res, notFoundOr(err, b.DuplicateOf)
		}
		m.State, m.DuplicateOf = store.ReportDuplicate, b.DuplicateOf
		res.Incident = b.DuplicateOf
	default:
		return res, &apiError{status: http.StatusNotFound, msg: fmt.Sprintf("decision %q: want approve, reject or duplicate", decision)}
	}
	rep, err := s.team.ModerateReport(ctx, id, m)
	if err != nil {
		return res, teamErr(err, "report "+strconv.FormatInt(id, 10))
	}
	res.Report = rep
	details := map[string]string{}
	if res.Incident != "" {
		details["incident"] = res.Incident
	}
	if err := s.audit(ctx, p.Actor, map[string]string{"approve": audit.ReportApprove, "reject": audit.ReportReject, "duplicate": audit.ReportDup}[decision], reportTarget(id), details); err != nil {
		return res, err
	}
	return res, nil
}

// importReport stores an approved report as a claim and fuses it, as an
// import does, and returns the incident the claim is in.
func (s *Server) importReport(ctx context.Context, actor string, rep store.PublicReport, now time.Time) (string, error) {
	ref := reportTarget(rep.ID)
	c, err := reportClaim(ctx, rep)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		return "", fmt.Errorf("report %d: %w", rep.ID, err)
	}
	r := source.NewReport(publicSource.Name, ref, 0, raw, source.Options{Fetched: now}, 0)
	r.Origin = "public report form"
	c.ID, c.ReportID, c.Source = model.ClaimID(r.ID, 1), r.ID, publicSource.Name
	if err := s.edit.EnsureSource(ctx, publicSource); err != nil {
		return "", fmt.Errorf("approve report %d: %w", rep.ID, err)
	}
	start := time.Now()
	bc, err := s.edit.ImportBatch(ctx, []model.Record{{Report: r, Claim: c}}, now)
	if err != nil {
		return "", fmt.Errorf("approve report %d: %w", rep.ID, err)
	}
	s.cfg.Metrics.ImportBatch(publicSource.Name, bc.New, bc.Updated, bc.Unchanged, 0, time.Since(start))
	sum, err := fuse.Incremental(ctx, s.edit, fuse.RunOptions{At: now, Metrics: s.cfg.Metrics})
	if err != nil {
		return "", fmt.Errorf("approve report %d: fuse: %w", rep.ID, err)
	}
	// The fusion run is a change of its own, as the CLI records it.
	if err := s.audit(ctx, actor, audit.Fuse, reportTarget(rep.ID), sum); err != nil {
		return "", err
	}
	id := model.IncidentIDFor(publicSource.Name, ref)
	for range 10 { // follow merges: a retired incident names where it went
		if _, err := s.st.Incident(ctx, id); err == nil {
			return id, nil
		}
		ret, err := s.edit.RetiredIncident(ctx, id)
		if err != nil {
			return "", fmt.Errorf("approve report %d: find its incident: %w", rep.ID, err)
		}
		id = ret.MergedInto
	}
	return id, nil
}

// reportClaim reads a report into a claim: the extractor reads what
// happened from the text (attack, figures, groups), and the reporter's
// own place, point and date win over what it reads.
func reportClaim(ctx context.Context, rep store.PublicReport) (model.Claim, error) {
	var published time.Time
	if rep.When != "" {
		published, _ = time.Parse(time.DateOnly, rep.When)
	} else {
		published = rep.Received
	}
	text := rep.What
	if rep.Place != "" {
		text += "\n" + rep.Place
	}
	cs, err := extract.ClaimExtractor{}.Extract(ctx, text, "", published)
	if err != nil {
		return model.Claim{}, err
	}
	var c model.Claim
	for _, x := range cs {
		if x.Codes["main"] == "true" || len(cs) == 1 {
			c = x
			break
		}
	}
	if c.AttackType == "" {
		c.AttackType = model.UnknownAttack
	}
	if c.Codes == nil {
		c.Codes = map[string]string{}
	}
	d := model.DateOf(published)
	c.Start, c.End, c.DatePrecision = d, d, model.PrecisionDay
	c.Text = rep.What
	if rep.Link != "" {
		c.Codes["url"] = rep.Link
	}
	g, gerr := gazetteer.Default()
	if rep.Place != "" {
		c.Place = rep.Place
		if gerr == nil {
			if ps := g.Lookup(rep.Place); len(ps) > 0 {
				p := ps[0]
				c.Country, c.Admin1 = p.Country, p.Admin1
				lat, lon := p.Lat, p.Lon
				c.Lat, c.Lon, c.PlacePrecision = &lat, &lon, model.PlaceCity
				if p.Kind == gazetteer.Admin1 {
					c.PlacePrecision = model.PlaceAdmin1
				}
			}
		}
	}
	if rep.Lat != nil && rep.Lon != nil {
		lat, lon := *rep.Lat, *rep.Lon
		c.Lat, c.Lon, c.PlacePrecision = &lat, &lon, model.PlaceExact
		if gerr == nil {
			if reg, ok := g.Admin1At(lat, lon); ok {
				c.Country, c.Admin1 = reg.Country, reg.Name
			}
		}
	}
	return c, nil
}
