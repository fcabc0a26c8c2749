package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// TestEditAPI drives the analysts' API with a token and checks the store
// and the audit log after each change.
func TestEditAPI(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			tm := newTeam(t, st, Config{})
			ctx := context.Background()
			an := tm.token(store.RoleAnalyst)
			actor := "token:" + an.csrf
			incs := demoIncidents(t, st)
			a, b := incs[0].ID, incs[1].ID

			if rp := tm.req(an, "POST", "/api/incidents/"+a+"/merge", fmt.Sprintf(`{"ids":[%q]}`, b)); rp.status != 400 || !strings.Contains(rp.body, "reason") {
				t.Errorf("merge without a reason: got %d %s, want 400 naming reason", rp.status, rp.body)
			}
			rp := tm.req(an, "POST", "/api/incidents/"+a+"/merge", fmt.Sprintf(`{"ids":[%q],"reason":"same attack, two rows"}`, b))
			if rp.status != 200 {
				t.Fatalf("merge: got %d %s", rp.status, rp.body)
			}
			if _, err := st.Incident(ctx, b); err == nil {
				t.Errorf("after merge, %s is still an incident", b)
			}
			vs, err := st.Versions(ctx, a)
			if err != nil || len(vs) == 0 || vs[len(vs)-1].Author != actor {
				t.Errorf("versions of %s after merge: last by %q (%v), want %s", a, lastAuthor(vs), err, actor)
			}
			if e := tm.auditOf("incident.merge"); len(e) != 1 || e[0].Actor != actor || e[0].Target != a {
				t.Errorf("audit of the merge: %+v", e)
			}
			rp = tm.req(an, "POST", "/api/incidents/"+a+"/set", `{"field":"killed","value":"12","reason":"official toll"}`)
			inc, _ := st.Incident(ctx, a)
			if rp.status != 200 || inc.Killed == nil || inc.Killed.Best != 12 {
				t.Errorf("set killed: got %d %s, killed %v, want 12", rp.status, rp.body, inc.Killed)
			}
			if rp := tm.req(an, "POST", "/api/incidents/"+a+"/set", `{"field":"perpetrator_name_of_a_person","value":"x","reason":"r"}`); rp.status != 400 {
				t.Errorf("set an unknown field: got %d, want 400", rp.status)
			}
			claims, _ := st.Claims(ctx, a)
			if len(claims) >= 2 {
				rp = tm.req(an, "POST", "/api/incidents/"+a+"/split", fmt.Sprintf(`{"claims":[%q],"reason":"a different day"}`, claims[len(claims)-1].ID))
				var ans correctionAnswer
				if json.Unmarshal([]byte(rp.body), &ans); rp.status != 200 || ans.New == "" {
					t.Errorf("split: got %d %s, want the new incident", rp.status, rp.body)
				}
			}
			if rp := tm.req(an, "POST", "/api/incidents/nope/merge", `{"ids":["nope2"],"reason":"r"}`); rp.status < 400 || rp.status >= 500 {
				t.Errorf("merge of unknown incidents: got %d %s, want a 4xx", rp.status, rp.body)
			}

			// Feeds: add, list, remove; a private address needs an admin.
			if rp := tm.req(an, "POST", "/api/feeds", `{"url":"https://example.org/rss","every":"30m"}`); rp.status != 201 {
				t.Errorf("add feed: got %d %s", rp.status, rp.body)
			}
			if rp := tm.req(an, "POST", "/api/feeds", `{"url":"https://example.org/rss"}`); rp.status != 409 {
				t.Errorf("add the feed again: got %d, want 409", rp.status)
			}
			if rp := tm.req(an, "POST", "/api/feeds", `{"url":"http://10.0.0.1/rss","name":"lan","allow_private":true}`); rp.status != 403 {
				t.Errorf("a private feed by an analyst: got %d, want 403", rp.status)
			}
			if rp := tm.req(tm.token(store.RoleAdmin), "POST", "/api/feeds", `{"url":"http://10.0.0.1/rss","name":"lan","allow_private":true}`); rp.status != 201 {
				t.Errorf("a private feed by an admin: got %d %s, want 201", rp.status, rp.body)
			}
			if rp := tm.req(an, "GET", "/api/feeds", ""); !strings.Contains(rp.body, `"example.org"`) || !strings.Contains(rp.body, `"lan"`) {
				t.Errorf("feeds: got %s", rp.body)
			}
			if rp := tm.req(an, "DELETE", "/api/feeds/lan", ""); rp.status != 200 {
				t.Errorf("remove feed: got %d %s", rp.status, rp.body)
			}
			if rp := tm.req(an, "DELETE", "/api/feeds/lan", ""); rp.status != 404 {
				t.Errorf("remove it again: got %d, want 404", rp.status)
			}
			// Alert rules: add, edit, list, remove.
			rp = tm.req(an, "POST", "/api/alert-rules", `{"name":"Iran attacks","kind":"incident","spec":{"country":"IR","min_killed":5}}`)
			var rule store.AlertRule
			if json.Unmarshal([]byte(rp.body), &rule); rp.status != 201 || rule.ID == 0 {
				t.Fatalf("add rule: got %d %s", rp.status, rp.body)
			}
			if rp := tm.req(an, "POST", "/api/alert-rules", `{"name":"x","kind":"astrology"}`); rp.status != 400 {
				t.Errorf("a rule of an unknown kind: got %d, want 400", rp.status)
			}
			rp = tm.req(an, "POST", fmt.Sprintf("/api/alert-rules/%d", rule.ID), `{"name":"Iran, 10+","spec":{"country":"IR","min_killed":10}}`)
			if rp.status != 200 || !strings.Contains(rp.body, "Iran, 10+") {
				t.Errorf("edit rule: got %d %s", rp.status, rp.body)
			}
			if rp := tm.req(an, "GET", "/api/alert-rules", ""); !strings.Contains(rp.body, "Iran, 10+") {
				t.Errorf("rules after edit: %s", rp.body)
			}
			if rp := tm.req(an, "DELETE", fmt.Sprintf("/api/alert-rules/%d", rule.ID), ""); rp.status != 200 {
				t.Errorf("remove rule: got %d %s", rp.status, rp.body)
			}
			for _, action := range []string{"incident.set", "feed.add", "feed.rm", "rule.add", "rule.edit", "rule.rm"} {
				if len(tm.auditOf(action)) == 0 {
					t.Errorf("no audit entry %s", action)
				}
			}
		})
	}
}

