package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// cookieOf returns the value of a cookie an answer sets, and the cookie.
func cookieOf(rp reply, name string) (*http.Cookie, bool) {
	for _, c := range (&http.Response{Header: rp.header}).Cookies() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// anon loads an anonymous form page and returns a cred that carries its
// form cookie and token (in the form, not the header).
func (tm *team) anon(path string) (formCookie, csrf string) {
	tm.t.Helper()
	rp := tm.req(cred{}, "GET", path, "")
	c, ok := cookieOf(rp, "vigil_form")
	m := csrfRE.FindStringSubmatch(rp.body)
	if rp.status != 200 || !ok || m == nil {
		tm.t.Fatalf("GET %s: got %d, form cookie %v, token %v; want 200 with both", path, rp.status, ok, m != nil)
	}
	return c.Value, m[1]
}

// login posts the login form as a browser would and returns the answer.
func (tm *team) login(name, pw string, extra ...string) reply {
	tm.t.Helper()
	fc, csrf := tm.anon("/login")
	h := append([]string{"Cookie", "vigil_form=" + fc}, extra...)
	return tm.req(cred{}, "POST", "/login", form("csrf", csrf, "name", name, "password", pw, "next", "/admin"), h...)
}

// auditOf lists the audit entries of an action.
func (tm *team) auditOf(action string) []store.AuditEntry {
	tm.t.Helper()
	var out []store.AuditEntry
	if err := tm.ts.Audit(context.Background(), store.AuditFilter{Action: action}, func(e store.AuditEntry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		tm.t.Fatal(err)
	}
	return out
}

// me asks who a session cookie is.
func (tm *team) me(cookie string) meAnswer {
	tm.t.Helper()
	rp := tm.req(cred{cookie: cookie}, "GET", "/api/me", "")
	var m meAnswer
	if err := json.Unmarshal([]byte(rp.body), &m); err != nil {
		tm.t.Fatalf("/api/me: %d %q: %v", rp.status, rp.body, err)
	}
	return m
}

func TestLogin(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			tm := newTeam(t, open(t), Config{})
			u := tm.user("alice", store.RoleAdmin, "correct horse battery")

			rp := tm.login("alice", "wrong password")
			if rp.status != http.StatusUnauthorized || !strings.Contains(rp.body, "Wrong name or password") {
				t.Errorf("wrong password: got %d, want 401 saying so", rp.status)
			}
			if _, ok := cookieOf(rp, sessionCookie); ok {
				t.Errorf("wrong password: a session cookie was set")
			}
			if f := tm.auditOf("login.failed"); len(f) != 1 || f[0].Target != "alice" || f[0].Actor != "public" {
				t.Errorf("audit after a failed login: got %+v, want one login.failed of alice by public", f)
			}

			// A session the attacker knows, planted in the browser before
			// the login (session fixation), must not survive it.
			planted := tm.session(u)
			rp = tm.login("alice", "correct horse battery", "Cookie", "vigil_form=x; vigil_session="+planted.cookie)
			if rp.status != http.StatusForbidden {
				t.Errorf("login with a form cookie that does not match its token: got %d, want 403", rp.status)
			}
			fc, csrf := tm.anon("/login")
			rp = tm.req(cred{}, "POST", "/login", form("csrf", csrf, "name", "alice", "password", "correct horse battery", "next", "/admin"),
				"Cookie", "vigil_form="+fc+"; "+sessionCookie+"="+planted.cookie)
			c, ok := cookieOf(rp, sessionCookie)
			if rp.status != http.StatusSeeOther || rp.header.Get("Location") != "/admin" || !ok {
				t.Fatalf("login: got %d to %q (cookie %v), want 303 to /admin with a session cookie", rp.status, rp.header.Get("Location"), ok)
			}
			secret(c.Value)
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge <= 0 {
				t.Errorf("session cookie: HttpOnly %v Secure %v SameSite %v Path %q MaxAge %d, want HttpOnly, Secure, Strict, /, an expiry",
					c.HttpOnly, c.Secure, c.SameSite, c.Path, c.MaxAge)
			}
			if c.Value == planted.cookie {
				t.Errorf("login kept the session id the browser came with (session fixation)")
			}
			if m := tm.me(planted.cookie); m.Actor != "" {
				t.Errorf("the planted session after login: still %q, want ended", m.Actor)
			}
			m := tm.me(c.Value)
			if m.Actor != "user:alice" || m.Role != "admin" || m.CSRF == "" {
				t.Errorf("/api/me with the new session: got %+v, want user:alice, admin, a CSRF token", m)
			}
			secret(m.CSRF)
			if l := tm.auditOf("login"); len(l) != 1 || l[0].Actor != "user:alice" {
				t.Errorf("audit after a login: got %+v, want one login by user:alice", l)
			}

			// Logged in, every read works; the session runs out.
			sess := cred{role: store.RoleAdmin, cookie: c.Value, csrf: m.CSRF}
			if rp := tm.req(sess, "GET", "/api/incidents", ""); rp.status != 200 {
				t.Errorf("GET /api/incidents logged in: got %d", rp.status)
			}
			tm.clock.add(13 * time.Hour)
			if rp := tm.req(sess, "GET", "/api/incidents", ""); rp.status != http.StatusUnauthorized {
				t.Errorf("GET /api/incidents after the session expired: got %d, want 401", rp.status)
			}
			if rp := tm.req(sess, "GET", "/admin", ""); rp.status != http.StatusSeeOther || !strings.HasPrefix(rp.header.Get("Location"), "/login?next=%2Fadmin") {
				t.Errorf("GET /admin after the session expired: got %d to %q, want the login page", rp.status, rp.header.Get("Location"))
			}

			// Logout ends the session (with its CSRF token only).
			s2 := tm.session(u)
			if rp := tm.req(s2, "POST", "/logout", "", "X-CSRF-Token", ""); rp.status != http.StatusForbidden {
				t.Errorf("logout without CSRF token: got %d, want 403", rp.status)
			}
			rp = tm.req(s2, "POST", "/logout", "")
			if rp.status != http.StatusSeeOther || tm.me(s2.cookie).Actor != "" {
				t.Errorf("logout: got %d, session still %q; want 303 and the session ended", rp.status, tm.me(s2.cookie).Actor)
			}
			if c, ok := cookieOf(rp, sessionCookie); !ok || c.MaxAge >= 0 {
				t.Errorf("logout: the cookie is not cleared")
			}

			// A next outside the site is not followed.
			fc, csrf = tm.anon("/login")
			rp = tm.req(cred{}, "POST", "/login", form("csrf", csrf, "name", "alice", "password", "correct horse battery", "next", "//evil.example/x"),
				"Cookie", "vigil_form="+fc)
			if rp.header.Get("Location") != "/" {
				t.Errorf("login with next=//evil.example: redirected to %q, want /", rp.header.Get("Location"))
			}
		})
	}
}

