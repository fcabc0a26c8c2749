package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/auth"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/store"
)

// The editing API: analysts' corrections of incidents, feeds and alert
// rules (what `vigil incident merge|split|set`, `vigil feeds` and `vigil
// alerts rules` do), and admins' users, tokens and audit log. Each change
// is recorded in the audit log with who made it.

// correction is the body of a merge, split or set.
type correction struct {
	IDs    []string `json:"ids"`    // merge: the incidents merged into the one in the path
	Claims []string `json:"claims"` // split: the claims moved to a new incident
	Field  string   `json:"field"`  // set
	Value  string   `json:"value"`  // set
	Reason string   `json:"reason"`
}

// correctionAnswer is an incident after a correction.
type correctionAnswer struct {
	Incident string `json:"incident"`
	// New is the incident a split made.
	New string `json:"new,omitempty"`
}

func (s *Server) readCorrection(r *http.Request) (correction, fuse.Correction, error) {
	var b correction
	if err := readJSON(r, &b); err != nil {
		return b, fuse.Correction{}, err
	}
	if strings.TrimSpace(b.Reason) == "" {
		return b, fuse.Correction{}, badRequest("reason: required: every correction says why")
	}
	if len(b.Reason) > 2000 {
		return b, fuse.Correction{}, badRequest("reason: at most 2000 bytes")
	}
	return b, fuse.Correction{Author: who(r).Actor, Reason: b.Reason, At: s.now()}, nil
}

