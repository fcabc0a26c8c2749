package server

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// formsFS holds the forms' own script and style, apart from assets/
// (which web/build.sh rebuilds from scratch).
//
//go:embed forms
var formsFS embed.FS

// EditStore is what the server needs of a store to change it: analysts'
// corrections (fuse.Store), approved reports (stored and fused as any
// import), feeds and alert rules. Both backends have these methods.
type EditStore interface {
	fuse.Store
	EnsureSource(ctx context.Context, src model.Source) error
	ImportBatch(ctx context.Context, recs []model.Record, at time.Time) (store.BatchCounts, error)
	RetiredIncident(ctx context.Context, id string) (fuse.Retired, error)
	Feeds(ctx context.Context, dueBy time.Time) ([]store.Feed, error)
	AddFeed(ctx context.Context, f store.Feed) error
	RemoveFeed(ctx context.Context, name string) error
	AlertRules(ctx context.Context) ([]store.AlertRule, error)
	AddAlertRule(ctx context.Context, r store.AlertRule) (int64, error)
	UpdateAlertRule(ctx context.Context, r store.AlertRule) error
	DeleteAlertRule(ctx context.Context, id int64) error
}

// DefaultPowBits is the report form's proof of work: a browser finds a
// SHA-256 with 17 leading zero bits in about 130,000 tries (well under a
// second to a few seconds on a phone); a spammer pays that per report.
const DefaultPowBits = 17

// Report form limits: per client address, so many reports per window.
const (
	reportsPerWindow = 5
	reportWindow     = 10 * time.Minute
)

// initTeam sets up what accounts, forms and the report queue need.
func (s *Server) initTeam() error {
	s.team, _ = s.st.(TeamStore)
	s.edit, _ = s.st.(EditStore)
	if s.team == nil && !s.cfg.Public {
		return errors.New("the store has no accounts: serve it --public")
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	if s.cfg.PowBits == 0 {
		s.cfg.PowBits = DefaultPowBits
	}
	if s.cfg.PowBits < 1 || s.cfg.PowBits > 28 {
		return fmt.Errorf("proof of work of %d bits: want 1 to 28", s.cfg.PowBits)
	}
	if s.cfg.SessionTTL == 0 {
		s.cfg.SessionTTL = 12 * time.Hour
	}
	s.key = make([]byte, 32)
	rand.Read(s.key)
	s.registered = map[string]bool{}
	// Five free tries, then 1 s, 2 s, 4 s … up to 15 min between tries.
	s.logins = newThrottle(5, time.Second, 15*time.Minute, 15*time.Minute)
	s.reports = newLimiter(reportsPerWindow, reportWindow)
	s.pow = newPowState()
	return nil
}

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// handle registers a route (METHOD /path) behind its guard.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.guard(pattern, h))
}

// checkRoutes fails when a route is missing from routeTable or the
// table names a route that is not served.
func (s *Server) checkRoutes() error {
	errs := append([]string{}, s.routeErrs...)
	for k := range routeTable {
		if !s.registered[k] {
			errs = append(errs, fmt.Sprintf("routeTable names %s, which no handler serves", k))
		}
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// teamRoutes registers the login, the report form, moderation, the
// editing API and the admin pages.
func (s *Server) teamRoutes() error {
	err := fs.WalkDir(formsFS, "forms", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if path.Ext(p) == ".js" {
			ctype = "text/javascript; charset=utf-8"
		}
		f, err := loadStatic(formsFS, p, ctype)
		if err != nil {
			return err
		}
		s.handle("GET /"+p, f.ServeHTTP)
		return nil
	})
	if err != nil {
		return fmt.Errorf("forms: %w", err)
	}
	s.handle("GET /login", s.loginPage)
	s.handle("POST /login", s.login)
	s.handle("POST /logout", s.logout)
	s.handle("GET /api/me", s.me)

	s.handle("GET /report", s.reportPage)
	s.handle("POST /report", s.submitReport)
	s.handle("GET /api/report/challenge", s.challenge)

	s.handle("GET /api/reports", s.jsonHandler(s.listReports))
	s.handle("GET /api/reports/{id}", s.jsonHandler(s.getReport))
	s.handle("POST /api/reports/{id}/{decision}", s.jsonHandler(s.moderateAPI))
	s.handle("GET /moderation", s.moderationPage)
	s.handle("POST /moderation/{id}", s.moderateForm)

	s.handle("POST /api/incidents/{id}/merge", s.jsonHandler(s.mergeIncidents))
	s.handle("POST /api/incidents/{id}/split", s.jsonHandler(s.splitIncident))
	s.handle("POST /api/incidents/{id}/set", s.jsonHandler(s.setIncident))
	s.handle("GET /api/feeds", s.jsonHandler(s.listFeeds))
	s.handle("POST /api/feeds", s.jsonHandler(s.addFeed))
	s.handle("DELETE /api/feeds/{name}", s.jsonHandler(s.removeFeed))
	s.handle("GET /api/alert-rules", s.jsonHandler(s.listRules))
	s.handle("POST /api/alert-rules", s.jsonHandler(s.addRule))
	s.handle("POST /api/alert-rules/{id}", s.jsonHandler(s.editRule))
	s.handle("DELETE /api/alert-rules/{id}", s.jsonHandler(s.removeRule))

	s.handle("GET /api/users", s.jsonHandler(s.listUsers))
	s.handle("POST /api/users", s.jsonHandler(s.addUserAPI))
	s.handle("POST /api/users/{name}", s.jsonHandler(s.updateUserAPI))
	s.handle("GET /api/tokens", s.jsonHandler(s.listTokens))
	s.handle("POST /api/tokens", s.jsonHandler(s.addTokenAPI))
	s.handle("DELETE /api/tokens/{id}", s.jsonHandler(s.revokeTokenAPI))
	s.handle("GET /api/audit", s.jsonHandler(s.listAudit))
	s.handle("GET /admin", s.adminPage)
	s.handle("POST /admin/users", s.adminAddUser)
	s.handle("POST /admin/users/{name}", s.adminUpdateUser)
	s.handle("POST /admin/tokens", s.adminAddToken)
	s.handle("POST /admin/tokens/{id}", s.adminRevokeToken)
	return nil
}

// jsonHandler answers a request of the team API with JSON, never cached:
// what it shows depends on who asks and changes with every write.
func (s *Server) jsonHandler(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.team == nil || s.edit == nil {
			writeError(w, http.StatusNotImplemented, "this store cannot do that")
			return
		}
		v, err := h(r)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: at most %d bytes", mbe.Limit))
				return
			}
			s.fail(w, r, err)
			return
		}
		p, err := jsonPage(v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", p.ctype)
		w.Header().Set("Cache-Control", "no-store")
		status := http.StatusOK
		if r.Method == http.MethodPost && strings.HasPrefix(r.Pattern, "POST /api/") && created(r.Pattern) {
			status = http.StatusCreated
		}
		w.WriteHeader(status)
		w.Write(p.body)
	}
}

// created reports whether a POST route makes something new.
func created(pattern string) bool {
	switch pattern {
	case "POST /api/feeds", "POST /api/alert-rules", "POST /api/users", "POST /api/tokens":
		return true
	}
	return false
}
