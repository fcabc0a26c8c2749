package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/auth"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// vigilStdin runs one command in-process with stdin.
func vigilStdin(t *testing.T, db, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "VIGIL_DB" {
				return db
			}
			return ""
		},
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	err := Run(context.Background(), env, args)
	return out.String(), err
}

// teamOf opens the store directly, for what the commands never print
// (hashes).
func teamOf(t *testing.T, db string) teamStore {
	t.Helper()
	st, err := openTeamStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// auditLog returns the audit log as `vigil audit --format json` prints it.
func auditLog(t *testing.T, db string, args ...string) []store.AuditEntry {
	t.Helper()
	var es []store.AuditEntry
	out := mustVigil(t, db, append([]string{"audit", "--format", "json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatalf("audit --format json: %v\n%.300s", err, out)
	}
	return es
}

// expectAudit checks that the entries appended since the log had n
// entries are the (action, target) pairs given, each by the CLI's actor,
// and returns the log's new length.
func expectAudit(t *testing.T, db string, n int, want ...[2]string) int {
	t.Helper()
	es := auditLog(t, db)
	if len(es) < n {
		t.Fatalf("the audit log shrank from %d to %d entries", n, len(es))
	}
	var got []string
	for _, e := range es[n:] {
		if e.Actor != audit.CLIActor() {
			t.Errorf("entry %d %s by %q, want %q", e.ID, e.Action, e.Actor, audit.CLIActor())
		}
		got = append(got, e.Action+" "+e.Target)
	}
	var w []string
	for _, p := range want {
		w = append(w, p[0]+" "+p[1])
	}
	if fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("new audit entries got %q, want %q", got, w)
	}
	return len(es)
}

var shownPassword = regexp.MustCompile(`password \(shown once, store it now\): (\S+)`)

func TestUsersCommands(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			out := mustVigil(t, db, "users", "add", "ana", "--role", "admin")
			m := shownPassword.FindStringSubmatch(out)
			if m == nil || len(m[1]) < 20 {
				t.Fatalf("users add without a password: got\n%s\nwant a generated password of 20 characters or more", out)
			}
			st := teamOf(t, db)
			u, err := st.User(ctx, "ana")
			if err != nil || u.Role != store.RoleAdmin || strings.Contains(u.PasswordHash, m[1]) {
				t.Fatalf("stored ana: %+v, %v", u, err)
			}
			if ok, err := auth.VerifyPassword(m[1], u.PasswordHash); !ok || err != nil {
				t.Errorf("the printed password does not verify against the stored hash: %v, %v", ok, err)
			}
			n := expectAudit(t, db, 0, [2]string{audit.UserAdd, "ana"})

			out, err = vigilStdin(t, db, "a passphrase of mine\n", "users", "add", "bob", "--role", "viewer", "--password-stdin")
			if err != nil || strings.Contains(out, "shown once") {
				t.Fatalf("users add --password-stdin: %v\n%s", err, out)
			}
			bob, _ := st.User(ctx, "bob")
			if ok, _ := auth.VerifyPassword("a passphrase of mine", bob.PasswordHash); !ok {
				t.Errorf("bob's password from stdin does not verify")
			}
			n = expectAudit(t, db, n, [2]string{audit.UserAdd, "bob"})

			for _, tc := range []struct {
				stdin string
				args  []string
				exit  int
			}{
				{"", []string{"users", "add", "ana", "--role", "viewer"}, 1},
				{"", []string{"users", "add", "carl", "--role", "root"}, 2},
				{"", []string{"users", "add", "carl"}, 2},
				{"", []string{"users", "add", "two words", "--role", "viewer"}, 2},
				{"", []string{"users", "add", "ANA", "--role", "viewer"}, 1}, // a look-alike of ana
				{"", []string{"users", "add", "аna", "--role", "viewer"}, 2}, // Cyrillic а in a Latin name
				{"", []string{"users", "add", "b0b", "--role", "viewer"}, 1}, // reads as bob
				{"short\n", []string{"users", "add", "carl", "--role", "viewer", "--password-stdin"}, 2},
				{"", []string{"users", "role", "bob", "root"}, 2},
				{"", []string{"users", "role", "nobody", "admin"}, 1},
				{"", []string{"users", "disable", "nobody"}, 1},
				{"", []string{"users", "frobnicate"}, 2},
				{"", []string{"users"}, 2},
			} {
				if _, err := vigilStdin(t, db, tc.stdin, tc.args...); ExitCode(err) != tc.exit {
					t.Errorf("vigil %v: exit %d (%v), want %d", tc.args, ExitCode(err), err, tc.exit)
				}
			}
			n = expectAudit(t, db, n) // refusals change nothing

			mustVigil(t, db, "users", "role", "bob", "analyst")
			mustVigil(t, db, "users", "disable", "bob")
			if b, _ := st.User(ctx, "bob"); b.Role != store.RoleAnalyst || !b.Disabled {
				t.Errorf("after role and disable, bob is %+v", b)
			}
			mustVigil(t, db, "users", "enable", "bob")
			out = mustVigil(t, db, "users", "passwd", "bob")
			m = shownPassword.FindStringSubmatch(out)
			b, _ := st.User(ctx, "bob")
			if m == nil || b.Disabled {
				t.Fatalf("users passwd: got\n%s\nbob %+v", out, b)
			}
			if ok, _ := auth.VerifyPassword(m[1], b.PasswordHash); !ok {
				t.Errorf("the new password does not verify")
			}
			if _, err := vigilStdin(t, db, "another passphrase\n", "users", "passwd", "bob", "--password-stdin"); err != nil {
				t.Fatal(err)
			}
			b, _ = st.User(ctx, "bob")
			if ok, _ := auth.VerifyPassword("another passphrase", b.PasswordHash); !ok {
				t.Errorf("the password from stdin does not verify")
			}
			expectAudit(t, db, n, [2]string{audit.UserRole, "bob"}, [2]string{audit.UserDisable, "bob"},
				[2]string{audit.UserEnable, "bob"}, [2]string{audit.UserPassword, "bob"}, [2]string{audit.UserPassword, "bob"})
			// The audit log never holds a password.
			for _, e := range auditLog(t, db) {
				if strings.Contains(string(e.Details), m[1]) || strings.Contains(string(e.Details), "passphrase") {
					t.Errorf("audit entry %d holds a password: %s", e.ID, e.Details)
				}
			}

			out = mustVigil(t, db, "users", "list")
			if !regexp.MustCompile(`ana\s+admin\s+active`).MatchString(out) || !regexp.MustCompile(`bob\s+analyst\s+active`).MatchString(out) {
				t.Errorf("users list: got\n%s", out)
			}
			var list []map[string]any
			if err := json.Unmarshal([]byte(mustVigil(t, db, "users", "list", "--format", "json")), &list); err != nil || len(list) != 2 {
				t.Fatalf("users list --format json: %v, %d", err, len(list))
			}
			if list[0]["name"] != "ana" || list[0]["role"] != "admin" || list[0]["password_hash"] != nil || strings.Contains(fmt.Sprint(list), "argon2") {
				t.Errorf("users list --format json: %v", list)
			}
		})
	}
}