func (s *Server) mergeIncidents(r *http.Request) (any, error) {
	b, c, err := s.readCorrection(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if len(b.IDs) == 0 {
		return nil, badRequest("ids: the incidents to merge into %s are required", id)
	}
	if err := fuse.Merge(r.Context(), s.edit, append([]string{id}, b.IDs...), c); err != nil {
		return nil, teamErr(err, "merge into "+id)
	}
	if err := s.audit(r.Context(), c.Author, audit.IncidentMerge, id, map[string]any{"merged": b.IDs, "reason": b.Reason}); err != nil {
		return nil, err
	}
	return correctionAnswer{Incident: id}, nil
}

func (s *Server) splitIncident(r *http.Request) (any, error) {
	b, c, err := s.readCorrection(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if len(b.Claims) == 0 {
		return nil, badRequest("claims: the claims to move out of %s are required", id)
	}
	newID, err := fuse.Split(r.Context(), s.edit, id, b.Claims, c)
	if err != nil {
		return nil, teamErr(err, "split "+id)
	}
	if err := s.audit(r.Context(), c.Author, audit.IncidentSplit, id, map[string]any{"claims": b.Claims, "new": newID, "reason": b.Reason}); err != nil {
		return nil, err
	}
	return correctionAnswer{Incident: id, New: newID}, nil
}

func (s *Server) setIncident(r *http.Request) (any, error) {
	b, c, err := s.readCorrection(r)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if !slices.Contains(fuse.SettableFields, b.Field) {
		return nil, badRequest("field %q: want one of %s", b.Field, strings.Join(fuse.SettableFields, ", "))
	}
	if err := fuse.Set(r.Context(), s.edit, id, b.Field, b.Value, c); err != nil {
		return nil, teamErr(err, "set "+b.Field+" of "+id)
	}
	if err := s.audit(r.Context(), c.Author, audit.IncidentSet, id, map[string]any{"field": b.Field, "value": b.Value, "reason": b.Reason}); err != nil {
		return nil, err
	}
	return correctionAnswer{Incident: id}, nil
}

func (s *Server) listFeeds(r *http.Request) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	fs, err := s.edit.Feeds(r.Context(), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	if fs == nil {
		fs = []store.Feed{}
	}
	return map[string]any{"feeds": fs}, nil
}

// feedBody is a feed to follow, as `vigil feeds add` takes it.
type feedBody struct {
	URL          string `json:"url"`
	Name         string `json:"name"`
	Every        string `json:"every"`
	AllowPrivate bool   `json:"allow_private"`
}

func (s *Server) addFeed(r *http.Request) (any, error) {
	var b feedBody
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	p := who(r)
	u, err := url.Parse(b.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, badRequest("url %q: not an http or https URL", b.URL)
	}
	every := 15 * time.Minute
	if b.Every != "" {
		if every, err = time.ParseDuration(b.Every); err != nil || every < time.Minute {
			return nil, badRequest("every %q: want a duration of a minute or more (15m, 1h)", b.Every)
		}
	}
	if b.AllowPrivate && !p.Role.Allows(store.RoleAdmin) {
		// A feed on the local network makes the server fetch inside it:
		// only an admin may open that.
		return nil, &apiError{status: http.StatusForbidden, msg: "allow_private needs the admin role"}
	}
	name := b.Name
	if name == "" {
		name = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	}
	if !validName(name) {
		return nil, badRequest("name %q: 1 to 64 letters, digits, dots, dashes or underscores", name)
	}
	now := s.now()
	f := store.Feed{Name: name, URL: u.String(), Interval: every, AllowPrivate: b.AllowPrivate, Added: now, NextPoll: now}
	if err := s.edit.AddFeed(r.Context(), f); err != nil {
		return nil, teamErr(err, "feed "+name)
	}
	if err := s.audit(r.Context(), p.Actor, audit.FeedAdd, name, map[string]any{"url": f.URL, "every": every.String(), "allow_private": b.AllowPrivate}); err != nil {
		return nil, err
	}
	return f, nil
}

func (s *Server) removeFeed(r *http.Request) (any, error) {
	name := r.PathValue("name")
	if err := s.edit.RemoveFeed(r.Context(), name); err != nil {
		return nil, teamErr(err, "feed "+name)
	}
	if err := s.audit(r.Context(), who(r).Actor, audit.FeedRemove, name, nil); err != nil {
		return nil, err
	}
	return map[string]string{"removed": name}, nil
}

func (s *Server) listRules(r *http.Request) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	rules, err := s.edit.AlertRules(r.Context())
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	if rules == nil {
		rules = []store.AlertRule{}
	}
	return map[string]any{"rules": rules}, nil
}

// ruleBody is an alert rule to add or change: its settings as `vigil
// alerts rules add` takes them.
type ruleBody struct {
	Name string      `json:"name"`
	Kind string      `json:"kind"`
	Spec *alert.Spec `json:"spec"`
}

func (s *Server) addRule(r *http.Request) (any, error) {
	b := ruleBody{}
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	if b.Name == "" {
		return nil, badRequest("name: required")
	}
	spec := alert.Spec{Recent: 30}
	if b.Spec != nil {
		spec = *b.Spec
	}
	rule, err := alert.NewRule(b.Name, alert.Kind(b.Kind), spec)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	rule.Created = s.now()
	rule.Checked = rule.Created
	if rule.ID, err = s.edit.AddAlertRule(r.Context(), rule); err != nil {
		return nil, teamErr(err, "rule "+b.Name)
	}
	if err := s.audit(r.Context(), who(r).Actor, audit.RuleAdd, strconv.FormatInt(rule.ID, 10), map[string]any{"name": rule.Name, "kind": rule.Kind, "spec": rule.Spec}); err != nil {
		return nil, err
	}
	return rule, nil
}

func (s *Server) editRule(r *http.Request) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var b ruleBody
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	rules, err := s.edit.AlertRules(r.Context())
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	i := slices.IndexFunc(rules, func(x store.AlertRule) bool { return x.ID == id })
	if i < 0 {
		return nil, teamErr(store.ErrNotFound, fmt.Sprintf("rule %d", id))
	}
	cur := rules[i]
	if b.Kind != "" && b.Kind != cur.Kind {
		return nil, badRequest("kind: a rule's kind cannot change (add a new rule)")
	}
	var spec alert.Spec
	if err := json.Unmarshal(cur.Spec, &spec); err != nil {
		return nil, fmt.Errorf("rule %d: spec: %w", id, err)
	}
	if b.Spec != nil {
		spec = *b.Spec
	}
	name := cur.Name
	if b.Name != "" {
		name = b.Name
	}
	rule, err := alert.NewRule(name, alert.Kind(cur.Kind), spec)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	rule.ID, rule.Created, rule.Checked = id, cur.Created, cur.Checked
	if err := s.edit.UpdateAlertRule(r.Context(), rule); err != nil {
		return nil, teamErr(err, fmt.Sprintf("rule %d", id))
	}
	if err := s.audit(r.Context(), who(r).Actor, audit.RuleEdit, strconv.FormatInt(id, 10), map[string]any{"name": rule.Name, "spec": rule.Spec}); err != nil {
		return nil, err
	}
	return rule, nil
}