func lastAuthor(vs []store.Version) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1].Author
}

// TestAdminAPI manages accounts and tokens through the API and the admin
// page, and reads the audit log with its filters.
func TestAdminAPI(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			tm := newTeam(t, st, Config{})
			ctx := context.Background()
			root := tm.user("root", store.RoleAdmin, "root's long password")
			adm := tm.session(root)

			rp := tm.req(adm, "POST", "/api/users", `{"name":"carol","role":"analyst"}`)
			var ua userAnswer
			if json.Unmarshal([]byte(rp.body), &ua); rp.status != 201 || len(ua.Password) < 20 || ua.Role != store.RoleAnalyst {
				t.Fatalf("add user without a password: got %d %s, want 201 with a generated password", rp.status, rp.body)
			}
			secret(ua.Password)
			if rp := tm.req(adm, "POST", "/api/users", `{"name":"dave","role":"viewer","password":"short"}`); rp.status != 400 || !strings.Contains(rp.body, "password") {
				t.Errorf("a short password: got %d %s, want 400", rp.status, rp.body)
			}
			if rp := tm.req(adm, "POST", "/api/users", `{"name":"carol","role":"viewer"}`); rp.status != 409 {
				t.Errorf("a taken name: got %d, want 409", rp.status)
			}
			if rp := tm.req(adm, "POST", "/api/users", `{"name":"<b>x</b>","role":"viewer"}`); rp.status != 400 {
				t.Errorf("a name with markup: got %d, want 400", rp.status)
			}
			// Look-alikes of an account and names mixing scripts are
			// refused; a Persian name is kept in NFC.
			for _, tc := range []struct {
				name   string
				status int
			}{{"CAROL", 409}, {"carola", 201}, {"c\u0430rol", 400}, {"r00t", 409}, {"\u0645\u0631\u064a\u0645", 201}, {"\u0645\u0631\u06cc\u0645", 409}} {
				if rp := tm.req(adm, "POST", "/api/users", `{"name":"`+tc.name+`","role":"viewer","password":"a long enough password"}`); rp.status != tc.status {
					t.Errorf("add user %s: got %d %s, want %d", tc.name, rp.status, rp.body, tc.status)
				}
			}
			if rp := tm.req(adm, "POST", "/api/users", `{"name":"Jose\u0301","role":"viewer","password":"a long enough password"}`); rp.status != 201 || !strings.Contains(rp.body, `"José"`) {
				t.Errorf("add user Jose + combining accent: got %d %s, want 201 with the NFC name", rp.status, rp.body)
			}
			rp = tm.req(adm, "GET", "/api/users", "")
			if !strings.Contains(rp.body, `"carol"`) || strings.Contains(rp.body, "argon2") || strings.Contains(rp.body, ua.Password) {
				t.Errorf("users: %s (no hash, no password wanted)", rp.body)
			}
			// carol logs in with the generated password (default argon2id
			// parameters: the real cost, once).
			if rp := tm.login("carol", ua.Password); rp.status != http.StatusSeeOther {
				t.Errorf("login with the generated password: got %d", rp.status)
			}
			carol := tm.session(tm.mustUser("carol"))
			if rp := tm.req(adm, "POST", "/api/users/carol", `{"role":"viewer"}`); rp.status != 200 {
				t.Errorf("set role: got %d %s", rp.status, rp.body)
			}
			if m := tm.me(carol.cookie); m.Actor != "" {
				t.Errorf("carol's session after her role changed: %q, want ended", m.Actor)
			}
			if rp := tm.req(adm, "POST", "/api/users/root", `{"disabled":true}`); rp.status != 400 {
				t.Errorf("an admin disabling themselves: got %d, want 400", rp.status)
			}
			if rp := tm.req(adm, "POST", "/api/users/carol", `{"disabled":true}`); rp.status != 200 {
				t.Errorf("disable: got %d %s", rp.status, rp.body)
			}
			if rp := tm.login("carol", ua.Password); rp.status != http.StatusUnauthorized {
				t.Errorf("login of a disabled account: got %d, want 401", rp.status)
			}
			if rp := tm.req(adm, "POST", "/api/users/nobody", `{"disabled":true}`); rp.status != 404 {
				t.Errorf("an unknown user: got %d, want 404", rp.status)
			}

			// Tokens: shown once, listed without hash, revoked.
			rp = tm.req(adm, "POST", "/api/tokens", `{"name":"ci","role":"viewer"}`)
			var ta tokenAnswer
			if json.Unmarshal([]byte(rp.body), &ta); rp.status != 201 || !strings.HasPrefix(ta.Token, "vgl_") || ta.Creator != "user:root" {
				t.Fatalf("add token: got %d %s", rp.status, rp.body)
			}
			secret(ta.Token)
			tok := cred{role: store.RoleViewer, token: ta.Token}
			if rp := tm.req(tok, "GET", "/api/incidents", ""); rp.status != 200 {
				t.Errorf("the new token: got %d", rp.status)
			}
			if rp := tm.req(adm, "GET", "/api/tokens", ""); strings.Contains(rp.body, ta.Token) || strings.Contains(rp.body, ta.Hash) && ta.Hash != "" || !strings.Contains(rp.body, `"ci"`) {
				t.Errorf("tokens list: %s (want the token named, never itself)", rp.body)
			}
			if rp := tm.req(adm, "DELETE", fmt.Sprintf("/api/tokens/%d", ta.ID), ""); rp.status != 200 {
				t.Errorf("revoke: got %d %s", rp.status, rp.body)
			}
			if rp := tm.req(tok, "GET", "/api/incidents", ""); rp.status != 401 {
				t.Errorf("a revoked token: got %d, want 401", rp.status)
			}

			// The admin page's forms.
			rp = tm.req(adm, "POST", "/admin/users", form("csrf", adm.csrf, "name", "erin", "role", "analyst", "password", ""), "X-CSRF-Token", "")
			if m := regexp.MustCompile(`<code[^>]*>([^<]+)</code>`).FindStringSubmatch(rp.body); rp.status != 200 || m == nil {
				t.Errorf("add user by form: got %d, want the password shown once", rp.status)
			} else {
				secret(m[1])
			}
			if rp := tm.req(adm, "GET", "/admin", ""); rp.status != 200 || !strings.Contains(rp.body, "erin") || strings.Contains(rp.body, "shown this once") {
				t.Errorf("admin page: got %d; erin listed %v; a secret shown again %v", rp.status, strings.Contains(rp.body, "erin"), strings.Contains(rp.body, "shown this once"))
			}

			// The audit log and its filters.
			entries := func(q string) []store.AuditEntry {
				rp := tm.req(adm, "GET", "/api/audit"+q, "")
				var a struct {
					Entries []store.AuditEntry `json:"entries"`
				}
				if err := json.Unmarshal([]byte(rp.body), &a); err != nil || rp.status != 200 {
					t.Fatalf("GET /api/audit%s: %d %s", q, rp.status, rp.body)
				}
				return a.Entries
			}
			all := entries("")
			if err := store.VerifyAudit(all); err != nil {
				t.Errorf("the audit chain: %v", err)
			}
			for _, e := range entries("?actor=user:root") {
				if e.Actor != "user:root" {
					t.Errorf("?actor=user:root gave an entry of %s", e.Actor)
				}
			}
			users := entries("?action=user.")
			if len(users) < 4 {
				t.Errorf("?action=user.: %d entries, want add, role, disable, add", len(users))
			}
			for _, e := range users {
				if !strings.HasPrefix(e.Action, "user.") {
					t.Errorf("?action=user. gave %s", e.Action)
				}
			}
			if got := entries("?since=2030-01-01"); len(got) != 0 {
				t.Errorf("?since=2030-01-01: %d entries, want 0", len(got))
			}
			if got := entries("?limit=2"); len(got) != 2 {
				t.Errorf("?limit=2: %d entries", len(got))
			}
			for _, q := range []string{"?since=yesterday", "?limit=0", "?actr=x"} {
				if rp := tm.req(adm, "GET", "/api/audit"+q, ""); rp.status != 400 {
					t.Errorf("GET /api/audit%s: got %d, want 400", q, rp.status)
				}
			}
			if rp := tm.req(adm, "GET", "/admin?action=token.", ""); !strings.Contains(rp.body, "token.revoke") || strings.Contains(rp.body, ">user.add<") {
				t.Errorf("admin page filtered on token.: want token entries only")
			}
			_ = ctx
		})
	}
}

