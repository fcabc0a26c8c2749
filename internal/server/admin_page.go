package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigil-project/vigil/internal/store"
)

// The admin page: users (add, role, disable, password), API tokens (make,
// shown once; revoke) and the audit log with the filters of `vigil audit`.

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	s.renderAdmin(w, r, http.StatusOK, nil)
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, extra map[string]any) {
	d := s.pageData(w, r, "admin")
	for k, v := range extra {
		d[k] = v
	}
	if s.team == nil {
		d["Error"] = say(d["Lang"].(string), "no_accounts")
		formPage(w, http.StatusNotImplemented, "admin.html", d)
		return
	}
	ctx := r.Context()
	users, err := s.team.Users(ctx)
	if err != nil {
		s.formFail(w, r, fmt.Errorf("admin: %w", err))
		return
	}
	tokens, err := s.team.Tokens(ctx)
	if err != nil {
		s.formFail(w, r, fmt.Errorf("admin: %w", err))
		return
	}
	q := r.URL.Query()
	q.Del("lang") // the page's language, not a filter
	f, ferr := auditFilter(q)
	if ferr != nil {
		d["Error"] = faMessage(d["Lang"].(string), ferr.Error())
		f = store.AuditFilter{}
		status = http.StatusBadRequest
	}
	// The page shows the latest entries: the store gives the oldest
	// first, so the page keeps the last ones it is given.
	limit := 200
	if q.Get("limit") != "" && ferr == nil {
		limit = f.Limit
	}
	f.Limit = 0
	var entries []store.AuditEntry
	if err := s.team.Audit(ctx, f, func(e store.AuditEntry) error {
		entries = append(entries, e)
		if len(entries) > 2*limit {
			entries = append(entries[:0], entries[len(entries)-limit:]...)
		}
		return nil
	}); err != nil {
		s.formFail(w, r, fmt.Errorf("admin: audit: %w", err))
		return
	}
	if len(entries) > limit {
		entries = entries[len(entries)-limit:]
	}
	// Newest first on the page.
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	d["Users"], d["Tokens"], d["Entries"] = users, tokens, entries
	d["Filter"] = map[string]string{"since": q.Get("since"), "until": q.Get("until"), "actor": q.Get("actor"), "action": q.Get("action")}
	d["Roles"] = []string{string(store.RoleViewer), string(store.RoleAnalyst), string(store.RoleAdmin)}
	formPage(w, status, "admin.html", d)
}

// adminResult renders the admin page after a change: its message, or
// the error the change met.
func (s *Server) adminResult(w http.ResponseWriter, r *http.Request, err error, extra map[string]any) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		// The filters of the page are not the form's: start clean (but
		// in the same language).
		r.URL.RawQuery = langQuery(r)
		s.renderAdmin(w, r, ae.status, map[string]any{"Error": faMessage(lang(r), ae.msg)})
	case err != nil:
		s.formFail(w, r, err)
	default:
		r.URL.RawQuery = langQuery(r)
		s.renderAdmin(w, r, http.StatusOK, extra)
	}
}

func (s *Server) adminAddUser(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	pw := r.PostForm.Get("password")
	u, err := s.addUser(r.Context(), who(r), userBody{Name: r.PostForm.Get("name"), Role: r.PostForm.Get("role"), Password: &pw})
	l := lang(r)
	extra := map[string]any{"Done": say(l, "user_added", u.Name, formT(l)["role_"+string(u.Role)])}
	if u.Password != "" {
		extra["Secret"] = u.Password
		extra["SecretWhat"] = say(l, "secret_pw", u.Name)
	}
	s.adminResult(w, r, err, extra)
}

func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	name := r.PathValue("name")
	var b userBody
	switch r.PostForm.Get("change") {
	case "role":
		b.Role = r.PostForm.Get("role")
	case "disable", "enable":
		v := r.PostForm.Get("change") == "disable"
		b.Disabled = &v
	case "password":
		pw := r.PostForm.Get("password")
		b.Password = &pw
	default:
		s.adminResult(w, r, badRequest("change: want role, disable, enable or password"), nil)
		return
	}
	_, err := s.updateUser(r.Context(), who(r), name, b)
	s.adminResult(w, r, err, map[string]any{"Done": say(lang(r), "user_changed", name)})
}

func (s *Server) adminAddToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	t, err := s.addToken(r.Context(), who(r), tokenBody{Name: r.PostForm.Get("name"), Role: r.PostForm.Get("role")})
	l := lang(r)
	s.adminResult(w, r, err, map[string]any{"Done": say(l, "token_made", t.ID, t.Name, formT(l)["role_"+string(t.Role)]),
		"Secret": t.Token, "SecretWhat": say(l, "secret_token", t.Name)})
}

func (s *Server) adminRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.adminResult(w, r, badRequest("no such token"), nil)
		return
	}
	err = s.revokeToken(r.Context(), who(r), id)
	s.adminResult(w, r, err, map[string]any{"Done": say(lang(r), "token_revoked", id)})
}
