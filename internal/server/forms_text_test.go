package server

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

var tagRE = regexp.MustCompile(`<[^>]*>`)

// visibleText is the text a reader of a page reads as prose: no tags or
// attributes, no code (tokens, the audit's JSON details), no title.
func visibleText(html string) string {
	html = regexp.MustCompile(`(?s)<code[^>]*>.*?</code>|<title>.*?</title>`).ReplaceAllString(html, " ")
	return tagRE.ReplaceAllString(html, " ")
}

func TestPersianTeamPages(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			tm := newTeam(t, st, Config{})
			root := tm.user("root", store.RoleAdmin, "root's long password")
			adm := tm.session(root)
			fa := []string{"Accept-Language", "fa-IR,fa;q=0.9,en;q=0.5"}

			// The login page, by Accept-Language and by ?lang=fa.
			for _, c := range []struct {
				path string
				h    []string
			}{{"/login", fa}, {"/login?lang=fa", nil}} {
				rp := tm.req(cred{}, "GET", c.path, "", c.h...)
				for _, want := range []string{`lang="fa" dir="rtl"`, ">ورود</h1>", "گذرواژه", `action="/login?lang=fa"`} {
					if !strings.Contains(rp.body, want) {
						t.Errorf("GET %s %v: %q missing", c.path, c.h, want)
					}
				}
				if strings.Contains(rp.body, "Password") {
					t.Errorf("GET %s: English left on the Persian login page", c.path)
				}
			}
			// The English page stays English.
			if rp := tm.req(cred{}, "GET", "/login", "", "Accept-Language", "en-GB"); !strings.Contains(rp.body, `dir="ltr"`) || !strings.Contains(rp.body, "Password") {
				t.Errorf("English login page: %.300s", rp.body)
			}
			// Asked for in Persian, the way to a team page and back stays
			// in Persian: the redirect to the login, and after it.
			if rp := tm.req(cred{}, "GET", "/admin?lang=fa", ""); rp.status != http.StatusSeeOther || rp.header.Get("Location") != "/login?next=%2Fadmin%3Flang%3Dfa&lang=fa" {
				t.Errorf("GET /admin?lang=fa logged out: got %d to %q, want the Persian login", rp.status, rp.header.Get("Location"))
			}
			for next, want := range map[string]string{"/moderation": "/moderation?lang=fa", "/admin?since=2024-01-01": "/admin?since=2024-01-01&lang=fa", "/alerts?lang=en": "/alerts?lang=en"} {
				fc, csrf := tm.anon("/login?lang=fa")
				rp := tm.req(cred{}, "POST", "/login?lang=fa", form("csrf", csrf, "name", "root", "password", "root's long password", "next", next), "Cookie", "vigil_form="+fc)
				if rp.status != http.StatusSeeOther || rp.header.Get("Location") != want {
					t.Errorf("Persian login to %s: got %d to %q, want %q", next, rp.status, rp.header.Get("Location"), want)
				}
			}
			// A wrong password, in Persian.
			fc, csrf := tm.anon("/login?lang=fa")
			rp := tm.req(cred{}, "POST", "/login?lang=fa", form("csrf", csrf, "name", "root", "password", "wrong"), "Cookie", "vigil_form="+fc)
			if rp.status != http.StatusUnauthorized || !strings.Contains(rp.body, "نام یا گذرواژه نادرست است") {
				t.Errorf("wrong password in Persian: got %d %.400s", rp.status, rp.body)
			}

			// A report with a date and a point, then the moderation page.
			ctx := context.Background()
			lat, lon := 30.28, 57.08
			rep, err := tm.ts.AddPublicReport(ctx, store.PublicReport{Received: time.Date(2024, 1, 3, 14, 5, 0, 0, time.UTC),
				What: "explosion near the cemetery", Place: "Kerman", When: "2024-01-03", Lat: &lat, Lon: &lon}, "")
			if err != nil {
				t.Fatal(err)
			}
			rp = tm.req(adm, "GET", "/moderation?lang=fa", "")
			for _, want := range []string{`dir="rtl"`, "بررسی گزارش‌ها", "۱۳ دی ۱۴۰۲", "۱۴:۰۵", "۳۰٫۲۸", "پذیرفتن", "گزارش " + localDigits("fa", rep.ID), "(مدیر)"} {
				if !strings.Contains(rp.body, want) {
					t.Errorf("Persian moderation page: %q missing", want)
				}
			}
			for _, bad := range []string{"2024", "Approve", "Pending"} {
				if strings.Contains(visibleText(rp.body), bad) {
					t.Errorf("Persian moderation page shows %q", bad)
				}
			}
			// Approve from the Persian page: the answer says so in Persian.
			rp = tm.req(adm, "POST", "/moderation/"+localDigits("en", rep.ID)+"?lang=fa", form("csrf", adm.csrf, "decision", "approve"), "X-CSRF-Token", "")
			if rp.status != 200 || !strings.Contains(rp.body, "پذیرفته") || !strings.Contains(rp.body, `dir="rtl"`) {
				t.Errorf("approve from the Persian page: got %d %.600s", rp.status, rp.body)
			}
			// Deciding again: the store's refusal, in Persian, naming the report.
			rp = tm.req(adm, "POST", "/moderation/"+localDigits("en", rep.ID)+"?lang=fa", form("csrf", adm.csrf, "decision", "approve"), "X-CSRF-Token", "")
			if rp.status != http.StatusConflict || !strings.Contains(rp.body, "تصمیم گرفته شده") || !strings.Contains(rp.body, "گزارش "+localDigits("fa", rep.ID)) {
				t.Errorf("decided twice, Persian: got %d %.600s", rp.status, rp.body)
			}

			// The admin page: Persian, Solar Hijri dates, the lang
			// parameter not taken for an audit filter.
			rp = tm.req(adm, "GET", "/admin?lang=fa", "")
			for _, want := range []string{`dir="rtl"`, "حساب‌ها", "۱۶ دی ۱۴۰۲", "گزارش رویدادهای سامانه", `name="lang" value="fa"`} {
				if rp.status != 200 || !strings.Contains(rp.body, want) {
					t.Errorf("Persian admin page (%d): %q missing", rp.status, want)
				}
			}
			if strings.Contains(visibleText(rp.body), "Accounts") {
				t.Errorf("Persian admin page shows English headings")
			}
			rp = tm.req(adm, "POST", "/admin/users?lang=fa", form("csrf", adm.csrf, "name", "ROOT", "role", "viewer", "password", "a long enough password"), "X-CSRF-Token", "")
			if rp.status != http.StatusConflict || !strings.Contains(rp.body, "شبیه حساب موجود است") || !strings.Contains(rp.body, "ROOT") {
				t.Errorf("a look-alike name from the Persian admin page: got %d %.500s", rp.status, rp.body)
			}
			rp = tm.req(adm, "POST", "/admin/users?lang=fa", form("csrf", adm.csrf, "name", "dave", "role", "viewer", "password", "short"), "X-CSRF-Token", "")
			if rp.status != http.StatusBadRequest || !strings.Contains(rp.body, "password: گذرواژه 5 نویسه دارد") {
				t.Errorf("a short password from the Persian admin page: got %d %.500s", rp.status, rp.body)
			}
			rp = tm.req(adm, "POST", "/admin/users?lang=fa", form("csrf", adm.csrf, "name", "مریم", "role", "analyst", "password", "a long enough password"), "X-CSRF-Token", "")
			if rp.status != 200 || !strings.Contains(rp.body, "حساب مریم (تحلیلگر) افزوده شد") {
				t.Errorf("add a Persian account: got %d %.500s", rp.status, rp.body)
			}
			// The new account is on the page at once: admin pages are
			// never served from the answer cache.
			if rp := tm.req(adm, "GET", "/admin?lang=fa", ""); !strings.Contains(rp.body, "<bdi>مریم</bdi>") || rp.header.Get("ETag") != "" || !strings.Contains(rp.header.Get("Cache-Control"), "no-store") {
				t.Errorf("admin page after a team change: mariam listed %v, ETag %q, Cache-Control %q", strings.Contains(rp.body, "مریم"), rp.header.Get("ETag"), rp.header.Get("Cache-Control"))
			}
		})
	}
}