func (s *Server) removeRule(r *http.Request) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := s.edit.DeleteAlertRule(r.Context(), id); err != nil {
		return nil, teamErr(err, fmt.Sprintf("rule %d", id))
	}
	if err := s.audit(r.Context(), who(r).Actor, audit.RuleRemove, strconv.FormatInt(id, 10), nil); err != nil {
		return nil, err
	}
	return map[string]int64{"removed": id}, nil
}

// noParams refuses a query on an endpoint that takes none.
func noParams(r *http.Request) error {
	for k := range r.URL.Query() {
		return badRequest("unknown parameter %q", k)
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// validName checks an account, token or feed name.
func validName(s string) bool { return nameRE.MatchString(s) }

func (s *Server) listUsers(r *http.Request) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	us, err := s.team.Users(r.Context())
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	if us == nil {
		us = []store.User{}
	}
	return map[string]any{"users": us}, nil
}

// userBody is an account to add or change.
type userBody struct {
	Name     string  `json:"name"`
	Role     string  `json:"role"`
	Password *string `json:"password"`
	Disabled *bool   `json:"disabled"`
}

// userAnswer is an account, with the password vigil made for it (shown
// once, when it was not given).
type userAnswer struct {
	store.User
	Password string `json:"password,omitempty"`
}

func (s *Server) addUserAPI(r *http.Request) (any, error) {
	var b userBody
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	return s.addUser(r.Context(), who(r), b)
}

func (s *Server) addUser(ctx context.Context, p *principal, b userBody) (userAnswer, error) {
	name, err := auth.CheckName(b.Name)
	if err != nil {
		return userAnswer{}, badRequest("%v", err)
	}
	b.Name = name
	role, err := store.ParseRole(b.Role)
	if err != nil {
		return userAnswer{}, badRequest("%v", err)
	}
	var pw, made string
	if b.Password != nil && *b.Password != "" {
		pw = *b.Password
	} else {
		pw = generatePassword()
		made = pw
	}
	hash, err := hashPassword(pw)
	if err != nil {
		return userAnswer{}, err
	}
	// A name that reads as an existing one would let its holder pass for
	// the other in the audit log and on these pages.
	users, err := s.team.Users(ctx)
	if err != nil {
		return userAnswer{}, fmt.Errorf("add user: %w", err)
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	if other, ok := auth.LookAlike(b.Name, names); ok {
		return userAnswer{}, &apiError{status: http.StatusConflict, msg: fmt.Sprintf("name %q: %v %q", b.Name, auth.ErrLookAlike, other)}
	}
	u, err := s.team.CreateUser(ctx, store.NewUser{Name: b.Name, Role: role, PasswordHash: hash, Created: s.now()})
	if err != nil {
		return userAnswer{}, teamErr(err, "user "+b.Name)
	}
	if err := s.audit(ctx, p.Actor, audit.UserAdd, u.Name, map[string]any{"role": role, "password_generated": made != ""}); err != nil {
		return userAnswer{}, err
	}
	return userAnswer{User: u, Password: made}, nil
}

func (s *Server) updateUserAPI(r *http.Request) (any, error) {
	var b userBody
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	return s.updateUser(r.Context(), who(r), r.PathValue("name"), b)
}

// updateUser changes an account's role, password or state; the store
// ends its sessions when any of them changes.
func (s *Server) updateUser(ctx context.Context, p *principal, name string, b userBody) (userAnswer, error) {
	var up store.UserUpdate
	type change struct {
		action  string
		details any
	}
	var changes []change
	if b.Role != "" {
		role, err := store.ParseRole(b.Role)
		if err != nil {
			return userAnswer{}, badRequest("%v", err)
		}
		up.Role = &role
		changes = append(changes, change{audit.UserRole, map[string]string{"role": string(role)}})
	}
	if b.Disabled != nil {
		up.Disabled = b.Disabled
		changes = append(changes, change{map[bool]string{true: audit.UserDisable, false: audit.UserEnable}[*b.Disabled], nil})
	}
	if b.Password != nil {
		hash, err := hashPassword(*b.Password)
		if err != nil {
			return userAnswer{}, err
		}
		up.PasswordHash = &hash
		changes = append(changes, change{audit.UserPassword, nil})
	}
	if len(changes) == 0 {
		return userAnswer{}, badRequest("nothing to change: give role, disabled or password")
	}
	if p.User != nil && p.User.Name == name && (up.Disabled != nil && *up.Disabled || up.Role != nil && *up.Role != store.RoleAdmin) {
		return userAnswer{}, badRequest("an admin cannot disable or demote their own account (another admin can)")
	}
	u, err := s.team.UpdateUser(ctx, name, up)
	if err != nil {
		return userAnswer{}, teamErr(err, "user "+name)
	}
	for _, e := range changes {
		if err := s.audit(ctx, p.Actor, e.action, name, e.details); err != nil {
			return userAnswer{}, err
		}
	}
	return userAnswer{User: u}, nil
}

func (s *Server) listTokens(r *http.Request) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ts, err := s.team.Tokens(r.Context())
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	if ts == nil {
		ts = []store.APIToken{}
	}
	return map[string]any{"tokens": ts}, nil
}

// tokenBody is a token to make.
type tokenBody struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// tokenAnswer is a new token: the only time it is shown.
type tokenAnswer struct {
	store.APIToken
	Token string `json:"token"`
}

func (s *Server) addTokenAPI(r *http.Request) (any, error) {
	var b tokenBody
	if err := readJSON(r, &b); err != nil {
		return nil, err
	}
	return s.addToken(r.Context(), who(r), b)
}

func (s *Server) addToken(ctx context.Context, p *principal, b tokenBody) (tokenAnswer, error) {
	if !validName(b.Name) {
		return tokenAnswer{}, badRequest("name %q: 1 to 64 letters, digits, dots, dashes or underscores", b.Name)
	}
	role, err := store.ParseRole(b.Role)
	if err != nil {
		return tokenAnswer{}, badRequest("%v", err)
	}
	tok, hash := newToken()
	t, err := s.team.CreateToken(ctx, store.NewToken{Name: b.Name, Role: role, Hash: hash, Creator: p.Actor, Created: s.now()})
	if err != nil {
		return tokenAnswer{}, teamErr(err, "token "+b.Name)
	}
	if err := s.audit(ctx, p.Actor, audit.TokenAdd, strconv.FormatInt(t.ID, 10), map[string]string{"name": t.Name, "role": string(role)}); err != nil {
		return tokenAnswer{}, err
	}
	return tokenAnswer{APIToken: t, Token: tok}, nil
}

func (s *Server) revokeTokenAPI(r *http.Request) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := s.revokeToken(r.Context(), who(r), id); err != nil {
		return nil, err
	}
	return map[string]int64{"revoked": id}, nil
}

