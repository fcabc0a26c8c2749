package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/store"
)

// TeamStore is what the server needs of a store for a team: accounts,
// sessions, tokens, the audit log and the public report queue. Both
// backends have these methods; without them the server serves --public
// only, and nothing but reading works.
type TeamStore interface {
	CreateUser(ctx context.Context, u store.NewUser) (store.User, error)
	User(ctx context.Context, name string) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	UpdateUser(ctx context.Context, name string, u store.UserUpdate) (store.User, error)
	CreateSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, idHash string, now time.Time) (store.Session, store.User, error)
	DeleteSession(ctx context.Context, idHash string) error
	CreateToken(ctx context.Context, t store.NewToken) (store.APIToken, error)
	TokenByHash(ctx context.Context, hash string, now time.Time) (store.APIToken, error)
	Tokens(ctx context.Context) ([]store.APIToken, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	Audit(ctx context.Context, f store.AuditFilter, fn func(store.AuditEntry) error) error
	AddPublicReport(ctx context.Context, r store.PublicReport, contact string) (store.PublicReport, error)
	PublicReport(ctx context.Context, id int64) (store.PublicReport, error)
	PublicReports(ctx context.Context, state string, limit int) ([]store.PublicReport, error)
	PublicReportContact(ctx context.Context, id int64) (string, error)
	ModerateReport(ctx context.Context, id int64, m store.Moderation) (store.PublicReport, error)
}

// access is what a route needs of whoever asks.
type access int

const (
	// accessOpen routes answer anyone: the login and report forms, the
	// static assets, the health check.
	accessOpen access = iota
	// accessRead routes read the data: viewers and up, and anyone when
	// the server runs --public.
	accessRead
	// accessAnalyst routes change incidents, feeds, rules and reports.
	accessAnalyst
	// accessAdmin routes manage users and tokens and read the audit log.
	accessAdmin
)

func (a access) String() string {
	return [...]string{"open", "read", "analyst", "admin"}[a]
}

// role is the least role that passes a route of this access once logged in.
func (a access) role() store.Role {
	switch a {
	case accessAnalyst:
		return store.RoleAnalyst
	case accessAdmin:
		return store.RoleAdmin
	}
	return store.RoleViewer
}

// routeTable lists every route the server answers, with what it needs.
// The router takes each route's rights from here and refuses to start
// with a route that is missing (or an entry no route uses), so that a new
// endpoint cannot be added without deciding who may call it; the role
// matrix test walks the same table.
var routeTable = map[string]access{
	// Reading: viewers, or anyone with --public.
	"GET /{$}":                  accessRead,
	"GET /incident/{id}":        accessRead,
	"GET /facts/{id}":           accessRead,
	"GET /api/incidents":        accessRead,
	"GET /api/incidents/{id}":   accessRead,
	"GET /api/aggregates":       accessRead,
	"GET /api/analyze/{kind}":   accessRead,
	"GET /api/alerts":           accessRead,
	"GET /alerts":               accessRead,
	"GET /api/forecast":         accessRead,
	"GET /api/export.csv":       accessRead,
	"GET /api/export.geojson":   accessRead,
	"GET /api/openapi.json":     accessRead,
	"GET /metrics":              accessRead,
	"GET /api/me":               accessRead,
	"GET /assets/":              accessOpen, // every embedded asset
	"GET /forms/":               accessOpen, // the forms' own script and style
	"GET /favicon.ico":          accessOpen,
	"GET /healthz":              accessOpen,
	"GET /readyz":               accessOpen,
	"GET /login":                accessOpen,
	"POST /login":               accessOpen,
	"POST /logout":              accessOpen,
	"GET /report":               accessOpen,
	"POST /report":              accessOpen,
	"GET /api/report/challenge": accessOpen,
	// Analysts: corrections, moderation, feeds, alert rules.
	"POST /api/incidents/{id}/merge":    accessAnalyst,
	"POST /api/incidents/{id}/split":    accessAnalyst,
	"POST /api/incidents/{id}/set":      accessAnalyst,
	"GET /api/reports":                  accessAnalyst,
	"GET /api/reports/{id}":             accessAnalyst,
	"POST /api/reports/{id}/{decision}": accessAnalyst,
	"GET /moderation":                   accessAnalyst,
	"POST /moderation/{id}":             accessAnalyst,
	"GET /api/feeds":                    accessAnalyst,
	"POST /api/feeds":                   accessAnalyst,
	"DELETE /api/feeds/{name}":          accessAnalyst,
	"GET /api/alert-rules":              accessAnalyst,
	"POST /api/alert-rules":             accessAnalyst,
	"POST /api/alert-rules/{id}":        accessAnalyst,
	"DELETE /api/alert-rules/{id}":      accessAnalyst,
	// Admins: users, tokens, the audit log.
	"GET /api/users":           accessAdmin,
	"POST /api/users":          accessAdmin,
	"POST /api/users/{name}":   accessAdmin,
	"GET /api/tokens":          accessAdmin,
	"POST /api/tokens":         accessAdmin,
	"DELETE /api/tokens/{id}":  accessAdmin,
	"GET /api/audit":           accessAdmin,
	"GET /admin":               accessAdmin,
	"POST /admin/users":        accessAdmin,
	"POST /admin/users/{name}": accessAdmin,
	"POST /admin/tokens":       accessAdmin,
	"POST /admin/tokens/{id}":  accessAdmin,
}