// injections are SQL (and other) payloads sent in every parameter.
var injections = []string{
	`' OR '1'='1`, `1; DROP TABLE incidents; --`, `"; DELETE FROM users; --`, `x' UNION SELECT name, password_hash FROM users --`,
	`%' --`, `\'; TRUNCATE audit_log; --`, `1 OR 1=1`, `$1`, `?`, "\x00", `'||pg_sleep(5)||'`, `IR' AND 1=CAST((SELECT 1) AS int) --`,
}

// TestInjection sends injection payloads through every filter parameter
// of every endpoint that reads one, as an admin token (who may call them
// all), and checks that each answer is 200 (nothing matched) or 400,
// never 500, and that the store is intact after.
func TestInjection(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			tm := newTeam(t, st, Config{})
			adm := tm.token(store.RoleAdmin)
			tm.user("victim", store.RoleViewer, "victim's long password")
			before := len(demoIncidents(t, st))
			endpoints := map[string][]string{
				"/api/incidents":           append([]string{"limit", "cursor", "sort"}, selectionParams...),
				"/api/aggregates?by=month": selectionParams,
				"/api/analyze/tempo":       append([]string{"bin", "bootstrap"}, selectionParams...),
				"/api/forecast":            append([]string{"level", "horizon", "now", "model"}, selectionParams...),
				"/api/export.csv":          append([]string{"limit"}, selectionParams...),
				"/api/export.geojson":      append([]string{"limit"}, selectionParams...),
				"/api/audit":               {"since", "until", "actor", "action", "limit"},
				"/api/reports":             {"state", "limit"},
				"/admin":                   {"since", "until", "actor", "action"},
			}
			n := 0
			for ep, params := range endpoints {
				for _, p := range params {
					for _, inj := range injections {
						sep := "?"
						if strings.Contains(ep, "?") {
							sep = "&"
						}
						path := ep + sep + url.QueryEscape(p) + "=" + url.QueryEscape(inj)
						rp := tm.req(adm, "GET", path, "")
						n++
						if rp.status != 200 && rp.status != 400 && rp.status != 404 {
							t.Errorf("GET %s: got %d %q, want 200, 400 or 404", path, rp.status, clip(rp.body))
						}
						if rp.status == 200 && strings.HasPrefix(ep, "/api/incidents") && strings.Count(rp.body, `"id"`) > before {
							t.Errorf("GET %s: more incidents than the store holds", path)
						}
					}
				}
			}
			// Path values too.
			for _, inj := range injections {
				for _, path := range []string{"/api/incidents/", "/facts/", "/api/reports/", "/api/analyze/"} {
					rp := tm.req(adm, "GET", path+url.PathEscape(inj), "")
					n++
					if rp.status >= 500 {
						t.Errorf("GET %s%q: got %d", path, inj, rp.status)
					}
				}
				rp := tm.req(adm, "POST", "/api/users/"+url.PathEscape(inj), `{"role":"admin"}`)
				if rp.status >= 500 || rp.status == 200 {
					t.Errorf("POST /api/users/%q: got %d, want a 4xx", inj, rp.status)
				}
				rp = tm.req(cred{}, "POST", "/login", form("name", inj, "password", inj))
				if rp.status >= 500 {
					t.Errorf("login as %q: got %d", inj, rp.status)
				}
			}
			t.Logf("%d requests with injection payloads", n)
			if after := len(demoIncidents(t, st)); after != before {
				t.Errorf("incidents after the injections: %d, want %d", after, before)
			}
			us, err := tm.ts.Users(context.Background())
			if err != nil || len(us) != 1 || us[0].Role != store.RoleViewer {
				t.Errorf("users after the injections: %+v (%v), want the one viewer", us, err)
			}
			var all []store.AuditEntry
			tm.ts.Audit(context.Background(), store.AuditFilter{}, func(e store.AuditEntry) error { all = append(all, e); return nil })
			if err := store.VerifyAudit(all); err != nil {
				t.Errorf("audit chain after the injections: %v", err)
			}
		})
	}
}