func TestPersianReportErrors(t *testing.T) {
	st := backends(t)["sqlite"](t)
	tm := newTeam(t, st, Config{})
	fc, csrf := tm.anon("/report?lang=fa")
	ch, nonce := tm.challengeFor()
	rp := tm.req(cred{}, "POST", "/report?lang=fa", form("csrf", csrf, "pow_challenge", ch, "pow_nonce", nonce,
		"what", "", "lat", "۹۱", "lon", "۵۷", "when", "۱۴۰۲-۱۰-۱۳", "link", "javascript:alert(1)"), "Cookie", "vigil_form="+fc)
	if rp.status != http.StatusBadRequest {
		t.Fatalf("a bad Persian report: got %d, want 400", rp.status)
	}
	// Each error in Persian, naming its field by its label.
	for _, want := range []string{"«چه اتفاقی افتاد»: لازم است", "«عرض جغرافیایی» «۹۱»", "«پیوند»: نشانی http یا https لازم است", "«چه زمانی»", `dir="rtl"`} {
		if !strings.Contains(rp.body, want) {
			t.Errorf("Persian report errors: %q missing in %.1500s", want, rp.body)
		}
	}
	if text := visibleText(rp.body); strings.Contains(text, "required") || strings.Contains(text, "want an http") {
		t.Errorf("Persian report errors: English left")
	}
	// Persian digits are read: a point and a date typed on a Persian
	// keyboard are accepted.
	fc, csrf = tm.anon("/report?lang=fa")
	ch, nonce = tm.challengeFor()
	rp = tm.req(cred{}, "POST", "/report?lang=fa", form("csrf", csrf, "pow_challenge", ch, "pow_nonce", nonce,
		"what", "انفجار", "lat", "۳۰٫۲۸", "lon", "۵۷٫۰۸", "when", "۲۰۲۴-۰۱-۰۳"), "Cookie", "vigil_form="+fc)
	if rp.status != http.StatusCreated || !strings.Contains(rp.body, "سپاس") {
		t.Fatalf("a report in Persian digits: got %d %.800s", rp.status, rp.body)
	}
	reps, err := tm.ts.PublicReports(context.Background(), store.ReportPending, 10)
	if err != nil || len(reps) != 1 || reps[0].When != "2024-01-03" || reps[0].Lat == nil || *reps[0].Lat != 30.28 || *reps[0].Lon != 57.08 {
		t.Errorf("stored report: got %+v (%v), want 2024-01-03 at 30.28, 57.08", reps, err)
	}
}