// tableKey is the routeTable entry of a pattern: embedded files share
// one entry per directory.
func tableKey(pattern string) string {
	for _, dir := range []string{"/assets/", "/forms/"} {
		if m, p, ok := strings.Cut(pattern, " "); ok && strings.HasPrefix(p, dir) {
			return m + " " + dir
		}
	}
	return pattern
}

// principal is who is asking: nobody, a user by session, or a token.
type principal struct {
	// Actor names them in the audit log: "user:NAME", "token:ID", or ""
	// for nobody.
	Actor string
	Role  store.Role
	User  *store.User    // by session
	Sess  *store.Session // by session
	Token *store.APIToken
}

func (p *principal) loggedIn() bool { return p != nil && p.Actor != "" }

type principalKey struct{}

// who returns the principal the guard found for r.
func who(r *http.Request) *principal {
	if p, ok := r.Context().Value(principalKey{}).(*principal); ok {
		return p
	}
	return &principal{}
}

// sessionCookie is the name of the session cookie; formCookie the one
// that binds an anonymous form (login, report) to its browser.
const (
	sessionCookie = "vigil_session"
	formCookie    = "vigil_form"
)

// errBadToken is a bearer token that is malformed, unknown or revoked.
var errBadToken = errors.New("invalid or revoked API token")

// identify finds who sends r: a bearer token first (a bad one is an
// error: a client that sends one must learn it does not work), else the
// session cookie (an unknown or expired one is nobody).
func (s *Server) identify(r *http.Request) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !looksLikeToken(tok) || s.team == nil {
			return nil, errBadToken
		}
		t, err := s.team.TokenByHash(r.Context(), hashToken(tok), s.now())
		if errors.Is(err, store.ErrNotFound) {
			return nil, errBadToken
		}
		if err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
		return &principal{Actor: audit.TokenActor(t.ID), Role: t.Role, Token: &t}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || s.team == nil {
		return &principal{}, nil
	}
	sess, u, err := s.team.Session(r.Context(), hashSessionID(c.Value), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return &principal{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return &principal{Actor: audit.UserActor(u.Name), Role: u.Role, User: &u, Sess: &sess}, nil
}

// safeMethod reports whether a request changes nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// guard wraps a route's handler with its rights, from routeTable: it
// identifies the caller, refuses cross-site and CSRF-less changes made
// with a cookie, and answers 401 (or a redirect to the login page, for a
// page) to nobody and 403 to a role too low.
func (s *Server) guard(pattern string, h http.Handler) http.Handler {
	need, ok := routeTable[tableKey(pattern)]
	if !ok {
		s.routeErrs = append(s.routeErrs, fmt.Sprintf("route %s is not in routeTable", pattern))
		need = accessAdmin // never reached: New fails
	}
	s.registered[tableKey(pattern)] = true
	isAPI := strings.Contains(pattern, " /api/") || strings.HasSuffix(pattern, " /metrics")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.identify(r)
		if errors.Is(err, errBadToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Text no store can hold (NUL, broken UTF-8) is refused here,
		// once for every route, rather than failing deep in a query.
		if err := checkText(r); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: at most %d bytes", mbe.Limit))
				return
			}
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if !safeMethod(r.Method) {
			// A browser says where a request comes from: a change asked
			// by another site's page is refused whatever it carries.
			if p.Token == nil && crossSite(r) {
				writeError(w, http.StatusForbidden, "cross-site request refused")
				return
			}
			// The login form is checked by its own token, bound to the
			// browser's form cookie: whoever the browser was, a login
			// starts afresh.
			if p.Sess != nil && pattern != "POST /login" && !s.csrfOK(r, p.Sess) {
				writeError(w, http.StatusForbidden, "missing or wrong CSRF token: reload the page and try again")
				return
			}
		}
		switch {
		case need == accessOpen, need == accessRead && s.cfg.Public:
		case !p.loggedIn():
			if !isAPI && safeMethod(r.Method) {
				to := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
				if q := langQuery(r); q != "" {
					to += "&" + q // the login page in the language asked for
				}
				http.Redirect(w, r, to, http.StatusSeeOther)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
			writeError(w, http.StatusUnauthorized, "log in or send an API token (Authorization: Bearer vgl_…)")
			return
		case !p.Role.Allows(need.role()):
			writeError(w, http.StatusForbidden, fmt.Sprintf("this needs the %s role", need.role()))
			return
		}
		if p.loggedIn() {
			// What a logged-in user sees may not be kept by a shared cache.
			w.Header().Set("Cache-Control", "private, no-cache")
		}
		start := time.Now()
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		// One line per request at debug level: who asked what. Never the
		// query (a careless client may put a secret there), never a
		// header or a cookie.
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			status := 0
			if sw, ok := w.(*statusWriter); ok {
				status = sw.status
			}
			s.log.Debug("request", "method", r.Method, "route", pattern, "path", r.URL.Path, "actor", p.Actor,
				"status", status, "took", time.Since(start).Round(time.Microsecond))
		}
	})
}