// TestBadRequests sends oversized and malformed requests to the
// changing endpoints.
func TestBadRequests(t *testing.T) {
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	tm := newTeam(t, st, Config{Public: true})
	an := tm.token(store.RoleAdmin)
	big := strings.Repeat("a", 40<<10)
	cases := []struct {
		name         string
		c            cred
		method, path string
		body         string
		status       int
	}{
		{"big JSON", an, "POST", "/api/feeds", `{"url":"` + big + `"}`, 413},
		{"big form", cred{}, "POST", "/report", "what=" + big, 413},
		{"big login", cred{}, "POST", "/login", "name=" + big, 413},
		{"body on a GET", an, "GET", "/api/incidents", strings.Repeat("x", 2000), 413},
		{"not JSON", an, "POST", "/api/feeds", `{"url":`, 400},
		{"two values", an, "POST", "/api/feeds", `{"url":"https://a.example/x"} {}`, 400},
		{"unknown field", an, "POST", "/api/tokens", `{"name":"x","role":"viewer","admin":true}`, 400},
		{"wrong type", an, "POST", "/api/users", `{"name":1}`, 400},
		{"bad form encoding", cred{}, "POST", "/login", "name=%zz", 400},
		{"NUL in JSON", an, "POST", "/api/users", `{"name":"a\u0000b","role":"viewer"}`, 400},
		{"NUL in a rule", an, "POST", "/api/alert-rules", `{"name":"r","kind":"incident","spec":{"actor":"\u0000"}}`, 400},
		{"NUL in a form", cred{}, "POST", "/login", "name=a%00b&password=x", 400},
		{"broken UTF-8 in a query", an, "GET", "/api/incidents?actor=%ff%fe", "", 400},
		{"NUL in a path", an, "GET", "/api/incidents/a%00b", "", 400},
		{"bad id", an, "POST", "/api/reports/abc/approve", "{}", 400},
		{"negative id", an, "DELETE", "/api/tokens/-1", "", 400},
		{"unknown decision", an, "POST", "/api/reports/1/publish", "{}", 404},
		{"a token that is not one", cred{token: "not-a-token"}, "GET", "/api/incidents", "", 401},
		{"basic auth", cred{}, "GET", "/api/incidents", "", 200},
	}
	for _, tc := range cases {
		rp := tm.req(tc.c, tc.method, tc.path, tc.body)
		if rp.status != tc.status {
			t.Errorf("%s: %s %s: got %d %q, want %d", tc.name, tc.method, tc.path, rp.status, clip(rp.body), tc.status)
		}
	}
	// A chunked body (no length given) that runs over the limit.
	for _, path := range []string{"/api/feeds", "/api/users"} {
		r, _ := http.NewRequest("POST", tm.srv.URL+path, io.MultiReader(strings.NewReader(`{"url":"`), strings.NewReader(big), strings.NewReader(`"}`)))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+an.token)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if r.ContentLength != 0 || resp.StatusCode != 413 {
			t.Errorf("chunked %s over the limit: got %d (length %d), want 413", path, resp.StatusCode, r.ContentLength)
		}
	}
	r, _ := http.NewRequest("POST", tm.srv.URL+"/report", io.MultiReader(strings.NewReader("what="), strings.NewReader(big)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(r); err != nil || resp.StatusCode != 413 {
		t.Errorf("chunked form over the limit: got %v %v, want 413", resp.StatusCode, err)
	}
	if rp := tm.req(cred{}, "GET", "/api/incidents", "", "Authorization", "Basic YTpi"); rp.status != 401 {
		t.Errorf("Basic authorization: got %d, want 401", rp.status)
	}
	if rp := tm.req(cred{}, "GET", "/api/incidents", "", "Cookie", sessionCookie+"=forged"); rp.status != 200 {
		t.Errorf("a forged session cookie in public mode: got %d, want 200 as nobody", rp.status)
	}
	var none []model.Incident
	_ = none
}

// TestTeamOpenAPI checks the team API's answers against the OpenAPI
// document with the same validator as the rest of the API.
func TestTeamOpenAPI(t *testing.T) {
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	a := newAPI(t, st)
	tm := &team{t: t, st: st, ts: st.(TeamStore), clock: &clock{t: demoTime}}
	tm.user("olga", store.RoleAdmin, "olga's long password")
	tok := tm.token(store.RoleAdmin).token
	auth := []string{"Authorization", "Bearer " + tok}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/me", 200}, {"/api/report/challenge", 200}, {"/api/reports", 200}, {"/api/reports?state=all&limit=5", 200},
		{"/api/reports?state=lost", 400}, {"/api/reports/7", 404}, {"/api/feeds", 200}, {"/api/alert-rules", 200},
		{"/api/users", 200}, {"/api/tokens", 200}, {"/api/audit", 200}, {"/api/audit?since=x", 400},
	} {
		if got := a.get(tc.path, auth...); got.status != tc.status {
			t.Errorf("GET %s: got %d %s, want %d", tc.path, got.status, got.body, tc.status)
		}
	}
	if got := a.get("/api/users"); got.status != 401 {
		t.Errorf("GET /api/users without a token: got %d, want 401", got.status)
	}
}
