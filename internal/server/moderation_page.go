package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigil-project/vigil/internal/store"
)

// reportRow is a report on the moderation page, with its contact for
// admins (nobody else ever sees it).
type reportRow struct {
	store.PublicReport
	Contact string
}

// moderationPage lists the pending reports with their decision forms,
// and the last decided ones.
func (s *Server) moderationPage(w http.ResponseWriter, r *http.Request) {
	s.renderModeration(w, r, http.StatusOK, nil)
}

func (s *Server) renderModeration(w http.ResponseWriter, r *http.Request, status int, extra map[string]any) {
	d := s.pageData(w, r, "moderation")
	for k, v := range extra {
		d[k] = v
	}
	if s.team == nil {
		d["Error"] = say(d["Lang"].(string), "no_queue")
		formPage(w, http.StatusNotImplemented, "moderation.html", d)
		return
	}
	ctx := r.Context()
	admin := who(r).Role.Allows(store.RoleAdmin)
	rows := func(state string, n int) ([]reportRow, error) {
		reps, err := s.team.PublicReports(ctx, state, n)
		if err != nil {
			return nil, err
		}
		out := make([]reportRow, len(reps))
		for i, rep := range reps {
			out[i].PublicReport = rep
			if admin && rep.HasContact {
				c, err := s.team.PublicReportContact(ctx, rep.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				out[i].Contact = c
			}
		}
		return out, nil
	}
	pending, err := rows(store.ReportPending, 200)
	if err != nil {
		s.formFail(w, r, fmt.Errorf("moderation: %w", err))
		return
	}
	d["Pending"] = pending
	// The last decisions, newest first, with their notes.
	all, err := s.team.PublicReports(ctx, "", 0)
	if err != nil {
		s.formFail(w, r, fmt.Errorf("moderation: %w", err))
		return
	}
	var decided []store.PublicReport
	for i := len(all) - 1; i >= 0 && len(decided) < 50; i-- {
		if all[i].State != store.ReportPending {
			decided = append(decided, all[i])
		}
	}
	d["Decided"] = decided
	formPage(w, status, "moderation.html", d)
}

// moderateForm takes a decision from the moderation page.
func (s *Server) moderateForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.renderModeration(w, r, http.StatusBadRequest, map[string]any{"Error": say(lang(r), "no_report")})
		return
	}
	if s.team == nil || s.edit == nil {
		s.renderModeration(w, r, http.StatusNotImplemented, nil)
		return
	}
	decision := r.PostForm.Get("decision")
	res, err := s.moderate(r.Context(), who(r), id, decision,
		decisionBody{Note: r.PostForm.Get("note"), DuplicateOf: r.PostForm.Get("duplicate_of")})
	var ae *apiError
	if errors.As(err, &ae) {
		s.renderModeration(w, r, ae.status, map[string]any{"Error": say(lang(r), "report_error", id, faMessage(lang(r), ae.msg))})
		return
	}
	if err != nil {
		s.formFail(w, r, err)
		return
	}
	msg := say(lang(r), "report_decided", id, formT(lang(r))["state_"+res.Report.State])
	s.renderModeration(w, r, http.StatusOK, map[string]any{"Done": msg, "Incident": res.Incident})
}