var shownToken = regexp.MustCompile(`token \(shown once, store it now\): (\S+)`)

func TestTokensCommands(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			out := mustVigil(t, db, "tokens", "add", "ci", "--role", "analyst")
			m := shownToken.FindStringSubmatch(out)
			if m == nil || !auth.LooksLikeToken(m[1]) {
				t.Fatalf("tokens add: got\n%s\nwant a token shown once", out)
			}
			st := teamOf(t, db)
			tok, err := st.(interface {
				TokenByHash(context.Context, string, time.Time) (store.APIToken, error)
			}).TokenByHash(ctx, auth.HashSecret(m[1]), time.Now())
			if err != nil || tok.Name != "ci" || tok.Role != store.RoleAnalyst || tok.Creator != audit.CLIActor() {
				t.Fatalf("the printed token does not open token ci: %+v, %v", tok, err)
			}
			n := expectAudit(t, db, 0, [2]string{audit.TokenAdd, fmt.Sprint(tok.ID)})
			list := mustVigil(t, db, "tokens", "list")
			if strings.Contains(list, m[1]) || !strings.Contains(list, "ci") {
				t.Errorf("tokens list shows the token or misses it:\n%s", list)
			}
			js := mustVigil(t, db, "tokens", "list", "--format", "json")
			if strings.Contains(js, m[1]) || strings.Contains(js, tok.Hash) || !strings.Contains(js, `"last_used"`) {
				t.Errorf("tokens list --format json shows the token or its hash, or not when it was used:\n%s", js)
			}
			mustVigil(t, db, "tokens", "revoke", fmt.Sprint(tok.ID))
			if _, err := st.(interface {
				TokenByHash(context.Context, string, time.Time) (store.APIToken, error)
			}).TokenByHash(ctx, auth.HashSecret(m[1]), time.Now()); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a revoked token still opens: %v", err)
			}
			for _, tc := range []struct {
				args []string
				exit int
			}{
				{[]string{"tokens", "revoke", "999"}, 1},
				{[]string{"tokens", "revoke", "x"}, 2},
				{[]string{"tokens", "add", "x", "--role", "root"}, 2},
				{[]string{"tokens", "add", "x"}, 2},
			} {
				if _, _, err := vigil(t, db, tc.args...); ExitCode(err) != tc.exit {
					t.Errorf("vigil %v: exit %d (%v), want %d", tc.args, ExitCode(err), err, tc.exit)
				}
			}
			expectAudit(t, db, n, [2]string{audit.TokenRevoke, fmt.Sprint(tok.ID)})
			if log := mustVigil(t, db, "audit"); strings.Contains(log, m[1]) {
				t.Errorf("the audit log shows the token:\n%s", log)
			}
		})
	}
}

