package server

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// xss returns payloads that, if a page ran them, would set
// window.__xss to tag (or call alert, which the test turns into the same).
func xss(tag string) []string {
	return []string{
		`<script>window.__xss='` + tag + `-script'</script>`,
		`<img src=x onerror="window.__xss='` + tag + `-img'">`,
		`"><svg onload="window.__xss='` + tag + `-svg'">`,
		`javascript:alert('` + tag + `')`,
		`</textarea><script>alert('` + tag + `')</script>`,
	}
}

// TestBrowserXSS sends script through every way text reaches a page —
// the report form (by the real form, its proof of work done by the
// page's own script), a moderation note, a feed item's text and place,
// query parameters reflected into pages — and checks in the real browser
// that none of it runs: window.__xss stays undefined and alert is never
// called, with the CSP intact (a blocked inline script would be reported
// as a problem too).
func TestBrowserXSS(t *testing.T) {
	chromium(t)
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	ctx := context.Background()
	if err := st.EnsureSource(ctx, model.Source{Name: "feed", Kind: model.KindFeed}); err != nil {
		t.Fatal(err)
	}
	fx := xss("feed")
	rec := storetest.Record("feed", "x1", 0, "raw", demoTime, func(c *model.Claim) {
		c.Text = strings.Join(fx, " ")
		c.Place = fx[2]
		c.Perpetrator = fx[1]
		c.Codes = map[string]string{"url": "javascript:window.__xss='feed-link'"}
	})
	if _, err := st.ImportBatch(ctx, []model.Record{rec}, demoTime); err != nil {
		t.Fatal(err)
	}
	feedInc := model.IncidentIDFor("feed", "x1")
	tm := newTeam(t, st, Config{PowBits: DefaultPowBits})
	tm.user("mia", store.RoleAdmin, "mia's long password")
	b := startBrowser(t, tm.srv.URL)
	// The reflected cases ask for answers of 400 and 404 on purpose.
	b.allowed = []string{"status of 400 (Bad Request)", "status of 404 (Not Found)"}
	// alert, confirm and prompt set the mark instead of blocking the page.
	b.do(t, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.alert = window.confirm = window.prompt = function (m) { window.__xss = 'alert:' + m; };`})
		return err
	}))
	clean := func(where string) {
		t.Helper()
		if got := eval[string](t, b, `String(window.__xss)`); got != "undefined" {
			t.Errorf("%s: a payload ran (window.__xss = %q)", where, got)
		}
	}

	// Log in through the form: the Secure, SameSite=Strict cookie must
	// work on http://127.0.0.1.
	b.do(t, chromedp.Navigate(b.base+"/login?next=/moderation"),
		chromedp.SetValue(chromedp.CSS(`input[name=name]`), "mia"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), "mia's long password"),
		chromedp.Click(chromedp.CSS(`form.stack button`)))
	b.waitFor(t, "logged in", `location.pathname === '/moderation' && !!document.body && document.body.innerText.includes('mia (admin)')`)

	// The report form, as the public sends it; the point is picked on
	// the offline map (a click at its centre: Iran, 32 N 53 E).
	rx := xss("report")
	b.do(t, chromedp.Navigate(b.base+"/report"))
	b.waitFor(t, "map drawn", `document.querySelector('#picker').dataset.ready === '1'`)
	drawn := eval[int](t, b, `(() => { const c = document.getElementById('picker'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++; return n; })()`)
	if drawn < 500 {
		t.Errorf("point picker: %d dark pixels, want the country outlines drawn", drawn)
	}
	b.do(t, chromedp.Click(chromedp.CSS(`#picker`)))
	lat, lon := eval[string](t, b, `document.querySelector('input[name=lat]').value`), eval[string](t, b, `document.querySelector('input[name=lon]').value`)
	if !strings.HasPrefix(lat, "32.") && !strings.HasPrefix(lat, "31.9") || !strings.HasPrefix(lon, "53.") && !strings.HasPrefix(lon, "52.9") {
		t.Errorf("a click at the map's centre set %s, %s; want about 32, 53", lat, lon)
	}
	b.screenshot(t, "report-form")
	start := time.Now()
	b.do(t,
		chromedp.SetValue(chromedp.CSS(`textarea[name=what]`), strings.Join(rx, "\n")),
		chromedp.SetValue(chromedp.CSS(`input[name=place]`), rx[0]),
		chromedp.SetValue(chromedp.CSS(`input[name=link]`), "https://example.org/?q="+url.QueryEscape(rx[1])),
		chromedp.SetValue(chromedp.CSS(`input[name=contact]`), rx[2]),
		chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
	b.waitFor(t, "report sent", `!!document.querySelector('h1') && document.querySelector('h1').textContent === 'Thank you'`)
	t.Logf("report form: proof of work of %d bits and send took %v", DefaultPowBits, time.Since(start).Round(time.Millisecond))
	clean("thanks page")
	reps, err := tm.ts.PublicReports(ctx, store.ReportPending, 10)
	if err != nil || len(reps) != 1 || reps[0].What != strings.Join(rx, "\n") || reps[0].Lat == nil {
		t.Fatalf("the report as stored: %+v (%v), want the text as typed and the point picked", reps, err)
	}

	// Moderation shows it as text; the note is script too.
	b.do(t, chromedp.Navigate(b.base+"/moderation"))
	b.waitFor(t, "report listed", `document.querySelector('.report .what') !== null`)
	shown := eval[string](t, b, `document.querySelector('.report .what').textContent`)
	if shown != reps[0].What {
		t.Errorf("moderation shows %q, want the report's text as text", shown)
	}
	clean("moderation page")
	nx := xss("note")
	b.do(t, chromedp.SetValue(chromedp.CSS(`.report input[name=note]`), nx[1]+nx[0]),
		chromedp.Click(chromedp.CSS(`.report button[value=approve]`)))
	b.waitFor(t, "approved", `!!document.body && !!document.querySelector('tr.decided')`)
	b.waitFor(t, "note listed", `document.querySelector('tr.decided .note') !== null`)
	if got := eval[string](t, b, `document.querySelector('tr.decided .note').textContent`); got != nx[1]+nx[0] {
		t.Errorf("the note shows as %q, want it as typed", got)
	}
	clean("moderation page after approval")
	inc := eval[string](t, b, `(document.querySelector('.done a') || {}).textContent || ''`)
	if inc == "" {
		t.Fatalf("the approval does not name its incident")
	}

	// The incident the report joined, and the feed's incident, on the
	// dashboard and the facts pages.
	for _, id := range []string{inc, feedInc} {
		b.do(t, chromedp.Navigate(b.base+"/incident/"+id))
		b.waitFor(t, "sources of "+id, `document.querySelectorAll('#sources li').length >= 1`)
		time.Sleep(300 * time.Millisecond) // let anything that would run, run
		clean("dashboard incident " + id)
		b.do(t, chromedp.Navigate(b.base+"/facts/"+id))
		clean("facts page " + id)
		if id == feedInc {
			text := eval[string](t, b, `document.body.innerText`)
			if !strings.Contains(text, "<script>window.__xss='feed-script'</script>") {
				t.Errorf("the feed's text is not shown as text on the facts page")
			}
		}
	}
	b.do(t, chromedp.Navigate(b.base+"/?actor="+url.QueryEscape(fx[1])))
	time.Sleep(500 * time.Millisecond)
	clean("dashboard filtered by a payload")

	// The Persian pages show the same untrusted text: the moderation
	// page's decided report and note, and an alert whose parts (group,
	// place, perpetrator) are a feed's script, written in Persian.
	b.do(t, chromedp.Navigate(b.base+"/moderation?lang=fa"))
	b.waitFor(t, "Persian moderation", `!!document.querySelector('tr.decided .note')`)
	clean("Persian moderation page")
	ax := xss("alert")
	det, _ := json.Marshal(map[string]any{alert.TextKey: alert.Parts{Template: "claim", Group: ax[0], Place: ax[1], Admin1: ax[2],
		Country: "IR", Perpetrator: ax[4], AttackType: model.Bombing, Date: model.DateOf(demoTime)}})
	if _, err := st.(alertSaver).SaveAlerts(ctx, []store.NewAlert{{Alert: store.Alert{RuleID: 1, RuleName: ax[3], Kind: "claim",
		Key: "xss", At: demoTime, Title: ax[0], Summary: ax[1], Incidents: []string{feedInc}, Reports: []string{}, Details: det}}}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"fa", "en"} {
		b.do(t, chromedp.Navigate(b.base+"/alerts?lang="+l))
		b.waitFor(t, "inbox "+l, `!!document.querySelector('.alert-title')`)
		time.Sleep(300 * time.Millisecond)
		clean("alert inbox (" + l + ")")
		if got := eval[string](t, b, `document.querySelector('.alert-title').textContent`); !strings.Contains(got, ax[0]) {
			t.Errorf("alert inbox (%s): title %q, want the group's script shown as text", l, got)
		}
	}

	// Reflected: parameters that pages show back.
	for _, path := range []string{
		"/login?next=" + url.QueryEscape(`"><script>window.__xss='next'</script>`),
		"/admin?actor=" + url.QueryEscape(`"><script>window.__xss='actor'</script>`) + "&action=" + url.QueryEscape(`<img src=x onerror="window.__xss='action'">`),
		"/admin?since=" + url.QueryEscape(`<script>window.__xss='since'</script>`),
		"/api/incidents?actor=" + url.QueryEscape(`<script>window.__xss='api'</script>`),
		"/api/incidents?type=" + url.QueryEscape(`<script>window.__xss='api-error'</script>`),
		"/facts/" + url.PathEscape(`<script>window.__xss='path'</script>`),
	} {
		b.do(t, chromedp.Navigate(b.base+path))
		clean("GET " + path)
	}
	// The form shown again after an error keeps what was typed, as text.
	b.do(t, chromedp.Navigate(b.base+"/report"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=what]`), `</textarea><script>window.__xss='again'</script>`),
		chromedp.SetValue(chromedp.CSS(`input[name=lat]`), "999"),
		chromedp.SetValue(chromedp.CSS(`input[name=lon]`), "1"),
		chromedp.SetValue(chromedp.CSS(`input[name=place]`), "x"),
		chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
	b.waitFor(t, "form shown again", `document.querySelector('ul.error') !== null`)
	clean("report form shown again")
	b.screenshot(t, "report-again")

	// The page's own SHA-256 agrees with the standard (the proof of work
	// the server checks is the same function).
	for in, want := range map[string]string{
		"":                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc":                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		strings.Repeat("a", 100): "2816597888e4a0d3a36b82b83316ab32680eb8f00f8cd3b904d681246d285a0e",
	} {
		if got := eval[string](t, b, `window.vigilSHA256(`+jsString(in)+`)`); got != want {
			t.Errorf("report.js sha256(%q) = %s, want %s", in, got, want)
		}
	}
}

func jsString(s string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + `'`
}
