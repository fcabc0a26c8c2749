package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// solarHijri matches a Solar Hijri date as the Persian pages write it:
// "۱۳ دی ۱۴۰۲".
const solarHijri = `/[۰-۹]+ (فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند) [۰-۹]{4}/`

// TestBrowserPersianTeam: a Persian-speaking team works in Persian from
// login to approval, chosen by the browser's language alone. An admin
// with a Persian name logs in, sees the moderation and admin pages right
// to left with Persian digits and Solar Hijri dates, approves a report,
// reads a Persian alert title in the inbox beside who is logged in, and
// logs out; the public report form's errors are Persian and name their
// fields.
func TestBrowserPersianTeam(t *testing.T) {
	chromium(t)
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	ctx := context.Background()
	tm := newTeam(t, st, Config{PowBits: 8})
	tm.user("سارا", store.RoleAdmin, "sara's long password")
	lat, lon := 30.28, 57.08
	if _, err := tm.ts.AddPublicReport(ctx, store.PublicReport{Received: tm.clock.now(), What: "دو انفجار نزدیک گلزار شهدا",
		Place: "Kerman", When: "2024-01-03", Lat: &lat, Lon: &lon}, ""); err != nil {
		t.Fatal(err)
	}
	var kerman model.Incident
	for _, inc := range demoIncidents(t, st) {
		if inc.Admin1 == "Kerman" {
			kerman = inc
		}
	}
	parts := alert.Parts{Template: "incident", Date: kerman.Start, AttackType: kerman.AttackType, Place: kerman.Place,
		Admin1: kerman.Admin1, Country: kerman.Country, Killed: kerman.Killed, Status: kerman.Status, Sources: kerman.Sources}
	det, _ := json.Marshal(map[string]any{alert.TextKey: parts})
	if _, err := st.(alertSaver).SaveAlerts(ctx, []store.NewAlert{{Alert: store.Alert{RuleID: 1, RuleName: "killed", Kind: "incident",
		Key: "incident/" + kerman.ID, At: tm.clock.now(), Title: "an English title", Summary: "an English summary",
		Incidents: []string{kerman.ID}, Reports: []string{}, Details: det}}}); err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t, tm.srv.URL)
	b.allowed = []string{"status of 400 (Bad Request)"} // the report sent with errors, on purpose
	b.do(t, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"}})
		return err
	}))
	rtl := func(page string) {
		t.Helper()
		dir := eval[string](t, b, `getComputedStyle(document.body).direction + ' ' + document.documentElement.lang`)
		if dir != "rtl fa" {
			t.Errorf("%s: direction and language %q, want rtl fa", page, dir)
		}
	}

	// The login page.
	b.do(t, chromedp.Navigate(b.base+"/login?next=/moderation"))
	b.waitFor(t, "login page", `!!document.querySelector('form.stack button')`)
	rtl("login")
	if h1 := eval[string](t, b, `document.querySelector('h1').textContent`); h1 != "ورود" {
		t.Errorf("login page heading %q, want ورود", h1)
	}
	b.waitFor(t, "Persian font loaded", `document.fonts.check('16px Vazirmatn', 'ابپ')`)
	b.screenshot(t, "login-fa")
	b.do(t, chromedp.SetValue(chromedp.CSS(`input[name=name]`), "سارا"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), "sara's long password"),
		chromedp.Click(chromedp.CSS(`form.stack button`)))

	// Moderation: Persian digits, a Solar Hijri date, then approval.
	b.waitFor(t, "moderation", `location.pathname === '/moderation' && !!document.querySelector('.report')`)
	rtl("moderation")
	text := eval[string](t, b, `document.querySelector('main').innerText`)
	for _, want := range []string{"گزارش‌های در انتظار (۱)", "۱۳ دی ۱۴۰۲", "۳۰٫۲۸"} {
		if !strings.Contains(text, want) {
			t.Errorf("Persian moderation page: %q missing in %q", want, text)
		}
	}
	if !eval[bool](t, b, solarHijri+`.test(document.querySelector('.report small time').textContent)`) {
		t.Errorf("received: %q, want a Solar Hijri date", eval[string](t, b, `document.querySelector('.report small time').textContent`))
	}
	if who := eval[string](t, b, `document.querySelector('.bar .who').innerText`); !strings.Contains(who, "سارا (مدیر)") {
		t.Errorf("who is logged in: %q, want سارا (مدیر)", who)
	}
	b.screenshot(t, "moderation-fa")
	b.do(t, chromedp.Click(chromedp.CSS(`.report button[value=approve]`)))
	b.waitFor(t, "approved", `!!document.querySelector('tr.decided') && !!document.querySelector('p.done')`)
	rtl("moderation after approval")
	if done := eval[string](t, b, `document.querySelector('p.done').textContent`); !strings.Contains(done, "پذیرفته") || strings.ContainsAny(done, "0123456789") {
		t.Errorf("approval message %q, want Persian with Persian digits", done)
	}
	if state := eval[string](t, b, `document.querySelector('tr.decided td[data-state]').textContent`); state != "پذیرفته" {
		t.Errorf("decision shown as %q, want پذیرفته", state)
	}

	// The admin page.
	b.do(t, chromedp.Navigate(b.base+"/admin"))
	b.waitFor(t, "admin page", `!!document.querySelector('table.audit')`)
	rtl("admin")
	if !eval[bool](t, b, solarHijri+`.test(document.querySelector('table.audit time').textContent)`) {
		t.Errorf("audit time %q, want a Solar Hijri date", eval[string](t, b, `document.querySelector('table.audit time').textContent`))
	}
	if ids := eval[string](t, b, `Array.from(document.querySelectorAll('table.audit tbody tr td:first-child')).map(e => e.textContent).join(' ')`); !persianDigit.MatchString(ids) || strings.ContainsAny(ids, "0123456789") {
		t.Errorf("audit entry numbers %q, want Persian digits", ids)
	}
	b.screenshot(t, "admin-fa")

	// The inbox: the alert's title in Persian, who is logged in.
	b.do(t, chromedp.Navigate(b.base+"/alerts"))
	b.waitFor(t, "inbox", `!!document.querySelector('.alert-title') && document.querySelector('#who').dataset.ready === '1'`)
	title := eval[string](t, b, `document.querySelector('.alert-title').textContent`)
	if !eval[bool](t, b, solarHijri+`.test(document.querySelector('.alert-title').textContent)`) || strings.Contains(title, "English") || !strings.Contains(title, "کرمان") {
		t.Errorf("Persian alert title %q, want it written in Persian with a Solar Hijri date", title)
	}
	if l := eval[string](t, b, `document.querySelector('.alert-title').lang + ' ' + document.querySelector('.alert-title').dir`); l != "fa rtl" {
		t.Errorf("alert title lang and dir %q, want fa rtl", l)
	}
	if name := eval[string](t, b, `document.querySelector('#who-name').textContent`); name != "سارا" {
		t.Errorf("dashboard: logged in as %q, want سارا", name)
	}
	b.do(t, chromedp.Click(chromedp.CSS(`#logout button`)))
	b.waitFor(t, "logged out", `location.pathname === '/login' && !!document.querySelector('input[name=password]')`)
	rtl("login after logout")

	// The public report form, sent with errors.
	b.do(t, chromedp.Navigate(b.base+"/report"))
	b.waitFor(t, "report form", `!!document.querySelector('#report-form')`)
	rtl("report form")
	b.do(t, chromedp.SetValue(chromedp.CSS(`textarea[name=what]`), "انفجار"),
		chromedp.SetValue(chromedp.CSS(`input[name=lat]`), "۹۱"),
		chromedp.SetValue(chromedp.CSS(`input[name=lon]`), "۵۷"),
		chromedp.SetValue(chromedp.CSS(`input[name=link]`), "https://example.org/"),
		chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
	b.waitFor(t, "errors shown", `!!document.querySelector('#report-errors')`)
	rtl("report form with errors")
	errs := eval[string](t, b, `document.querySelector('#report-errors').innerText`)
	if !strings.Contains(errs, "«عرض جغرافیایی» «۹۱»") || strings.Contains(errs, "latitude") {
		t.Errorf("report form errors %q, want Persian naming «عرض جغرافیایی»", errs)
	}
	if v := eval[string](t, b, `document.querySelector('textarea[name=what]').value`); v != "انفجار" {
		t.Errorf("what was typed: %q, want it kept", v)
	}
	b.screenshot(t, "report-fa")
}