func TestAuditCommand(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			st := teamOf(t, db)
			for i, e := range []store.AuditEntry{
				{Actor: "user:ana", Action: "login"},
				{Actor: "user:ana", Action: "incident.merge", Target: "a"},
				{Actor: "system", Action: "fuse"},
				{Actor: "user:bob", Action: "incident.split", Target: "b"},
			} {
				e.At = time.Date(2024, 1, 1+i, 10, 0, 0, 0, time.UTC)
				if _, err := st.AppendAudit(t.Context(), e); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct {
				args []string
				want []int64
			}{
				{nil, []int64{1, 2, 3, 4}},
				{[]string{"--since", "2024-01-02"}, []int64{2, 3, 4}},
				{[]string{"--since", "2024-01-02T10:00:01Z"}, []int64{3, 4}},
				{[]string{"--until", "2024-01-02"}, []int64{1, 2}},
				{[]string{"--until", "2024-01-02T10:00:00Z"}, []int64{1}},
				{[]string{"--since", "1402-10-12", "--until", "۱۴۰۲-۱۰-۱۳"}, []int64{2, 3}},
				{[]string{"--since", "2024-01"}, []int64{1, 2, 3, 4}},
				{[]string{"--until", "2023"}, nil},
				{[]string{"--actor", "user:ana"}, []int64{1, 2}},
				{[]string{"--action", "incident."}, []int64{2, 4}},
				{[]string{"--action", "incident.", "--actor", "user:bob"}, []int64{4}},
				{[]string{"--limit", "1", "--action", "incident."}, []int64{2}},
			} {
				var got []int64
				for _, e := range auditLog(t, db, tc.args...) {
					got = append(got, e.ID)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("audit %v got ids %v, want %v", tc.args, got, tc.want)
				}
			}
			table := mustVigil(t, db, "audit", "--actor", "system")
			if !regexp.MustCompile(`3\s+2024-01-03T10:00:00Z\s+system\s+fuse\s+-`).MatchString(table) || strings.Contains(table, "user:ana") {
				t.Errorf("audit --actor system (table):\n%s", table)
			}
			if out := mustVigil(t, db, "audit", "--verify"); !strings.Contains(out, "verified: 4 entries") {
				t.Errorf("audit --verify: %s", out)
			}
			for _, args := range [][]string{
				{"audit", "--since", "yesterday"},
				{"audit", "--format", "csv"},
				{"audit", "--verify", "--actor", "x"},
				{"audit", "extra"},
			} {
				if _, _, err := vigil(t, db, args...); ExitCode(err) != 2 {
					t.Errorf("vigil %v: exit %d (%v), want 2", args, ExitCode(err), err)
				}
			}
		})
	}
}

// A log changed behind vigil's back fails `audit --verify`, naming the
// entry.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	mustVigil(t, db, "users", "add", "ana", "--role", "admin")
	mustVigil(t, db, "users", "role", "ana", "viewer")
	mustVigil(t, db, "users", "disable", "ana")
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_log SET actor = 'cli:nobody' WHERE id = 2`); err == nil {
		t.Fatalf("the audit log took an UPDATE")
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET details = '{"from":"viewer","to":"admin"}' WHERE id = 2`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_, _, err = vigil(t, db, "audit", "--verify")
	if ExitCode(err) != 1 || !strings.Contains(err.Error(), "broken at entry 2") {
		t.Errorf("audit --verify of a tampered log: %v, want exit 1 naming entry 2", err)
	}
	// Cutting off the start, entries that verify among themselves, shows
	// too.
	for _, q := range []string{`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log WHERE id <= 2`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_, _, err = vigil(t, db, "audit", "--verify")
	if ExitCode(err) != 1 || !strings.Contains(err.Error(), "starts at entry 3") {
		t.Errorf("audit --verify of a log without its start: %v, want exit 1 saying it starts at entry 3", err)
	}
}

