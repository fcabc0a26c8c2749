package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/auth"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// Both backends serve teams and edits.
var (
	_ TeamStore = (*sqlite.Store)(nil)
	_ TeamStore = (*postgres.Store)(nil)
	_ EditStore = (*sqlite.Store)(nil)
	_ EditStore = (*postgres.Store)(nil)
)

// logSink receives the log of every server the team tests start, and
// secrets every password, token, session id and CSRF token they make:
// TestMain fails the run if any secret is in the log.
var (
	logSink   syncBuffer
	secretsMu sync.Mutex
	secrets   []string
)

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func secret(s string) string {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	secrets = append(secrets, s)
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	log := logSink.String()
	secretsMu.Lock()
	leaked := 0
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			fmt.Fprintf(os.Stderr, "FAIL: a secret (%.6s…) is in the server log\n", s)
			leaked++
		}
	}
	if code == 0 && os.Getenv("VIGIL_TEST_VERBOSE_SECRETS") != "" {
		fmt.Fprintf(os.Stderr, "checked %d secrets against %d bytes of server log\n", len(secrets), len(log))
	}
	secretsMu.Unlock()
	if leaked > 0 && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// team is a test server with accounts.
type team struct {
	t     *testing.T
	st    testStore
	ts    TeamStore
	s     *Server
	srv   *httptest.Server
	clock *clock
}