func (s *Server) revokeToken(ctx context.Context, p *principal, id int64) error {
	if err := s.team.RevokeToken(ctx, id, s.now()); err != nil {
		return teamErr(err, fmt.Sprintf("token %d", id))
	}
	return s.audit(ctx, p.Actor, audit.TokenRevoke, strconv.FormatInt(id, 10), nil)
}

// auditFilter reads the audit list's filters, as `vigil audit` takes
// them: since, until (RFC 3339 or a date), actor, action (exact, or a
// prefix ending in "."), limit.
func auditFilter(q url.Values) (store.AuditFilter, error) {
	var f store.AuditFilter
	for k, vs := range q {
		switch k {
		case "since", "until", "actor", "action", "limit":
		default:
			return f, badRequest("unknown parameter %q", k)
		}
		if len(vs) > 1 {
			return f, badRequest("parameter %s given %d times", k, len(vs))
		}
	}
	for _, t := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v := q.Get(t.name)
		if v == "" {
			continue
		}
		var err error
		if *t.to, err = time.Parse(time.RFC3339, v); err != nil {
			if *t.to, err = time.Parse(time.DateOnly, v); err != nil {
				return f, badRequest("%s %q: want RFC 3339 (2024-01-03T12:00:00Z) or YYYY-MM-DD", t.name, v)
			}
		}
	}
	f.Actor, f.Action = q.Get("actor"), q.Get("action")
	if len(f.Actor) > 200 || len(f.Action) > 200 {
		return f, badRequest("actor and action: at most 200 bytes")
	}
	f.Limit = 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			return f, badRequest("limit %q: want 1 to 100000", v)
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) listAudit(r *http.Request) (any, error) {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := []store.AuditEntry{}
	if err := s.team.Audit(r.Context(), f, func(e store.AuditEntry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return map[string]any{"entries": out}, nil
}