// Every kind of change made on the command line is in the audit log,
// with the CLI's actor, its action and its target.
func TestChangesAreAudited(t *testing.T) {
	site := feedSite(t)
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mustVigil(t, db, "demo")
			n := expectAudit(t, db, 0, [2]string{audit.Demo, "iran_is_2017_2024.csv"}, [2]string{audit.Fuse, ""})
			fuseEntry := auditLog(t, db, "--action", "fuse")[0]
			if !strings.Contains(string(fuseEntry.Details), `"claims":`) || !strings.Contains(string(fuseEntry.Details), "version log") {
				t.Errorf("fuse entry details %s, want its counts and where the decisions are", fuseEntry.Details)
			}

			mustVigil(t, db, "import", "acled", "testdata/acled_v0.csv")
			n = expectAudit(t, db, n, [2]string{audit.Import, "testdata/acled_v0.csv"}, [2]string{audit.Fuse, ""})
			imp := auditLog(t, db, "--action", "import")[0]
			var d map[string]any
			json.Unmarshal(imp.Details, &d)
			if d["kind"] != "acled" || d["new"] == nil || d["source"] == "" {
				t.Errorf("import entry details %s, want kind, source and counts", imp.Details)
			}
			mustVigil(t, db, "fuse") // nothing waiting: nothing changed, nothing logged
			n = expectAudit(t, db, n)
			mustVigil(t, db, "fuse", "--all")
			n = expectAudit(t, db, n, [2]string{audit.Fuse, ""})

			incs := incidentsJSON(t, db, "--country", "IR", "--since", "2017-06-07", "--until", "2018-09-22")
			if len(incs) < 2 {
				t.Fatalf("the demo has %d incidents in Iran from Tehran 2017 to Ahvaz 2018, want 2 or more", len(incs))
			}
			a, b := incs[0]["id"].(string), incs[len(incs)-1]["id"].(string)
			mustVigil(t, db, "incident", "set", a, "killed", "17", "--reason", "officials", "--author", "tester")
			mustVigil(t, db, "incident", "merge", a, b, "--reason", "test", "--author", "tester")
			claims := incidentJSON(t, db, a).Claims
			mustVigil(t, db, "incident", "split", a, "--claims", claims[len(claims)-1].ID, "--reason", "test", "--author", "tester")
			n = expectAudit(t, db, n, [2]string{audit.IncidentSet, a}, [2]string{audit.IncidentMerge, a}, [2]string{audit.IncidentSplit, a})

			mustVigil(t, db, "feeds", "add", "https://news.example/rss", "--name", "ex")
			mustVigil(t, db, "feeds", "rm", "ex")
			n = expectAudit(t, db, n, [2]string{audit.FeedAdd, "ex"}, [2]string{audit.FeedRemove, "ex"})
			mustVigil(t, db, "feeds", "add", site.URL+"/rss", "--name", "site", "--allow-private")
			mustVigil(t, db, "feeds", "poll")
			n = expectAudit(t, db, n, [2]string{audit.FeedAdd, "site"}, [2]string{audit.FeedPoll, ""})

			mustVigil(t, db, "alerts", "rules", "add", "surge", "--name", "surges")
			mustVigil(t, db, "alerts", "rules", "edit", "1", "--name", "surges in Iran")
			mustVigil(t, db, "alerts", "rules", "rm", "1")
			n = expectAudit(t, db, n, [2]string{audit.RuleAdd, "1"}, [2]string{audit.RuleEdit, "1"}, [2]string{audit.RuleRemove, "1"})

			mustVigil(t, db, "ingest", "testdata/news/list.json")
			n = expectAudit(t, db, n, [2]string{audit.Ingest, "testdata/news/list.json"})

			backup := filepath.Join(t.TempDir(), "backup")
			mustVigil(t, db, "backup", backup)
			n = expectAudit(t, db, n, [2]string{audit.Backup, backup})

			// The restored store holds the log as it was at the backup,
			// and its restore after it.
			other := filepath.Join(t.TempDir(), "restored.db")
			if name == "postgres" {
				other = stores(t)["postgres"]
			}
			mustVigil(t, other, "restore", backup)
			expectAudit(t, other, n-1, [2]string{audit.Restore, backup})
			if out := mustVigil(t, other, "audit", "--verify"); !strings.Contains(out, fmt.Sprintf("verified: %d entries", n)) {
				t.Errorf("audit --verify of the restored store: %s", out)
			}
		})
	}
}