// cheap are argon2id parameters fast enough for tests; the server checks
// whatever parameters a stored hash names.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newTeam(t *testing.T, st testStore, cfg Config) *team {
	t.Helper()
	ts, ok := st.(TeamStore)
	if !ok {
		t.Fatalf("store %T has no team methods", st)
	}
	c := &clock{t: time.Date(2024, 1, 6, 9, 0, 0, 0, time.UTC)}
	cfg.Version = "test"
	cfg.Now = c.now
	if cfg.PowBits == 0 {
		cfg.PowBits = 8
	}
	cfg.Log = slog.New(slog.NewTextHandler(&logSink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &team{t: t, st: st, ts: ts, s: s, srv: srv, clock: c}
}

// user makes an account with a (cheaply hashed) password.
func (tm *team) user(name string, role store.Role, pw string) store.User {
	tm.t.Helper()
	h, err := auth.HashPasswordParams(pw, cheap)
	if err != nil {
		tm.t.Fatal(err)
	}
	secret(pw)
	u, err := tm.ts.CreateUser(context.Background(), store.NewUser{Name: name, Role: role, PasswordHash: h, Created: tm.clock.now()})
	if err != nil {
		tm.t.Fatal(err)
	}
	return u
}

// cred is how a request proves who sends it.
type cred struct {
	name    string
	role    store.Role // "" for nobody
	cookie  string     // session id
	csrf    string
	token   string
	revoked bool // a revoked token: refused whatever the route
}

// session opens a session for u as a login would.
func (tm *team) session(u store.User) cred {
	tm.t.Helper()
	id, hash := auth.NewSessionID()
	csrf := auth.NewCSRF()
	secret(id)
	secret(csrf)
	now := tm.clock.now()
	if err := tm.ts.CreateSession(context.Background(), store.Session{IDHash: hash, UserID: u.ID, Created: now, Expires: now.Add(time.Hour), CSRF: csrf}); err != nil {
		tm.t.Fatal(err)
	}
	return cred{name: string(u.Role) + " by session", role: u.Role, cookie: id, csrf: csrf}
}

// token makes an API token of role.
func (tm *team) token(role store.Role) cred {
	tm.t.Helper()
	tok, hash := auth.NewToken()
	secret(tok)
	t, err := tm.ts.CreateToken(context.Background(), store.NewToken{Name: "t-" + string(role), Role: role, Hash: hash, Creator: "test", Created: tm.clock.now()})
	if err != nil {
		tm.t.Fatal(err)
	}
	return cred{name: string(role) + " by token", role: role, token: tok, csrf: fmt.Sprint(t.ID)}
}

// reply is an answer with its body.
type reply struct {
	status int
	header http.Header
	body   string
}

// req sends a request as c. Bodies starting with "{" go as JSON, others
// as a form; a session sends its CSRF token in the header unless
// headers say otherwise.
func (tm *team) req(c cred, method, path, body string, headers ...string) reply {
	tm.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, tm.srv.URL+path, rd)
	if err != nil {
		tm.t.Fatal(err)
	}
	if body != "" {
		if strings.HasPrefix(body, "{") {
			r.Header.Set("Content-Type", "application/json")
		} else {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if c.cookie != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie})
		if !safeMethod(method) {
			r.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(r)
	if err != nil {
		tm.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// sample makes a concrete request of a route pattern: path values that
// name nothing that exists for the changes (so that the matrix changes
// nothing), a real incident for reads, an empty body for changes.
func sample(pattern, incident string) (method, path, body string) {
	method, path, _ = strings.Cut(pattern, " ")
	switch path {
	case "/assets/":
		path = "/assets/app.css"
	case "/forms/":
		path = "/forms/forms.css"
	case "/{$}":
		path = "/"
	}
	repl := map[string]string{"{kind}": "tempo", "{decision}": "reject", "{name}": "nobody-here"}
	if strings.Contains(path, "/incident") || strings.HasPrefix(path, "/facts/") {
		repl["{id}"] = incident
	} else {
		repl["{id}"] = "999999"
	}
	for k, v := range repl {
		path = strings.ReplaceAll(path, k, v)
	}
	if !safeMethod(method) {
		if strings.HasPrefix(path, "/api/") {
			body = "{}"
		} else {
			body = "x=1"
		}
	}
	return method, path, body
}

// denial says whether an answer is the guard's refusal, and which.
func denial(rp reply) string {
	switch {
	case rp.status == http.StatusUnauthorized && strings.Contains(rp.body, "log in or send"):
		return "login"
	case rp.status == http.StatusUnauthorized && strings.Contains(rp.body, "invalid or revoked"):
		return "bad token"
	case rp.status == http.StatusSeeOther && strings.HasPrefix(rp.header.Get("Location"), "/login?next="):
		return "login page"
	case rp.status == http.StatusForbidden && strings.Contains(rp.body, "needs the"):
		return "role"
	}
	return ""
}

// wantAccess is who each route should let through, written apart from
// routeTable so that a change to the router's table that widens a
// route fails here until this one agrees.
var wantAccess = map[string]access{
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

// TestRoleMatrix tries every route of routeTable as nobody, as each role
// by session and by token, with a revoked token and as a disabled user,
// in both modes, on both stores, and checks that the guard lets through
// exactly who the table says.
func TestRoleMatrix(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			inc := demoIncidents(t, st)[0].ID
			for _, public := range []bool{false, true} {
				tm := newTeam(t, st, Config{Public: public})
				suffix := fmt.Sprintf("-%v", public)
				var creds []cred
				creds = append(creds, cred{name: "nobody"})
				for _, role := range []store.Role{store.RoleViewer, store.RoleAnalyst, store.RoleAdmin} {
					u := tm.user(string(role)+suffix, role, "password of "+string(role)+suffix)
					creds = append(creds, tm.session(u), tm.token(role))
				}
				rv := tm.token(store.RoleAdmin)
				id := mustAtoi(t, rv.csrf)
				if err := tm.ts.RevokeToken(context.Background(), id, tm.clock.now()); err != nil {
					t.Fatal(err)
				}
				creds = append(creds, cred{name: "revoked admin token", token: rv.token, revoked: true})
				du := tm.user("disabled"+suffix, store.RoleAdmin, "password of the disabled one")
				dc := tm.session(du)
				disabled := true
				if _, err := tm.ts.UpdateUser(context.Background(), du.Name, store.UserUpdate{Disabled: &disabled}); err != nil {
					t.Fatal(err)
				}
				// The store ends a disabled user's sessions; one made
				// after is refused all the same.
				dc2 := tm.session(du)
				creds = append(creds, cred{name: "disabled admin's session", cookie: dc.cookie, csrf: dc.csrf},
					cred{name: "disabled admin's later session", cookie: dc2.cookie, csrf: dc2.csrf})

				patterns := make([]string, 0, len(routeTable))
				for p := range routeTable {
					patterns = append(patterns, p)
					if _, ok := wantAccess[p]; !ok {
						t.Errorf("route %s: not in the test's wantAccess: say who may call it", p)
					}
				}
				for p := range wantAccess {
					if _, ok := routeTable[p]; !ok {
						t.Errorf("wantAccess names %s, which routeTable does not", p)
					}
				}
				sort.Strings(patterns)
				for _, p := range patterns {
					need := wantAccess[p]
					method, path, body := sample(p, inc)
					for _, c := range creds {
						// A fresh session per request: logout ends the one it is sent with.
						if c.cookie != "" && c.role != "" {
							c = tm.session(tm.mustUser(string(c.role) + suffix))
						}
						rp := tm.req(c, method, path, body)
						got := denial(rp)
						allowed := need == accessOpen || (need == accessRead && public) || (c.role != "" && c.role.Allows(need.role()))
						switch {
						case c.revoked:
							if got != "bad token" {
								t.Errorf("public=%v %s %s as %s: got %d %q (%s), want 401 for a revoked token", public, method, path, c.name, rp.status, clip(rp.body), got)
							}
						case allowed && got != "":
							t.Errorf("public=%v %s %s as %s: got %d %q, want it let through (%s route)", public, method, path, c.name, rp.status, clip(rp.body), need)
						case allowed && rp.status >= 500 && !(p == "GET /readyz" && rp.status == http.StatusServiceUnavailable):
							// (readyz answers 503 while the snapshot builds: by design)
							t.Errorf("public=%v %s %s as %s: got %d %q", public, method, path, c.name, rp.status, clip(rp.body))
						case !allowed && c.role == "" && got != "login" && got != "login page":
							t.Errorf("public=%v %s %s as %s: got %d %q, want 401 or the login page (%s route)", public, method, path, c.name, rp.status, clip(rp.body), need)
						case !allowed && c.role != "" && got != "role":
							t.Errorf("public=%v %s %s as %s: got %d %q, want 403 (%s route)", public, method, path, c.name, rp.status, clip(rp.body), need)
						}
					}
				}
			}
		})
	}
}

func (tm *team) mustUser(name string) store.User {
	tm.t.Helper()
	u, err := tm.ts.User(context.Background(), name)
	if err != nil {
		tm.t.Fatal(err)
	}
	return u
}

func mustAtoi(t *testing.T, s string) int64 {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestRouteTableComplete checks that the router refuses a route the
// table does not list: a new endpoint cannot be served without a rule.
func TestRouteTableComplete(t *testing.T) {
	st := backends(t)["sqlite"](t)
	s, err := New(st, Config{Public: true})
	if err != nil {
		t.Fatal(err)
	}
	s.handle("GET /api/unlisted", func(http.ResponseWriter, *http.Request) {})
	if err := s.checkRoutes(); err == nil || !strings.Contains(err.Error(), "GET /api/unlisted") {
		t.Errorf("an unlisted route: got %v, want an error naming it", err)
	}
	delete(s.registered, "GET /api/audit")
	s.routeErrs = nil
	if err := s.checkRoutes(); err == nil || !strings.Contains(err.Error(), "GET /api/audit") {
		t.Errorf("a listed route not served: got %v, want an error naming it", err)
	}
}

// form encodes form fields.
func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}