// checkText refuses a path, query or form holding a NUL byte or text
// that is not UTF-8, and a form that cannot be read.
func checkText(r *http.Request) error {
	if !goodText(r.URL.Path) {
		return errors.New("the path holds a NUL byte or invalid UTF-8")
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errors.New("malformed query or form")
	}
	for k, vs := range r.Form {
		if !goodText(k) {
			return errors.New("a parameter name holds a NUL byte or invalid UTF-8")
		}
		for _, v := range vs {
			if !goodText(v) {
				return fmt.Errorf("parameter %.40q holds a NUL byte or invalid UTF-8", k)
			}
		}
	}
	return nil
}

func goodText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// crossSite reports whether a browser says the request comes from
// another site's page: Sec-Fetch-Site, else an Origin that is not ours.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	case "same-origin", "none":
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return false // not a browser, or one too old to say: CSRF tokens still hold
	}
	u, err := url.Parse(o)
	return err != nil || u.Host != r.Host
}

// csrfOK checks the CSRF token of a change made with a session cookie:
// the form field "csrf" or the header X-CSRF-Token must be the session's.
func (s *Server) csrfOK(r *http.Request, sess *store.Session) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		if err := r.ParseForm(); err != nil {
			return false
		}
		got = r.PostForm.Get("csrf")
	}
	return csrfEqual(got, sess.CSRF)
}

// formToken binds an anonymous form (login, report) to the browser that
// loaded it: an HMAC of the purpose, the browser's form cookie and an
// expiry, so that another site cannot post it for the browser (login
// CSRF) and an old page's token runs out.
func (s *Server) formToken(purpose, cookie string, exp time.Time) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "form\x00%s\x00%s\x00%d", purpose, cookie, exp.Unix())
	return strconv.FormatInt(exp.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkFormToken verifies a token formToken made for this browser.
func (s *Server) checkFormToken(r *http.Request, purpose, tok string) bool {
	c, err := r.Cookie(formCookie)
	if err != nil || c.Value == "" {
		return false
	}
	ts, _, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	exp := time.Unix(sec, 0)
	if s.now().After(exp) {
		return false
	}
	return hmac.Equal([]byte(tok), []byte(s.formToken(purpose, c.Value, exp)))
}

// anonForm returns the form cookie of the browser, setting a new one
// when it has none.
func (s *Server) anonForm(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(formCookie); err == nil && len(c.Value) >= 16 && len(c.Value) <= 64 {
		return c.Value
	}
	v := randomString(18)
	http.SetCookie(w, &http.Cookie{Name: formCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: int(formTTL / time.Second)})
	return v
}

// formTTL is how long a page's form stays valid.
const formTTL = 2 * time.Hour

// csrfFor is the token a page's forms carry: the session's when logged
// in, else one bound to the browser's form cookie.
func (s *Server) csrfFor(w http.ResponseWriter, r *http.Request, purpose string) string {
	if p := who(r); p.Sess != nil && purpose != "login" {
		return p.Sess.CSRF
	}
	return s.formToken(purpose, s.anonForm(w, r), s.now().Add(formTTL).Truncate(time.Second))
}

// checkForm verifies a posted form's token: the session's CSRF token was
// checked by the guard already; nobody's must be bound to this browser.
func (s *Server) checkForm(r *http.Request, purpose string) bool {
	if who(r).Sess != nil && purpose != "login" {
		return true
	}
	return s.checkFormToken(r, purpose, r.PostForm.Get("csrf"))
}

// audit appends an entry to the audit log through the helper the CLI
// uses too. A failure to record is an error of the request: a change
// that cannot be recorded is reported as failed to the one who made it.
func (s *Server) audit(ctx context.Context, actor, action, target string, details any) error {
	if s.team == nil {
		return nil
	}
	if actor == "" {
		actor = audit.Public
	}
	return audit.Record(ctx, s.team, s.now(), actor, action, target, details)
}
