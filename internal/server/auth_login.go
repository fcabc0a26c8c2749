package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/auth"
	"github.com/vigil-project/vigil/internal/store"
)

// localPath keeps a "next" target on this server: a path, never a URL
// or a scheme-relative //host.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// formPage renders a server-side page that may not be cached anywhere:
// it carries a form token or what only its reader may see.
func formPage(w http.ResponseWriter, status int, name string, data map[string]any) {
	p, err := render(name, data)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", p.ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(p.body)
}

// pageTitles name the form pages (keys of formT).
var pageTitles = map[string]string{"login": "login_title", "report": "title", "moderation": "mod_title", "admin": "admin_title"}

// pageData is what every form page's layout needs, in the reader's
// language (lang: ?lang=, then Accept-Language, as the dashboard).
func (s *Server) pageData(w http.ResponseWriter, r *http.Request, purpose string) map[string]any {
	p := who(r)
	l := lang(r)
	t := formT(l)
	d := map[string]any{"Lang": l, "Dir": dir(l), "CSRF": s.csrfFor(w, r, purpose), "Public": s.cfg.Public,
		"T": t, "Title": t[pageTitles[purpose]], "Path": r.URL.Path}
	if p.User != nil {
		d["User"] = p.User.Name
		d["Role"] = t["role_"+string(p.Role)]
		d["Analyst"] = p.Role.Allows(store.RoleAnalyst)
		d["Admin"] = p.Role.Allows(store.RoleAdmin)
	}
	return d
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	d := s.pageData(w, r, "login")
	d["Next"] = localPath(r.URL.Query().Get("next"))
	formPage(w, http.StatusOK, "login.html", d)
}

// login checks a name and password and opens a session: a new session id
// every time, whatever cookie the browser came with (no session
// fixation). Guessing is slowed per account and per address, and each
// failure is in the audit log.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	d := s.pageData(w, r, "login")
	d["Next"] = localPath(r.PostForm.Get("next"))
	if !s.checkForm(r, "login") {
		d["Error"] = say(d["Lang"].(string), "form_expired")
		formPage(w, http.StatusForbidden, "login.html", d)
		return
	}
	if s.team == nil {
		d["Error"] = say(d["Lang"].(string), "no_accounts")
		formPage(w, http.StatusNotFound, "login.html", d)
		return
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostForm.Get("name"))
	// Names are stored in normal form (auth.CheckName): the same name
	// typed on another keyboard finds its account.
	if n, err := auth.CheckName(name); err == nil {
		name = n
	}
	pw := r.PostForm.Get("password")
	d["Name"] = name
	now := s.now()
	userKey, addrKey := "user:"+strings.ToLower(name), "addr:"+s.clientAddr(r)
	u, uerr := s.team.User(ctx, name)
	if uerr != nil && !errors.Is(uerr, store.ErrNotFound) {
		s.formFail(w, r, fmt.Errorf("login: %w", uerr))
		return
	}
	// The audit log names an account that exists only: a name that is
	// no account may be a password typed in the wrong field.
	target := ""
	if uerr == nil {
		target = u.Name
	}
	if wait := max(s.logins.wait(userKey, now), s.logins.wait(addrKey, now)); wait > 0 {
		if err := s.audit(ctx, audit.Public, audit.LoginFailed, target, map[string]string{"reason": "throttled"}); err != nil {
			s.formFail(w, r, err)
			return
		}
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		d["Error"] = say(d["Lang"].(string), "throttled", max(secs, 1))
		formPage(w, http.StatusTooManyRequests, "login.html", d)
		return
	}
	// An unknown account costs as long as a known one (checkPassword
	// with no hash), so that timing does not tell which names exist.
	ok := checkPassword(u.PasswordHash, pw)
	if !ok || u.Disabled {
		s.logins.fail(userKey, now)
		s.logins.fail(addrKey, now)
		reason := "wrong name or password"
		if ok && u.Disabled {
			reason = "account disabled"
		}
		if err := s.audit(ctx, audit.Public, audit.LoginFailed, target, map[string]string{"reason": reason}); err != nil {
			s.formFail(w, r, err)
			return
		}
		s.reqLog(r).Info("login failed", "account", target, "reason", reason)
		d["Error"] = say(d["Lang"].(string), "wrong_login")
		formPage(w, http.StatusUnauthorized, "login.html", d)
		return
	}
	s.logins.reset(userKey)
	s.logins.reset(addrKey)
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		// Whatever session the browser had ends: the new one is the only one.
		if err := s.team.DeleteSession(ctx, hashSessionID(c.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.formFail(w, r, fmt.Errorf("login: end old session: %w", err))
			return
		}
	}
	id, hash := newSessionID()
	sess := store.Session{IDHash: hash, UserID: u.ID, Created: now, Expires: now.Add(s.cfg.SessionTTL), CSRF: newCSRF()}
	if err := s.team.CreateSession(ctx, sess); err != nil {
		s.formFail(w, r, fmt.Errorf("login: %w", err))
		return
	}
	if err := s.audit(ctx, audit.UserActor(u.Name), audit.Login, u.Name, nil); err != nil {
		s.formFail(w, r, err)
		return
	}
	s.reqLog(r).Info("login", "account", u.Name)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode, Expires: sess.Expires,
		MaxAge: int(s.cfg.SessionTTL / time.Second)})
	http.Redirect(w, r, withLang(d["Next"].(string), langQuery(r)), http.StatusSeeOther)
}

// logout ends the session (the guard has checked its CSRF token).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	if p.Sess != nil && s.team != nil {
		if err := s.team.DeleteSession(r.Context(), p.Sess.IDHash); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.formFail(w, r, fmt.Errorf("logout: %w", err))
			return
		}
		if err := s.audit(r.Context(), p.Actor, audit.Logout, p.User.Name, nil); err != nil {
			s.formFail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	to := "/login"
	if lang(r) == "fa" {
		to += "?lang=fa"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// meAnswer is who the caller is, for the dashboard: its role decides
// what it offers, and the CSRF token goes with every change it sends.
type meAnswer struct {
	Actor  string `json:"actor,omitempty"`
	Role   string `json:"role,omitempty"`
	CSRF   string `json:"csrf,omitempty"`
	Public bool   `json:"public"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p := who(r)
	a := meAnswer{Actor: p.Actor, Role: string(p.Role), Public: s.cfg.Public}
	if p.Sess != nil {
		a.CSRF = p.Sess.CSRF
	}
	b, _ := json.Marshal(a)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

// formError answers a form that could not be read: too big or malformed.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: at most %d bytes", mbe.Limit))
		return
	}
	writeError(w, http.StatusBadRequest, "malformed form")
}

// formFail answers a form whose handling failed inside: the cause to the
// log, a plain message to the browser.
func (s *Server) formFail(w http.ResponseWriter, r *http.Request, err error) {
	s.fail(w, r, err)
}