func TestSay(t *testing.T) {
	for _, tc := range []struct {
		l, key string
		args   []any
		want   string
	}{
		{"en", "report_decided", []any{int64(12), "approved"}, "Report 12: approved."},
		{"fa", "report_decided", []any{int64(12), "پذیرفته"}, "گزارش ۱۲: پذیرفته."},
		{"en", "token_made", []any{int64(3), "ci", "viewer"}, "Token 3 (ci, viewer) made."},
		{"fa", "throttled", []any{15}, "تلاش‌های ناموفق بسیار: ۱۵ ثانیه صبر کنید و دوباره بکوشید."},
		{"fa", "user_changed", []any{"maria.k-2"}, "حساب maria.k-2 تغییر کرد."}, // a name keeps its characters
	} {
		if got := say(tc.l, tc.key, tc.args...); got != tc.want {
			t.Errorf("say(%s, %s): got %q, want %q", tc.l, tc.key, got, tc.want)
		}
	}
}

func TestReportErrorTable(t *testing.T) {
	for _, tc := range []struct {
		l, key string
		args   []any
		want   string
	}{
		{"en", "too_long", []any{"what", 4001, 4000}, "what happened: 4001 characters, at most 4000"},
		{"fa", "too_long", []any{"what", 4001, 4000}, "«چه اتفاقی افتاد»: ۴۰۰۱ نویسه، حداکثر ۴۰۰۰"},
		{"fa", "not_text", []any{"contact"}, "«راه تماس»: متن معتبر نیست"},
		{"en", "bad_lat", []any{"91"}, `latitude "91": want a number from -90 to 90`},
		{"fa", "too_many", []any{7}, "گزارش‌های بسیار از این نشانی: ۷ دقیقه صبر کنید و دوباره بفرستید."},
	} {
		if got := reportError(tc.l, tc.key, tc.args...); got != tc.want {
			t.Errorf("reportError(%s, %s): got %q, want %q", tc.l, tc.key, got, tc.want)
		}
	}
	// Every message exists in both languages, and every key of the team
	// pages too.
	for k, m := range reportErrors {
		if m[0] == "" || m[1] == "" {
			t.Errorf("reportErrors[%s]: a language missing", k)
		}
	}
	for k := range teamTexts["en"] {
		if teamTexts["fa"][k] == "" {
			t.Errorf("teamTexts: %s has no Persian", k)
		}
	}
	// The team's words and the report form's share one map on a page:
	// a key in both would hide one of them.
	for k := range teamTexts["en"] {
		if _, ok := formTexts["en"][k]; ok {
			t.Errorf("teamTexts and formTexts both have %s", k)
		}
	}
	for k := range teamTexts["fa"] {
		if teamTexts["en"][k] == "" {
			t.Errorf("teamTexts: %s has no English", k)
		}
	}
}

// TestTeamRoutesUncached: every GET that needs an analyst or an admin is
// answered without an ETag and with no-store, so that no cache (ours,
// keyed by a store generation that team changes do not move, or a
// browser's) can serve it stale after a change of accounts, tokens or
// reports.
func TestTeamRoutesUncached(t *testing.T) {
	st := backends(t)["sqlite"](t)
	tm := newTeam(t, st, Config{})
	adm := tm.session(tm.user("root", store.RoleAdmin, "root's long password"))
	n := 0
	for pattern, need := range routeTable {
		if !strings.HasPrefix(pattern, "GET ") || need < accessAnalyst {
			continue
		}
		_, path, _ := sample(pattern, "i-none")
		for range 2 {
			rp := tm.req(adm, "GET", path, "")
			if rp.header.Get("ETag") != "" || !strings.Contains(rp.header.Get("Cache-Control"), "no-store") {
				t.Errorf("GET %s: ETag %q, Cache-Control %q; want none and no-store", path, rp.header.Get("ETag"), rp.header.Get("Cache-Control"))
			}
		}
		n++
	}
	if n < 6 {
		t.Errorf("%d team GET routes checked, want every one (at least 6)", n)
	}
}