func TestLoginThrottle(t *testing.T) {
	st := backends(t)["sqlite"](t)
	tm := newTeam(t, st, Config{})
	tm.user("bob", store.RoleViewer, "bob's long password")
	for i := range 5 {
		if rp := tm.login("bob", fmt.Sprintf("guess %d", i)); rp.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: got %d, want 401", i, rp.status)
		}
	}
	rp := tm.login("bob", "bob's long password")
	if rp.status != http.StatusTooManyRequests || rp.header.Get("Retry-After") == "" {
		t.Fatalf("the right password after 5 failures: got %d (Retry-After %q), want 429 with Retry-After", rp.status, rp.header.Get("Retry-After"))
	}
	if got := len(tm.auditOf("login.failed")); got != 6 {
		t.Errorf("audit: %d login.failed entries, want 6 (5 wrong, 1 throttled)", got)
	}
	// The wait doubles with each further failure.
	wait, _ := strconv.Atoi(rp.header.Get("Retry-After"))
	tm.clock.add(time.Duration(wait) * time.Second)
	if rp := tm.login("bob", "guess again"); rp.status != http.StatusUnauthorized {
		t.Errorf("a wrong password after the wait: got %d, want 401", rp.status)
	}
	rp = tm.login("bob", "bob's long password")
	if w2, _ := strconv.Atoi(rp.header.Get("Retry-After")); rp.status != http.StatusTooManyRequests || w2 < 2*wait-1 {
		t.Errorf("after a 6th failure: got %d, Retry-After %d, want 429 and at least %d", rp.status, w2, 2*wait)
	}
	tm.clock.add(time.Minute)
	if rp := tm.login("bob", "bob's long password"); rp.status != http.StatusSeeOther {
		t.Errorf("the right password after the wait: got %d, want 303", rp.status)
	}
	// Per address: many names guessed from one address slow them all.
	for i := range 5 {
		tm.login(fmt.Sprintf("nobody%d", i), "x")
	}
	if rp := tm.login("bob", "bob's long password"); rp.status != http.StatusTooManyRequests {
		t.Errorf("after 5 failures on other names from the same address: got %d, want 429", rp.status)
	}
	for _, e := range tm.auditOf("login.failed") {
		if strings.HasPrefix(e.Target, "nobody") {
			t.Errorf("audit names %q, which is no account (it could be a password typed in the wrong field)", e.Target)
		}
	}
	// Addresses are forgotten once their wait and window have passed.
	tm.clock.add(2 * time.Hour)
	if n := tm.s.logins.size(tm.clock.now()); n != 0 {
		t.Errorf("throttle after two quiet hours: %d keys remembered, want 0", n)
	}
}

