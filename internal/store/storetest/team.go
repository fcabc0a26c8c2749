package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// TeamBackend is what the team contract tests need: the methods every
// backend implements for accounts, sessions, tokens, the audit log and
// public reports (store/team.go).
type TeamBackend interface {
	Close() error
	CreateUser(ctx context.Context, u store.NewUser) (store.User, error)
	User(ctx context.Context, name string) (store.User, error)
	UserByID(ctx context.Context, id int64) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	UpdateUser(ctx context.Context, name string, up store.UserUpdate) (store.User, error)
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

// Raw gives the team tests a way behind vigil's back: Exec runs one SQL
// statement on the backend's database directly, and DropGuards are the
// statements (in the backend's dialect) that drop the audit log's
// append-only triggers, as someone with the database's file or password
// could.
type Raw struct {
	Exec       func(ctx context.Context, b TeamBackend, query string) error
	DropGuards []string
	// Count runs a SELECT count(*) … and returns the count.
	Count func(ctx context.Context, b TeamBackend, query string) (int, error)
}

// RunTeam runs the team contract suite. open must return a fresh, empty
// backend for each call and close it when the test ends.
func RunTeam(t *testing.T, open func(t *testing.T) TeamBackend, raw Raw) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b TeamBackend)
	}{
		{"Users", testUsers},
		{"UpdateEndsSessions", testUpdateEndsSessions},
		{"Sessions", testSessions},
		{"ExpiredSessionsPruned", func(t *testing.T, b TeamBackend) { testSessionsPruned(t, b, raw) }},
		{"Tokens", testTokens},
		{"AuditChain", testAuditChain},
		{"AuditFilter", testAuditFilter},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditAppendOnly", func(t *testing.T, b TeamBackend) { testAuditAppendOnly(t, b, raw) }},
		{"PublicReports", testPublicReports},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// hashOf is a well-formed stand-in for a token's SHA-256 hex.
func hexOf(c byte) string { return strings.Repeat(string(c), 64) }

func mustUser(t *testing.T, b TeamBackend, name string, role store.Role) store.User {
	t.Helper()
	u, err := b.CreateUser(t.Context(), store.NewUser{Name: name, Role: role, PasswordHash: "$argon2id$stand-in-" + name, Created: at1})
	if err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	return u
}

func testUsers(t *testing.T, b TeamBackend) {
	ctx := t.Context()
	zed := mustUser(t, b, "zed", store.RoleViewer)
	ana := mustUser(t, b, "ana", store.RoleAdmin)
	if zed.ID == 0 || ana.ID == zed.ID || zed.Name != "zed" || zed.Role != store.RoleViewer || !zed.Created.Equal(at1) || zed.Disabled {
		t.Errorf("CreateUser got %+v and %+v; want distinct ids, the name, role and time given", zed, ana)
	}
	if _, err := b.CreateUser(ctx, store.NewUser{Name: "zed", Role: store.RoleAdmin, Created: at2}); !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateUser with a taken name got %v, want ErrExists", err)
	}
	for _, bad := range []store.NewUser{
		{Name: "", Role: store.RoleViewer, Created: at1},
		{Name: "with space", Role: store.RoleViewer, Created: at1},
		{Name: "x'; DROP TABLE users; --", Role: store.RoleViewer, Created: at1},
		{Name: "bob", Role: "root", Created: at1},
		{Name: "bob", Role: store.RoleViewer},
	} {
		if _, err := b.CreateUser(ctx, bad); err == nil {
			t.Errorf("CreateUser %+v got no error", bad)
		}
	}
	// A Persian name is a name.
	mustUser(t, b, "مریم", store.RoleAnalyst)
	got, err := b.User(ctx, "zed")
	if err != nil || got != zed {
		t.Errorf("User(zed) got %+v, %v; want %+v", got, err, zed)
	}
	if got.PasswordHash != "$argon2id$stand-in-zed" {
		t.Errorf("User(zed) password hash %q, want the one stored", got.PasswordHash)
	}
	if got, err := b.UserByID(ctx, ana.ID); err != nil || got != ana {
		t.Errorf("UserByID(%d) got %+v, %v; want %+v", ana.ID, got, err, ana)
	}
	if _, err := b.User(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User(nobody) got %v, want ErrNotFound", err)
	}
	if _, err := b.UserByID(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByID(999999) got %v, want ErrNotFound", err)
	}
	all, err := b.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range all {
		names = append(names, u.Name)
	}
	if fmt.Sprint(names) != "[ana zed مریم]" {
		t.Errorf("Users got %v, want [ana zed مریم] (by name)", names)
	}
	if _, err := b.UpdateUser(ctx, "nobody", store.UserUpdate{Disabled: ptr(true)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser(nobody) got %v, want ErrNotFound", err)
	}
	if _, err := b.UpdateUser(ctx, "zed", store.UserUpdate{Role: ptr(store.Role("root"))}); err == nil {
		t.Errorf("UpdateUser to role root got no error")
	}
	u, err := b.UpdateUser(ctx, "zed", store.UserUpdate{Role: ptr(store.RoleAnalyst), PasswordHash: ptr("$argon2id$new")})
	if err != nil || u.Role != store.RoleAnalyst || u.PasswordHash != "$argon2id$new" || u.Disabled {
		t.Errorf("UpdateUser role and password got %+v, %v", u, err)
	}
	if got, _ := b.User(ctx, "zed"); got != u {
		t.Errorf("after UpdateUser, User got %+v, want %+v", got, u)
	}
}

func ptr[T any](v T) *T { return &v }

func session(id string, user int64, expires time.Time) store.Session {
	return store.Session{IDHash: hexOf(id[0]), UserID: user, Created: at1, Expires: expires, CSRF: "csrf-" + id}
}

func testUpdateEndsSessions(t *testing.T, b TeamBackend) {
	ctx := t.Context()
	u := mustUser(t, b, "ana", store.RoleAnalyst)
	other := mustUser(t, b, "bob", store.RoleAnalyst)
	live := func(id string) bool {
		_, _, err := b.Session(ctx, hexOf(id[0]), at2)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Session: %v", err)
		}
		return err == nil
	}
	for i, tc := range []struct {
		name    string
		up      store.UserUpdate
		survive bool
	}{
		{"nothing", store.UserUpdate{}, true},
		{"same role", store.UserUpdate{Role: ptr(store.RoleAnalyst)}, true},
		{"role", store.UserUpdate{Role: ptr(store.RoleViewer)}, false},
		{"password", store.UserUpdate{PasswordHash: ptr("$argon2id$changed")}, false},
		{"disabled", store.UserUpdate{Disabled: ptr(true)}, false},
		{"enabled", store.UserUpdate{Disabled: ptr(false)}, false},
	} {
		id := string(rune('a' + i))
		if err := b.CreateSession(ctx, session(id, u.ID, at3)); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		if _, err := b.UpdateUser(ctx, "ana", tc.up); err != nil {
			t.Fatalf("UpdateUser %s: %v", tc.name, err)
		}
		if got := live(id); got != tc.survive {
			t.Errorf("after changing %s the session is live %v, want %v", tc.name, got, tc.survive)
		}
	}
	// Another account's session is not touched.
	if err := b.CreateSession(ctx, session("z", other.ID, at3)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.UpdateUser(ctx, "ana", store.UserUpdate{Role: ptr(store.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	if !live("z") {
		t.Errorf("changing ana ended bob's session")
	}
	// A session of a disabled account is refused even if it was not ended
	// (made after the account was disabled).
	if _, err := b.UpdateUser(ctx, "bob", store.UserUpdate{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateSession(ctx, session("y", other.ID, at3)); err != nil {
		t.Fatal(err)
	}
	if live("y") {
		t.Errorf("a disabled account's session is accepted")
	}
}

func testSessions(t *testing.T, b TeamBackend) {
	ctx := t.Context()
	u := mustUser(t, b, "ana", store.RoleViewer)
	s := session("s", u.ID, at2)
	if err := b.CreateSession(ctx, s); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := b.CreateSession(ctx, s); !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateSession with a stored id hash got %v, want ErrExists", err)
	}
	if err := b.CreateSession(ctx, store.Session{IDHash: hexOf('q'), UserID: u.ID, Created: at2, Expires: at1, CSRF: "c"}); err == nil {
		t.Errorf("CreateSession expiring before it starts got no error")
	}
	for _, tc := range []struct {
		now  time.Time
		live bool
	}{
		{at1, true},
		{at2.Add(-time.Microsecond), true},
		{at2, false},
		{at3, false},
	} {
		gs, gu, err := b.Session(ctx, s.IDHash, tc.now)
		if tc.live {
			if err != nil || gs.UserID != u.ID || gs.CSRF != s.CSRF || !gs.Expires.Equal(stored(at2)) || !gs.Created.Equal(at1) || gu.Name != "ana" || gu.Role != store.RoleViewer {
				t.Errorf("Session at %v got %+v, %+v, %v; want the session of ana", tc.now, gs, gu, err)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Session at %v (expired) got %v, want ErrNotFound", tc.now, err)
		}
	}
	if _, _, err := b.Session(ctx, hexOf('x'), at1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown Session got %v, want ErrNotFound", err)
	}
	if err := b.DeleteSession(ctx, s.IDHash); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Session(ctx, s.IDHash, at1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session after DeleteSession got %v, want ErrNotFound", err)
	}
	if err := b.DeleteSession(ctx, s.IDHash); err != nil {
		t.Errorf("DeleteSession twice got %v, want nil", err)
	}
}

// testSessionsPruned: a new session deletes the ones expired by then,
// of every account, and keeps the live ones.
func testSessionsPruned(t *testing.T, b TeamBackend, raw Raw) {
	ctx := t.Context()
	u := mustUser(t, b, "ana", store.RoleViewer)
	v := mustUser(t, b, "bob", store.RoleViewer)
	for _, s := range []store.Session{session("a", u.ID, at2), session("b", v.ID, at2), session("c", u.ID, at3.Add(time.Hour))} {
		if err := b.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	later := store.Session{IDHash: hexOf('d'), UserID: v.ID, Created: at3, Expires: at3.Add(time.Hour), CSRF: "c"}
	if err := b.CreateSession(ctx, later); err != nil {
		t.Fatal(err)
	}
	n, err := raw.Count(ctx, b, `SELECT count(*) FROM sessions`)
	if err != nil || n != 2 {
		t.Errorf("sessions stored after one made at %v: %d, %v; want 2 (the two expired ones gone)", at3, n, err)
	}
	if _, _, err := b.Session(ctx, hexOf('c'), at3); err != nil {
		t.Errorf("a live session was pruned: %v", err)
	}
}

func testTokens(t *testing.T, b TeamBackend) {
	ctx := t.Context()
	a, err := b.CreateToken(ctx, store.NewToken{Name: "ci", Role: store.RoleAnalyst, Hash: hexOf('a'), Creator: "cli:root", Created: at1})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	c, err := b.CreateToken(ctx, store.NewToken{Name: "dashboard", Role: store.RoleViewer, Hash: hexOf('c'), Creator: "user:ana", Created: at1})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if a.ID == 0 || c.ID <= a.ID || a.Name != "ci" || a.Role != store.RoleAnalyst || a.Creator != "cli:root" || !a.Created.Equal(at1) || !a.LastUsed.IsZero() || !a.Revoked.IsZero() {
		t.Errorf("CreateToken got %+v, %+v", a, c)
	}
	if _, err := b.CreateToken(ctx, store.NewToken{Name: "again", Role: store.RoleViewer, Hash: hexOf('a'), Created: at1}); !errors.Is(err, store.ErrExists) {
		t.Errorf("CreateToken with a stored hash got %v, want ErrExists", err)
	}
	for _, bad := range []store.NewToken{
		{Name: "", Role: store.RoleViewer, Hash: hexOf('d'), Created: at1},
		{Name: "x", Role: "god", Hash: hexOf('d'), Created: at1},
		{Name: "x", Role: store.RoleViewer, Hash: "vgl_the-token-itself", Created: at1},
	} {
		if _, err := b.CreateToken(ctx, bad); err == nil {
			t.Errorf("CreateToken %+v got no error", bad)
		}
	}
	got, err := b.TokenByHash(ctx, hexOf('a'), at2)
	if err != nil || got.ID != a.ID || got.Role != store.RoleAnalyst || !got.LastUsed.Equal(stored(at2)) {
		t.Errorf("TokenByHash got %+v, %v; want token %d last used %v", got, err, a.ID, stored(at2))
	}
	if _, err := b.TokenByHash(ctx, hexOf('z'), at2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash of an unknown hash got %v, want ErrNotFound", err)
	}
	if err := b.RevokeToken(ctx, a.ID, at3); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if err := b.RevokeToken(ctx, a.ID, at3.Add(time.Hour)); err != nil {
		t.Errorf("RevokeToken twice: %v", err)
	}
	if err := b.RevokeToken(ctx, 999999, at3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken(999999) got %v, want ErrNotFound", err)
	}
	if _, err := b.TokenByHash(ctx, hexOf('a'), at3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash of a revoked token got %v, want ErrNotFound", err)
	}
	all, err := b.Tokens(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Tokens got %d, %v; want 2 (revoked ones included)", len(all), err)
	}
	if all[0].ID != a.ID || !all[0].Revoked.Equal(at3) || !all[0].LastUsed.Equal(stored(at2)) || all[0].Hash != hexOf('a') {
		t.Errorf("Tokens[0] got %+v; want token %d revoked at %v (the first revocation) and last used %v", all[0], a.ID, at3, stored(at2))
	}
	if all[1].ID != c.ID || !all[1].Revoked.IsZero() || !all[1].LastUsed.IsZero() {
		t.Errorf("Tokens[1] got %+v; want token %d, never used nor revoked", all[1], c.ID)
	}
}

// auditAll reads every entry.
func auditAll(t *testing.T, b TeamBackend, f store.AuditFilter) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	if err := b.Audit(t.Context(), f, func(e store.AuditEntry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatalf("Audit(%+v): %v", f, err)
	}
	return out
}

// auditFixture appends six entries an hour apart from at1.
func auditFixture(t *testing.T, b TeamBackend) []store.AuditEntry {
	t.Helper()
	in := []store.AuditEntry{
		{Actor: "cli:root", Action: "user.add", Target: "ana", Details: json.RawMessage(`{"role": "admin"}`)},
		{Actor: "user:ana", Action: "login"},
		{Actor: "user:ana", Action: "incident.merge", Target: "inc-1", Details: json.RawMessage(`{"into":"inc-2","reason":"same attack"}`)},
		{Actor: "system", Action: "import", Target: "gtd.csv", Details: json.RawMessage(`{"new":3,"updated":0}`)},
		{Actor: "user:ana", Action: "incident.split", Target: "inc-2"},
		{Actor: "public", Action: "report.add", Target: "1"},
	}
	var out []store.AuditEntry
	for i, e := range in {
		e.At = at1.Add(time.Duration(i) * time.Hour).Add(123 * time.Nanosecond)
		got, err := b.AppendAudit(t.Context(), e)
		if err != nil {
			t.Fatalf("AppendAudit %s: %v", e.Action, err)
		}
		out = append(out, got)
	}
	return out
}

func testAuditChain(t *testing.T, b TeamBackend) {
	ctx := t.Context()
	appended := auditFixture(t, b)
	for i, e := range appended {
		wantPrev := ""
		if i > 0 {
			wantPrev = appended[i-1].Hash
		}
		if e.ID == 0 || e.Prev != wantPrev || e.Hash != store.AuditHash(e) || !e.At.Equal(stored(e.At)) {
			t.Errorf("AppendAudit %d got id %d prev %.8q hash %.8q; want prev %.8q and the entry's hash", i, e.ID, e.Prev, e.Hash, wantPrev)
		}
	}
	if string(appended[0].Details) != `{"role":"admin"}` {
		t.Errorf("details stored as %s, want the compact JSON", appended[0].Details)
	}
	got := auditAll(t, b, store.AuditFilter{})
	if len(got) != len(appended) {
		t.Fatalf("Audit got %d entries, want %d", len(got), len(appended))
	}
	for i := range got {
		if ok, a, c := sameJSON(t, got[i], appended[i]); !ok {
			t.Errorf("Audit entry %d reads back as\n%s\nwant\n%s", i, a, c)
		}
	}
	if err := store.VerifyAudit(got); err != nil {
		t.Errorf("VerifyAudit of an untouched log: %v", err)
	}
	for _, bad := range []store.AuditEntry{
		{At: at1, Action: "login"},
		{At: at1, Actor: "x"},
		{Actor: "x", Action: "login"},
		{At: at1, Actor: "x", Action: "login", Details: json.RawMessage(`{not json`)},
		{At: at1, Actor: "x\nforged line", Action: "login"},
	} {
		if _, err := b.AppendAudit(ctx, bad); err == nil {
			t.Errorf("AppendAudit %+v got no error", bad)
		}
	}
	if n := len(auditAll(t, b, store.AuditFilter{})); n != len(appended) {
		t.Errorf("refused entries changed the log: %d entries, want %d", n, len(appended))
	}
	stop := errors.New("stop")
	n := 0
	if err := b.Audit(ctx, store.AuditFilter{}, func(store.AuditEntry) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("Audit with fn failing got %v after %d calls, want stop after 1", err, n)
	}
}

func testAuditFilter(t *testing.T, b TeamBackend) {
	es := auditFixture(t, b)
	hour := func(h int) time.Time { return at1.Add(time.Duration(h) * time.Hour) }
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want []int
	}{
		{"all", store.AuditFilter{}, []int{0, 1, 2, 3, 4, 5}},
		{"since", store.AuditFilter{Since: hour(3)}, []int{3, 4, 5}},
		{"since is inclusive to the microsecond", store.AuditFilter{Since: es[3].At}, []int{3, 4, 5}},
		{"until is exclusive", store.AuditFilter{Until: es[2].At}, []int{0, 1}},
		{"since and until", store.AuditFilter{Since: hour(1), Until: hour(3)}, []int{1, 2}},
		{"actor", store.AuditFilter{Actor: "user:ana"}, []int{1, 2, 4}},
		{"actor is exact", store.AuditFilter{Actor: "user:an"}, nil},
		{"action", store.AuditFilter{Action: "login"}, []int{1}},
		{"action prefix", store.AuditFilter{Action: "incident."}, []int{2, 4}},
		{"action is exact without a dot", store.AuditFilter{Action: "incident"}, nil},
		{"a like pattern is text", store.AuditFilter{Action: "%."}, nil},
		{"actor and action", store.AuditFilter{Actor: "user:ana", Action: "incident.split"}, []int{4}},
		{"limit", store.AuditFilter{Actor: "user:ana", Limit: 2}, []int{1, 2}},
		{"injection", store.AuditFilter{Actor: "' OR 1=1 --"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for _, e := range auditAll(t, b, tc.f) {
				for i := range es {
					if es[i].ID == e.ID {
						got = append(got, i)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Audit(%+v) got entries %v, want %v", tc.f, got, tc.want)
			}
		})
	}
}

// testAuditConcurrent appends from many goroutines at once: the chain
// must not fork (two entries with the same Prev).
func testAuditConcurrent(t *testing.T, b TeamBackend) {
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := b.AppendAudit(t.Context(), store.AuditEntry{At: at1.Add(time.Duration(i) * time.Second), Actor: fmt.Sprintf("user:w%d", w), Action: "login"}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent AppendAudit: %v", err)
	}
	got := auditAll(t, b, store.AuditFilter{})
	if len(got) != workers*each {
		t.Fatalf("after concurrent appends %d entries, want %d", len(got), workers*each)
	}
	if got[0].Prev != "" {
		t.Errorf("first entry's prev %q, want \"\"", got[0].Prev)
	}
	if err := store.VerifyAudit(got); err != nil {
		t.Errorf("VerifyAudit after concurrent appends: %v", err)
	}
}

func testAuditAppendOnly(t *testing.T, b TeamBackend, raw Raw) {
	ctx := t.Context()
	es := auditFixture(t, b)
	for _, q := range []string{
		fmt.Sprintf(`UPDATE audit_log SET actor = 'user:mallory' WHERE id = %d`, es[2].ID),
		fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, es[2].ID),
		`DELETE FROM audit_log`,
	} {
		err := raw.Exec(ctx, b, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s got %v, want a refusal saying the log is append-only", q, err)
		}
	}
	if got := auditAll(t, b, store.AuditFilter{}); len(got) != len(es) || got[2].Actor != es[2].Actor {
		t.Fatalf("the refused statements changed the log: %d entries", len(got))
	}
	// Someone with the database itself drops the guards and rewrites an
	// entry, then removes another: the chain shows both.
	for _, q := range raw.DropGuards {
		if err := raw.Exec(ctx, b, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := raw.Exec(ctx, b, fmt.Sprintf(`UPDATE audit_log SET actor = 'user:mallory' WHERE id = %d`, es[2].ID)); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	var brk *store.AuditBreak
	if err := store.VerifyAudit(auditAll(t, b, store.AuditFilter{})); !errors.As(err, &brk) || brk.ID != es[2].ID || brk.Index != 2 {
		t.Errorf("VerifyAudit after an entry was rewritten got %v, want a break at entry %d", err, es[2].ID)
	}
	// Rewriting the hash too (the tamperer knows the encoding) moves the
	// break to the next link.
	forged := es[2]
	forged.Actor = "user:mallory"
	if err := raw.Exec(ctx, b, fmt.Sprintf(`UPDATE audit_log SET hash = '%s' WHERE id = %d`, store.AuditHash(forged), es[2].ID)); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	if err := store.VerifyAudit(auditAll(t, b, store.AuditFilter{})); !errors.As(err, &brk) || brk.ID != es[3].ID {
		t.Errorf("VerifyAudit after an entry and its hash were rewritten got %v, want a break at entry %d", err, es[3].ID)
	}
	if err := raw.Exec(ctx, b, fmt.Sprintf(`DELETE FROM audit_log WHERE id <= %d`, es[3].ID)); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	// What is left verifies as a run, but no longer starts the log.
	left := auditAll(t, b, store.AuditFilter{})
	if err := store.VerifyAudit(left); err != nil || left[0].Prev == "" {
		t.Errorf("the tail after a deletion: %v, prev %q; want a run that verifies and does not start from \"\"", err, left[0].Prev)
	}
	if err := raw.Exec(ctx, b, fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, es[4].ID)); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	if err := store.VerifyAudit(append(es[:4:4], auditAll(t, b, store.AuditFilter{})...)); !errors.As(err, &brk) || brk.ID != es[5].ID {
		t.Errorf("VerifyAudit after a removal got %v, want a break at entry %d", err, es[5].ID)
	}
}

func testPublicReports(t *testing.T, b TeamBackend) {
	ctx := t.Context()
	lat, lon := 30.28, 57.08
	a, err := b.AddPublicReport(ctx, store.PublicReport{Received: at1, What: "two explosions near the cemetery", Place: "Kerman",
		Lat: &lat, Lon: &lon, When: "2024-01-03", Link: "https://example.org/a",
		Moderation: store.Moderation{State: store.ReportApproved, By: "public"}}, "reporter@example.org")
	if err != nil {
		t.Fatalf("AddPublicReport: %v", err)
	}
	if a.ID == 0 || a.State != store.ReportPending || a.By != "" || !a.HasContact || a.Place != "Kerman" || a.Lat == nil || *a.Lat != lat || *a.Lon != lon || a.When != "2024-01-03" || !a.Received.Equal(at1) {
		t.Errorf("AddPublicReport got %+v; want it stored pending whatever state was sent, with its contact", a)
	}
	c, err := b.AddPublicReport(ctx, store.PublicReport{Received: at2, What: "انفجار در کرمان"}, "")
	if err != nil || c.HasContact || c.Lat != nil || c.State != store.ReportPending {
		t.Fatalf("AddPublicReport without contact got %+v, %v", c, err)
	}
	for _, bad := range []store.PublicReport{
		{Received: at1, What: "  "},
		{Received: at1, What: "x", Lat: &lat},
		{Received: at1, What: "x", Lat: ptr(91.0), Lon: &lon},
		{Received: at1, What: "x", When: "03/01/2024"},
		{Received: at1, What: "x", Link: "javascript:alert(1)"},
		{Received: at1, What: strings.Repeat("x", store.MaxReportWhat+1)},
		{What: "x"},
	} {
		if _, err := b.AddPublicReport(ctx, bad, ""); err == nil {
			t.Errorf("AddPublicReport %+v got no error", bad)
		}
	}
	if got, err := b.PublicReport(ctx, a.ID); err != nil || got.What != a.What || !got.HasContact {
		t.Errorf("PublicReport(%d) got %+v, %v", a.ID, got, err)
	}
	doc, _ := json.Marshal(a)
	if strings.Contains(string(doc), "reporter@") || strings.Contains(string(doc), "contact") {
		t.Errorf("a report's JSON carries its contact: %s", doc)
	}
	if got, err := b.PublicReportContact(ctx, a.ID); err != nil || got != "reporter@example.org" {
		t.Errorf("PublicReportContact(%d) got %q, %v", a.ID, got, err)
	}
	if _, err := b.PublicReportContact(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PublicReportContact of a report without one got %v, want ErrNotFound", err)
	}
	if _, err := b.PublicReport(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PublicReport(999999) got %v, want ErrNotFound", err)
	}

	m := store.Moderation{State: store.ReportApproved, By: "user:ana", At: at3, Note: "two sources", ClaimRef: "public:1"}
	got, err := b.ModerateReport(ctx, a.ID, m)
	if err != nil || got.Moderation != m {
		t.Errorf("ModerateReport got %+v, %v; want moderation %+v", got, err, m)
	}
	if _, err := b.ModerateReport(ctx, a.ID, store.Moderation{State: store.ReportRejected, By: "user:bob", At: at3}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ModerateReport of an approved report got %v, want ErrConflict", err)
	}
	if _, err := b.ModerateReport(ctx, 999999, m); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ModerateReport(999999) got %v, want ErrNotFound", err)
	}
	for _, bad := range []store.Moderation{
		{State: store.ReportPending, By: "user:ana", At: at3},
		{State: store.ReportDuplicate, By: "user:ana", At: at3},
		{State: store.ReportRejected, At: at3},
	} {
		if _, err := b.ModerateReport(ctx, c.ID, bad); err == nil {
			t.Errorf("ModerateReport %+v got no error", bad)
		}
	}
	if got, _ := b.PublicReport(ctx, c.ID); got.State != store.ReportPending {
		t.Errorf("refused moderations changed the report: %+v", got)
	}
	if _, err := b.ModerateReport(ctx, c.ID, store.Moderation{State: store.ReportDuplicate, DuplicateOf: "inc-1", By: "user:ana", At: at3}); err != nil {
		t.Errorf("ModerateReport duplicate: %v", err)
	}
	for _, tc := range []struct {
		state string
		limit int
		want  []int64
	}{
		{"", 0, []int64{a.ID, c.ID}},
		{"", 1, []int64{a.ID}},
		{store.ReportPending, 0, nil},
		{store.ReportDuplicate, 0, []int64{c.ID}},
		{store.ReportApproved, 0, []int64{a.ID}},
	} {
		rs, err := b.PublicReports(ctx, tc.state, tc.limit)
		var ids []int64
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		if err != nil || fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("PublicReports(%q, %d) got %v, %v; want %v", tc.state, tc.limit, ids, err, tc.want)
		}
	}
}

// SeedTeam stores an account, a token, a public report with a contact and
// three audit entries, for CheckTeamKept to find after a backup and
// restore.
func SeedTeam(t *testing.T, b TeamBackend) {
	t.Helper()
	mustUser(t, b, "ana", store.RoleAdmin)
	if _, err := b.CreateToken(t.Context(), store.NewToken{Name: "ci", Role: store.RoleViewer, Hash: hexOf('b'), Created: at1}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddPublicReport(t.Context(), store.PublicReport{Received: at1, What: "seen"}, "call me"); err != nil {
		t.Fatal(err)
	}
	auditFixture(t, b)
}

// CheckTeamKept checks that a store restored from a backup of one that
// SeedTeam filled holds its team tables: the account, the token, the
// report and its contact, and an audit log that verifies and goes on
// chaining.
func CheckTeamKept(t *testing.T, b TeamBackend) {
	t.Helper()
	ctx := t.Context()
	if u, err := b.User(ctx, "ana"); err != nil || u.Role != store.RoleAdmin {
		t.Errorf("restored User(ana) got %+v, %v", u, err)
	}
	if tok, err := b.TokenByHash(ctx, hexOf('b'), at2); err != nil || tok.Name != "ci" {
		t.Errorf("restored token got %+v, %v", tok, err)
	}
	if c, err := b.PublicReportContact(ctx, 1); err != nil || c != "call me" {
		t.Errorf("restored report contact got %q, %v", c, err)
	}
	es := auditAll(t, b, store.AuditFilter{})
	if len(es) != 6 || es[0].Prev != "" {
		t.Fatalf("restored audit log has %d entries, want the 6 from the start", len(es))
	}
	next, err := b.AppendAudit(ctx, store.AuditEntry{At: at3, Actor: "cli:root", Action: "restore"})
	if err != nil || next.Prev != es[5].Hash {
		t.Errorf("append to the restored log got %+v, %v; want it chained to the last entry", next, err)
	}
	if err := store.VerifyAudit(append(es, next)); err != nil {
		t.Errorf("VerifyAudit of the restored log: %v", err)
	}
}

// BenchAppendAudit is BenchmarkAppendAudit for a backend: one entry a
// call (each its own transaction, under the append lock), serially and
// from parallel goroutines, then the whole log read and verified.
func BenchAppendAudit(b *testing.B, open func(b *testing.B) TeamBackend) {
	e := store.AuditEntry{At: at1, Actor: "user:ana", Action: "incident.set", Target: "inc-1",
		Details: json.RawMessage(`{"field":"killed","value":"17","reason":"the toll officials settled on"}`)}
	b.Run("serial", func(b *testing.B) {
		st := open(b)
		for b.Loop() {
			if _, err := st.AppendAudit(b.Context(), e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		st := open(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := st.AppendAudit(context.Background(), e); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("verify-10k", func(b *testing.B) {
		st := open(b)
		for range 10000 {
			if _, err := st.AppendAudit(b.Context(), e); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			var v store.AuditVerifier
			if err := st.Audit(b.Context(), store.AuditFilter{}, v.Add); err != nil || v.Count() != 10000 {
				b.Fatalf("verify: %d entries, %v", v.Count(), err)
			}
		}
	})
}