// While serving, the claims the poller reads out of an article and the
// fusion they cause are audited as system.
func TestFuseAsSystemAudits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	mustVigil(t, db, "import", "--no-fuse", "acled", "testdata/acled_v0.csv")
	st, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fb, err := asFuse(st)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	a := model.Article{URL: "https://news.example/a", Report: model.Report{ID: "r1", Source: "news"}}
	if err := fuseAsSystem(t.Context(), fb, now, slog.New(slog.DiscardHandler), nil, a, 0); err != nil {
		t.Fatal(err)
	}
	if err := fuseAsSystem(t.Context(), fb, now, slog.New(slog.DiscardHandler), nil, a, 2); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range auditLog(t, db, "--actor", "system") {
		got = append(got, e.Action+" "+e.Target)
	}
	if want := []string{"extract https://news.example/a", "fuse "}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("system entries got %q, want %q (nothing for an article without new claims)", got, want)
	}
}

// A change interrupted by Ctrl-C is still audited for what it stored.
func TestRecordAfterCancel(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	st := teamOf(t, db)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	env := Env{Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	if err := record(ctx, env, st, audit.Import, "gtd.csv", map[string]int{"new": 2000}); err != nil {
		t.Fatalf("record after cancel: %v", err)
	}
	if es := auditLog(t, db, "--action", "import"); len(es) != 1 || es[0].Target != "gtd.csv" {
		t.Errorf("after a cancelled import the log has %+v, want its import entry", es)
	}
}

var shownAnchor = regexp.MustCompile(`--anchor (\d+:[0-9a-f]{64})`)

// A log rewritten whole, every hash recomputed, verifies as a chain; the
// anchor printed by an earlier --verify shows the rewrite.
func TestAuditAnchorDetectsRewrite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	mustVigil(t, db, "users", "add", "ana", "--role", "viewer")
	mustVigil(t, db, "users", "role", "ana", "analyst")
	m := shownAnchor.FindStringSubmatch(mustVigil(t, db, "audit", "--verify"))
	if m == nil {
		t.Fatal("audit --verify printed no anchor")
	}
	if out := mustVigil(t, db, "audit", "--verify", "--anchor", m[1]); !strings.Contains(out, "1 anchors hold") {
		t.Errorf("audit --verify --anchor of an untouched log: %s", out)
	}
	// Rewrite: ana was made an admin, not an analyst; every hash after
	// the change recomputed.
	es := auditLog(t, db)
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, e := range es {
		e.Prev = prev
		if e.Action == audit.UserRole {
			e.Details = json.RawMessage(`{"from":"viewer","to":"admin"}`)
		} else {
			var b bytes.Buffer
			json.Compact(&b, e.Details)
			e.Details = b.Bytes()
		}
		e.Hash = store.AuditHash(e)
		if _, err := raw.Exec(`UPDATE audit_log SET details = ?, prev = ?, hash = ? WHERE id = ?`, string(e.Details), e.Prev, e.Hash, e.ID); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	mustVigil(t, db, "audit", "--verify")
	_, _, err = vigil(t, db, "audit", "--verify", "--anchor", m[1])
	if ExitCode(err) != 1 || !strings.Contains(err.Error(), "rewritten") {
		t.Errorf("audit --verify --anchor of a rewritten log: %v, want exit 1 saying it was rewritten", err)
	}
	for _, bad := range []string{"2", "x:" + strings.Repeat("a", 64), "2:abc"} {
		if _, _, err := vigil(t, db, "audit", "--verify", "--anchor", bad); ExitCode(err) != 2 {
			t.Errorf("--anchor %q: exit %d (%v), want 2", bad, ExitCode(err), err)
		}
	}
	if _, _, err := vigil(t, db, "audit", "--anchor", m[1]); ExitCode(err) != 2 {
		t.Errorf("--anchor without --verify: %v, want a usage error", err)
	}
	if _, _, err := vigil(t, db, "audit", "--verify", "--anchor", "99:"+strings.Repeat("a", 64)); ExitCode(err) != 1 || !strings.Contains(err.Error(), "not in the log") {
		t.Errorf("--anchor of an entry not in the log: %v", err)
	}
}