func TestCSRF(t *testing.T) {
	st := backends(t)["sqlite"](t)
	tm := newTeam(t, st, Config{})
	a := tm.session(tm.user("ann", store.RoleAnalyst, "ann's long password"))
	feed := func(n int) string { return fmt.Sprintf(`{"url":"https://example.org/%d.xml","name":"f%d"}`, n, n) }
	cases := []struct {
		name    string
		c       cred
		headers []string
		status  int
		says    string
	}{
		{"no token", a, []string{"X-CSRF-Token", ""}, 403, "CSRF"},
		{"wrong token", a, []string{"X-CSRF-Token", "not-the-token"}, 403, "CSRF"},
		{"another session's token", a, []string{"X-CSRF-Token", tm.session(tm.user("zed", store.RoleAnalyst, "zed's long password")).csrf}, 403, "CSRF"},
		{"cross-site origin", a, []string{"Origin", "http://evil.example"}, 403, "cross-site"},
		{"cross-site fetch", a, []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross-site"},
		{"right token", a, nil, 201, `"name":"f`},
		{"same-origin fetch", a, []string{"Sec-Fetch-Site", "same-origin"}, 201, `"name":"f`},
		{"bearer token needs none", tm.token(store.RoleAnalyst), nil, 201, `"name":"f`},
	}
	for i, tc := range cases {
		rp := tm.req(tc.c, "POST", "/api/feeds", feed(i), tc.headers...)
		if rp.status != tc.status || !strings.Contains(rp.body, tc.says) {
			t.Errorf("%s: got %d %q, want %d saying %q", tc.name, rp.status, clip(rp.body), tc.status, tc.says)
		}
	}
	// A form carries the token in a field; a cross-site form post has
	// no cookie (SameSite=Strict) and no token, and is refused.
	adm := tm.session(tm.user("root", store.RoleAdmin, "root's long password"))
	if rp := tm.req(adm, "POST", "/admin/tokens", form("csrf", adm.csrf, "name", "ci", "role", "viewer"), "X-CSRF-Token", ""); rp.status != 200 || !strings.Contains(rp.body, "vgl_") {
		t.Errorf("admin form with its token: got %d, want 200 showing the token", rp.status)
	} else {
		secret(regexp.MustCompile(`vgl_[A-Za-z0-9_-]+`).FindString(rp.body))
	}
	if rp := tm.req(adm, "POST", "/admin/tokens", form("csrf", "forged", "name", "ci2", "role", "admin"), "X-CSRF-Token", ""); rp.status != 403 {
		t.Errorf("admin form with a forged token: got %d, want 403", rp.status)
	}
	if rp := tm.req(cred{}, "POST", "/admin/tokens", form("name", "ci3", "role", "admin"), "Origin", "http://evil.example"); rp.status != 403 && rp.status != 401 {
		t.Errorf("cross-site form post without cookie: got %d, want 401 or 403", rp.status)
	}
	ts, _ := tm.ts.Tokens(context.Background())
	for _, tok := range ts {
		if tok.Name == "ci2" || tok.Name == "ci3" {
			t.Errorf("a refused form made token %s", tok.Name)
		}
	}
}

// solve finds a nonce for a proof-of-work challenge, as report.js does.
func solve(t *testing.T, ch string, bits int) string {
	for n := 0; n < 1<<26; n++ {
		s := strconv.Itoa(n)
		sum := sha256.Sum256([]byte(ch + ":" + s))
		if leadingZeroBits(sum[:]) >= bits {
			return s
		}
	}
	t.Fatal("no nonce found")
	return ""
}

// challengeFor asks the server for a challenge and solves it.
func (tm *team) challengeFor() (string, string) {
	tm.t.Helper()
	var c challengeAnswer
	rp := tm.req(cred{}, "GET", "/api/report/challenge", "")
	if err := json.Unmarshal([]byte(rp.body), &c); err != nil || c.Bits != tm.s.cfg.PowBits {
		tm.t.Fatalf("challenge: %d %q: %v", rp.status, rp.body, err)
	}
	return c.Challenge, solve(tm.t, c.Challenge, c.Bits)
}

// report sends the report form as a browser that solved the challenge.
func (tm *team) report(fields ...string) reply {
	tm.t.Helper()
	fc, csrf := tm.anon("/report")
	ch, nonce := tm.challengeFor()
	kv := append([]string{"csrf", csrf, "pow_challenge", ch, "pow_nonce", nonce}, fields...)
	return tm.req(cred{}, "POST", "/report", form(kv...), "Cookie", "vigil_form="+fc)
}

func TestPowCheck(t *testing.T) {
	st := backends(t)["sqlite"](t)
	tm := newTeam(t, st, Config{PowBits: 12})
	ch, nonce := tm.challengeFor()
	bad := solve(t, ch, 0)
	for bad == nonce || func() bool { s := sha256.Sum256([]byte(ch + ":" + bad)); return leadingZeroBits(s[:]) >= 12 }() {
		n, _ := strconv.Atoi(bad)
		bad = strconv.Itoa(n + 1)
	}
	parts := strings.Split(ch, ".")
	forged := "1." + parts[1] + "." + parts[2] + "." + parts[3]
	cases := []struct {
		ch, nonce, says string
	}{
		{"", "", "no proof"},
		{ch, bad, "wrong answer"},
		{forged, solve(t, forged, 1), "not our challenge"},
		{ch, nonce, ""},
		{ch, nonce, "already used"},
	}
	for _, tc := range cases {
		err := tm.s.checkPow(tc.ch, tc.nonce)
		if (err == nil) != (tc.says == "") || (err != nil && !strings.Contains(err.Error(), tc.says)) {
			t.Errorf("checkPow(%.20q, %q): got %v, want %q", tc.ch, tc.nonce, err, tc.says)
		}
	}
	ch2, nonce2 := tm.challengeFor()
	tm.clock.add(powTTL + time.Second)
	if err := tm.s.checkPow(ch2, nonce2); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired challenge: got %v, want expired", err)
	}
}

func TestReportForm(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			tm := newTeam(t, st, Config{Public: true})
			ctx := context.Background()
			contact := secret("signal +98 900 000 0000")
			rp := tm.report("what", "Two explosions near the Martyrs' Cemetery during the Soleimani anniversary procession, many killed.",
				"place", "Kerman", "when", "2024-01-03", "link", "https://example.org/kerman", "contact", contact)
			if rp.status != http.StatusCreated || !strings.Contains(rp.body, "received") {
				t.Fatalf("report: got %d %s, want 201 thanking", rp.status, clip(rp.body))
			}
			reps, err := tm.ts.PublicReports(ctx, store.ReportPending, 10)
			if err != nil || len(reps) != 1 || reps[0].Place != "Kerman" || reps[0].When != "2024-01-03" || !reps[0].HasContact {
				t.Fatalf("pending reports: got %+v (%v), want the Kerman report with a contact", reps, err)
			}
			if a := tm.auditOf("report.add"); len(a) != 1 || a[0].Actor != "public" || a[0].Target != reportTarget(reps[0].ID) {
				t.Errorf("audit of the report: got %+v", a)
			}
			// The form speaks Persian to who asks for it.
			for _, h := range [][]string{{"Accept-Language", "fa-IR,fa;q=0.9"}, nil} {
				path := "/report"
				if h == nil {
					path += "?lang=fa"
				}
				rp := tm.req(cred{}, "GET", path, "", h...)
				if !strings.Contains(rp.body, `dir="rtl"`) || !strings.Contains(rp.body, "گزارش یک رویداد") {
					t.Errorf("GET %s %v: not the Persian form", path, h)
				}
			}
			// The honeypot: thanked, nothing kept.
			if rp := tm.report("what", "buy pills", "place", "x", "website", "http://spam.example"); rp.status != 200 {
				t.Errorf("honeypot: got %d, want 200", rp.status)
			}
			// Field errors name their field.
			rp = tm.report("what", "", "lat", "91", "lon", "", "when", "2024-02-30", "link", "javascript:alert(1)")
			for _, want := range []string{"what happened: required", "give both latitude and longitude", "when", "link: want an http"} {
				if rp.status != 400 || !strings.Contains(rp.body, want) {
					t.Errorf("a bad report: got %d, want 400 saying %q", rp.status, want)
				}
			}
			// Without the proof of work or the form token: refused.
			fc, csrf := tm.anon("/report")
			if rp := tm.req(cred{}, "POST", "/report", form("csrf", csrf, "what", "x", "place", "y"), "Cookie", "vigil_form="+fc); rp.status != 400 || !strings.Contains(rp.body, "proof of work") {
				t.Errorf("no proof of work: got %d, want 400", rp.status)
			}
			rp = tm.report("what", "", "place", "x")
			if rp := tm.req(cred{}, "POST", "/report", form("what", "x", "place", "y")); rp.status != 403 {
				t.Errorf("no form token: got %d, want 403", rp.status)
			}
			// The rate limit: 5 a window per address, then 429; the
			// address is forgotten when the window has passed.
			if rp := tm.report("what", "one too many", "place", "Tehran"); rp.status != http.StatusTooManyRequests || rp.header.Get("Retry-After") == "" {
				t.Errorf("6th report in the window: got %d, want 429 with Retry-After", rp.status)
			}
			tm.clock.add(reportWindow + time.Second)
			if rp := tm.report("what", "later", "place", "Tehran", "lat", "35.7", "lon", "51.4"); rp.status != http.StatusCreated {
				t.Errorf("a report after the window: got %d, want 201", rp.status)
			}
			tm.clock.add(reportWindow + 2*time.Second)
			tm.s.reports.allow("sweep", tm.clock.now())
			if n := tm.s.reports.size(); n != 1 {
				t.Errorf("rate limiter after the window: %d addresses remembered, want only the one just seen", n)
			}

			// The queue: analysts see reports, never the contact.
			an := tm.session(tm.user("mod", store.RoleAnalyst, "moderator's long password"))
			adm := tm.session(tm.user("adm", store.RoleAdmin, "admin's long password"))
			for _, path := range []string{"/api/reports", "/api/reports?state=all", fmt.Sprintf("/api/reports/%d", reps[0].ID), "/moderation", "/api/export.csv", "/api/incidents"} {
				rp := tm.req(an, "GET", path, "")
				if rp.status != 200 || strings.Contains(rp.body, "900 000 0000") {
					t.Errorf("GET %s as analyst: got %d; contact shown %v, want 200 without it", path, rp.status, strings.Contains(rp.body, contact))
				}
			}
			if rp := tm.req(adm, "GET", "/moderation", ""); !strings.Contains(rp.body, "98 900 000 0000") {
				t.Errorf("moderation page as admin: the contact is not shown")
			}
			if rp := tm.req(adm, "GET", "/api/reports?state=all", ""); strings.Contains(rp.body, "900 000 0000") {
				t.Errorf("the API shows the contact, even to an admin")
			}

			// Approval: the report becomes a claim of source "public" and
			// joins the demo's Kerman incident through fusion.
			rp = tm.req(an, "POST", fmt.Sprintf("/api/reports/%d/approve", reps[0].ID), `{"note":"matches the wire reports"}`)
			var res moderationResult
			if err := json.Unmarshal([]byte(rp.body), &res); rp.status != 200 || err != nil {
				t.Fatalf("approve: got %d %s", rp.status, clip(rp.body))
			}
			if res.Report.State != store.ReportApproved || res.Report.ClaimRef != reportTarget(reps[0].ID) || res.Report.By != "user:mod" || res.Incident == "" {
				t.Errorf("approve: got %+v, want approved by user:mod with its claim ref and incident", res)
			}
			claims, err := st.Claims(ctx, res.Incident)
			if err != nil {
				t.Fatal(err)
			}
			var sources []string
			for _, c := range claims {
				sources = append(sources, c.Source)
			}
			if !strings.Contains(strings.Join(sources, ","), "public") || len(claims) < 2 {
				t.Errorf("incident %s after approval: claims of %v, want the public claim beside the demo's", res.Incident, sources)
			}
			inc, _ := st.Incident(ctx, res.Incident)
			if inc.Place == "" || !strings.Contains(inc.Admin1+inc.Place, "Kerman") {
				t.Errorf("the report joined %s (%s, %s), want the Kerman bombing", res.Incident, inc.Place, inc.Admin1)
			}
			if a := tm.auditOf("report.approve"); len(a) != 1 || a[0].Actor != "user:mod" || !strings.Contains(string(a[0].Details), res.Incident) {
				t.Errorf("audit of the approval: got %+v", a)
			}
			if f := tm.auditOf("fuse"); len(f) != 1 || f[0].Actor != "user:mod" {
				t.Errorf("audit of the fusion run of the approval: got %+v, want one by user:mod", f)
			}
			// The approval's import and fusion are in the server's metrics.
			m := tm.req(an, "GET", "/metrics", "").body
			if !strings.Contains(m, `vigil_import_rows_total{kind="public",outcome="new"} 1`+"\n") ||
				!regexp.MustCompile(`(?m)^vigil_fuse_claims_total [1-9]`).MatchString(m) {
				t.Errorf("/metrics after the approval: the public report's import and fusion are missing")
			}
			if rp := tm.req(an, "POST", fmt.Sprintf("/api/reports/%d/approve", reps[0].ID), ""); rp.status != http.StatusConflict {
				t.Errorf("approving twice: got %d, want 409", rp.status)
			}
			// Duplicate and reject, through the page's forms.
			later, _ := tm.ts.PublicReports(ctx, store.ReportPending, 10)
			if len(later) != 1 {
				t.Fatalf("pending after approval: %d, want 1", len(later))
			}
			path := fmt.Sprintf("/moderation/%d", later[0].ID)
			if rp := tm.req(an, "POST", path, form("csrf", an.csrf, "decision", "duplicate")); rp.status != 400 || !strings.Contains(rp.body, "duplicate_of") {
				t.Errorf("duplicate without an incident: got %d, want 400 naming duplicate_of", rp.status)
			}
			if rp := tm.req(an, "POST", path, form("csrf", an.csrf, "decision", "duplicate", "duplicate_of", res.Incident, "note", "same")); rp.status != 200 || !strings.Contains(rp.body, "duplicate") {
				t.Errorf("duplicate: got %d %s", rp.status, clip(rp.body))
			}
			got, _ := tm.ts.PublicReport(ctx, later[0].ID)
			if got.State != store.ReportDuplicate || got.DuplicateOf != res.Incident {
				t.Errorf("after duplicate: %+v", got.Moderation)
			}
		})
	}
}
