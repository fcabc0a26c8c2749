package server

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// chromium finds Debian's chromium. Without it the browser tests skip,
// except in CI (env CI set), where they must run: scripts/test.sh
// installs it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: scripts/test.sh installs it (apt-get install chromium)")
	}
	t.Skip("browser tests skipped: chromium is not installed (apt-get install chromium)")
	return ""
}

// browser is a headless chromium on a live server, recording what the
// page says on its console and every request it makes.
type browser struct {
	ctx  context.Context
	base string
	shot string // directory of screenshots

	mu       sync.Mutex
	problems []string // console errors, uncaught exceptions, CSP violations
	outside  []string // requests that left the machine
	allowed  []string // problems a test expects (an error status it asked for)
}

// newBrowser serves the demo, with what fill adds to the store.
func newBrowser(t *testing.T, fill ...func(testStore)) *browser {
	chromium(t)
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	for _, f := range fill {
		f(st)
	}
	s, err := New(st, Config{Version: "test", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(sctx, ln, nil) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return startBrowser(t, "http://"+ln.Addr().String())
}

// startBrowser starts chromium on a server already listening at base.
func startBrowser(t *testing.T, base string) *browser {
	exe := chromium(t)

	shots := os.Getenv("VIGIL_ARTEFACTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "vigil-browser-artefacts")
	}
	shots = filepath.Join(shots, t.Name())
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "en-GB"), chromedp.Flag("disable-gpu", true),
		// Nothing may reach the outside: a stray request fails here and is
		// recorded below.
		chromedp.ProxyServer("http://127.0.0.1:9"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	b := &browser{ctx: ctx, base: base, shot: shots}
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.problems = append(b.problems, "console error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+e.ExceptionDetails.Text+" "+describe(e.ExceptionDetails.Exception))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				b.problems = append(b.problems, "log error: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(e.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
				b.outside = append(b.outside, e.Request.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
	problems:
		for _, p := range b.problems {
			for _, a := range b.allowed {
				if strings.Contains(p, a) {
					continue problems
				}
			}
			t.Errorf("the page reported: %s", p)
		}
		for _, u := range b.outside {
			t.Errorf("a request left localhost: %s", u)
		}
	})
	return b
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	return o.Description
}

// screenshot writes a full-page PNG named name into the artefacts.
func (b *browser) screenshot(t *testing.T, name string) {
	// A page that fits the window is shot as the window: Chromium's
	// capture beyond the viewport shifts a short right-to-left page.
	shot := chromedp.FullScreenshot(100)
	if fits, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollHeight <= innerHeight`)); err == nil && fits {
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(b.shot, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// waitFor polls a JavaScript condition until it holds.
func (b *browser) waitFor(t *testing.T, what, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after 20 s: %s", what, js)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// do runs actions, failing the test on error.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserDashboard(t *testing.T) {
	b := newBrowser(t)
	start := time.Now()
	b.do(t, chromedp.Navigate(b.base+"/"))
	// The map shows the demo's incidents that have coordinates: ten of
	// eleven, as markers or inside clusters.
	b.waitFor(t, "map markers", `document.querySelector('#map') && document.querySelector('#map').dataset.markers === '10'`)
	b.waitFor(t, "list", `document.querySelectorAll('#list li').length === 11`)
	t.Logf("first render (navigation to markers and list shown): %v", time.Since(start).Round(time.Millisecond))
	clusters := eval[int](t, b, `Array.from(document.querySelectorAll('.marker-cluster span')).reduce((n, s) => n + Number(s.textContent), 0) + document.querySelectorAll('.leaflet-overlay-pane canvas').length`)
	if clusters < 1 {
		t.Errorf("map: no clusters or marker canvas drawn")
	}
	b.waitFor(t, "timeline chart", `document.querySelector('#timeline canvas') !== null && Number(document.querySelector('#timeline').dataset.months) > 1`)
	b.waitFor(t, "tempo sentence", `document.querySelector('#tempo-sentence').textContent.length > 20`)
	countries := eval[int](t, b, `document.querySelectorAll('#f-country option').length`)
	if countries < 2 {
		t.Errorf("country filter: %d options, want any + IR", countries)
	}
	// --public and nobody logged in: no log-in link, nobody named.
	b.waitFor(t, "who", `document.querySelector('#who').dataset.ready === '1'`)
	if who := eval[string](t, b, `document.querySelector('#who').innerHTML`); who != "" {
		t.Errorf("public dashboard, anonymous: who shows %q, want nothing", who)
	}
	b.screenshot(t, "dashboard")

	// A filter changes the list and the URL.
	b.do(t, chromedp.SetValue(chromedp.CSS("#f-type"), "bombing"))
	eval[bool](t, b, `document.querySelector('#f-type').dispatchEvent(new Event('change'))`)
	b.waitFor(t, "filtered list", `document.querySelectorAll('#list li').length === 3`)
	search := eval[string](t, b, `location.search`)
	if search != "?type=bombing" {
		t.Errorf("URL after choosing bombing: got %q, want ?type=bombing", search)
	}
	b.waitFor(t, "filtered map", `document.querySelector('#map').dataset.markers === '3'`)
	b.screenshot(t, "filtered")

	// The filtered view reloads from its URL alone.
	b.do(t, chromedp.Navigate(b.base+"/?type=bombing&since=2019-01-01"))
	b.waitFor(t, "list from URL", `document.querySelectorAll('#list li').length === 2 && document.querySelector('#f-since').value === '2019-01-01'`)

	// An incident page shows its sources and the chart of its figures.
	b.do(t, chromedp.Navigate(b.base+"/?admin1=Tehran"))
	b.waitFor(t, "Tehran list", `document.querySelectorAll('#list .incident-link').length === 2`)
	b.do(t, chromedp.Click(chromedp.CSS("#list .incident-link")))
	b.waitFor(t, "incident page", `document.querySelector('#incident') !== null && location.pathname.startsWith('/incident/')`)
	b.waitFor(t, "sources", `document.querySelectorAll('#sources li').length >= 1 && document.querySelector('#sources blockquote').textContent.length > 20`)
	b.waitFor(t, "figure chart", `document.querySelector('#figure-chart canvas') !== null && Number(document.querySelector('#figure-chart').dataset.points) >= 1`)
	b.waitFor(t, "other site", `document.querySelectorAll('#related li').length === 1`)
	ranges := eval[int](t, b, `document.querySelectorAll('.range .best').length`)
	if ranges < 1 {
		t.Errorf("incident page: no low/best/high range shown")
	}
	b.screenshot(t, "incident")
}

var persianDigit = regexp.MustCompile(`[۰-۹]`)

func TestBrowserPersian(t *testing.T) {
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(b.base+"/?lang=fa"))
	b.waitFor(t, "list", `document.querySelectorAll('#list li').length === 11`)
	dir := eval[string](t, b, `document.documentElement.dir`)
	direction := eval[string](t, b, `getComputedStyle(document.body).direction`)
	when := eval[string](t, b, `Array.from(document.querySelectorAll('#list .when')).map(e => e.textContent).join(' | ')`)
	count := eval[string](t, b, `document.querySelector('#count').textContent`)
	font := eval[string](t, b, `getComputedStyle(document.body).fontFamily`)
	if dir != "rtl" || direction != "rtl" {
		t.Errorf("Persian page: dir %q, computed direction %q; want rtl", dir, direction)
	}
	// 2017-06-07 is 17 Khordad 1396; 2024-01-03 is 13 Dey 1402.
	for _, want := range []string{"۱۷ خرداد ۱۳۹۶", "۱۳ دی ۱۴۰۲"} {
		if !strings.Contains(when, want) {
			t.Errorf("Persian dates %q: %q missing", when, want)
		}
	}
	if !persianDigit.MatchString(count) || strings.ContainsAny(count, "0123456789") {
		t.Errorf("Persian count %q: want Persian digits only", count)
	}
	if !strings.Contains(font, "Vazirmatn") {
		t.Errorf("Persian font family %q: want Vazirmatn", font)
	}
	b.waitFor(t, "Persian font loaded", `document.fonts.check('16px Vazirmatn', 'ابپ')`)
	b.screenshot(t, "persian")

	// The browser's language alone chooses Persian too.
	b.do(t, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "fa-IR,fa;q=0.9"}})
		return err
	}), chromedp.Navigate(b.base+"/"))
	html := eval[string](t, b, `document.documentElement.outerHTML.slice(0, 200)`)
	if !strings.Contains(html, `dir="rtl"`) {
		t.Errorf("Accept-Language fa: page starts %q, want dir=rtl", html)
	}
	b.waitFor(t, "list (Accept-Language)", `document.querySelectorAll('#list li').length === 11`)

	// The plain facts page: RTL, Solar Hijri, prints.
	// The list is newest first: its first incident is the latest.
	id := eval[string](t, b, `document.querySelector('#list li:first-child').dataset.id`)
	b.do(t, chromedp.Navigate(b.base+"/facts/"+id+"?lang=fa"))
	text := eval[string](t, b, `document.body.innerText`)
	if !strings.Contains(text, "۱۴۰۳") || !persianDigit.MatchString(text) {
		t.Errorf("facts page in Persian: %q lacks a Solar Hijri 1403 date", text[:min(len(text), 300)])
	}
	b.screenshot(t, "facts-fa")
}

// TestBrowserNewestFirst: the list opens newest first, and the order is a
// view setting kept in the URL.
func TestBrowserNewestFirst(t *testing.T) {
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(b.base+"/"))
	b.waitFor(t, "list", `document.querySelectorAll('#list li').length === 11`)
	starts := func() []string {
		return eval[[]string](t, b, `Array.from(document.querySelectorAll('#list li')).map(li => li.dataset.id)`)
	}
	newest := starts()
	b.do(t, chromedp.SetValue(chromedp.CSS("#order"), "oldest"))
	eval[bool](t, b, `document.querySelector('#order').dispatchEvent(new Event('change'))`)
	b.waitFor(t, "oldest first", `location.search === '?order=oldest' && document.querySelectorAll('#list li').length === 11`)
	oldest := starts()
	for i := range oldest {
		if oldest[i] != newest[len(newest)-1-i] {
			t.Fatalf("oldest first %v is not newest first %v reversed", oldest, newest)
		}
	}
	// A filter keeps the order chosen.
	b.do(t, chromedp.SetValue(chromedp.CSS("#f-type"), "bombing"))
	eval[bool](t, b, `document.querySelector('#f-type').dispatchEvent(new Event('change'))`)
	b.waitFor(t, "filtered, oldest first", `document.querySelectorAll('#list li').length === 3`)
	if got := eval[string](t, b, `location.search`); got != "?type=bombing&order=oldest" {
		t.Errorf("URL after a filter: got %q, want ?type=bombing&order=oldest", got)
	}
}

// alertsFor stores three alerts about the demo's incidents, an hour apart;
// the newest names the latest incident with its reports.
func alertsFor(t *testing.T) func(testStore) {
	return func(st testStore) {
		all := demoIncidents(t, st)
		latest := all[len(all)-1]
		reps, err := st.(interface {
			ReportIDs(ctx context.Context, ids []string) (map[string][]string, error)
		}).ReportIDs(t.Context(), []string{latest.ID})
		if err != nil {
			t.Fatal(err)
		}
		var as []store.NewAlert
		for i, inc := range []model.Incident{all[0], all[1], latest} {
			rs := []string{}
			if inc.ID == latest.ID {
				rs = reps[latest.ID]
			}
			as = append(as, store.NewAlert{Alert: store.Alert{RuleID: 1, RuleName: "killed ≥ 10 in Iran", Kind: "incident",
				Key: inc.ID, At: demoTime.Add(time.Duration(i) * time.Hour), Title: "Attack in " + inc.Admin1,
				Summary: "A new incident matches the rule.", Incidents: []string{inc.ID}, Reports: rs}})
		}
		if _, err := st.(interface {
			SaveAlerts(ctx context.Context, as []store.NewAlert) ([]int64, error)
		}).SaveAlerts(t.Context(), as); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserForecastAndInbox: the forecast layer colours provinces with
// their risk and says it in words; the inbox lists alerts newest first
// with evidence that leads to the incident.
func TestBrowserForecastAndInbox(t *testing.T) {
	b := newBrowser(t, alertsFor(t))
	b.do(t, chromedp.Navigate(b.base+"/"))
	b.waitFor(t, "forecast layer", `Number(document.querySelector('#map').dataset.riskAreas) >= 3 && document.querySelectorAll('#map path.risk-area').length >= 3`)
	b.waitFor(t, "forecast charts", `document.querySelectorAll('#forecast-bars li').length >= 3 && document.querySelector('#forecast-chart canvas') !== null`)
	skill := eval[string](t, b, `document.querySelector('#forecast-skill').textContent`)
	if !strings.Contains(skill, "historical rate") {
		t.Errorf("forecast skill %q: want the backtest against the historical rate in words", skill)
	}
	bar := eval[string](t, b, `document.querySelector('#forecast-bars li').textContent`)
	if !regexp.MustCompile(`\d+%.*expected attacks [\d.]+ \(\d+–\d+\)`).MatchString(bar) {
		t.Errorf("riskiest province %q: want its chance, expected attacks and interval", bar)
	}
	if !eval[bool](t, b, `document.querySelector('.leaflet-control-layers input[type=checkbox]').checked`) {
		t.Errorf("forecast layer: not listed as shown in the layer control")
	}
	// A province's popup says its risk with the interval.
	eval[bool](t, b, `(() => { const p = document.querySelector('#map path.risk-area'), r = p.getBoundingClientRect();
		p.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2})); return true; })()`)
	b.waitFor(t, "province popup", `document.querySelector('.risk-popup') !== null`)
	popup := eval[string](t, b, `document.querySelector('.risk-popup').textContent`)
	if !strings.Contains(popup, "90% interval") || !strings.Contains(popup, "chance of at least one attack") {
		t.Errorf("province popup %q: want the chance and the 90%% interval", popup)
	}
	// Its chart: one bar per week ahead (the dashboard asks for four).
	if n := eval[int](t, b, `document.querySelectorAll('.risk-popup .period-bars li').length`); n != 4 {
		t.Errorf("province popup: %d weekly bars, want 4", n)
	}
	b.screenshot(t, "forecast")

	// The inbox: newest first, evidence linked.
	b.do(t, chromedp.Click(chromedp.CSS("#inbox-link")))
	b.waitFor(t, "inbox", `location.pathname === '/alerts' && document.querySelector('#inbox').dataset.alerts === '3'`)
	at := eval[[]string](t, b, `Array.from(document.querySelectorAll('#inbox .alert time')).map(e => e.getAttribute('datetime'))`)
	for i := 1; i < len(at); i++ {
		if at[i-1] < at[i] {
			t.Errorf("inbox order %v: want newest first", at)
		}
	}
	reports := eval[int](t, b, `document.querySelectorAll('#inbox .alert:first-child .evidence-report').length`)
	if reports < 1 {
		t.Errorf("newest alert: no report shown as evidence")
	}
	b.screenshot(t, "inbox")
	b.do(t, chromedp.Click(chromedp.CSS("#inbox .alert:first-child .evidence-incident")))
	b.waitFor(t, "evidence leads to the incident", `location.pathname.startsWith('/incident/') && document.querySelector('#incident') !== null`)
}

// TestBrowserPersianSentences: on the Persian page the analyses, the
// forecast and the inbox speak Persian, in Persian digits, with the
// English a click away.
func TestBrowserPersianSentences(t *testing.T) {
	b := newBrowser(t, alertsFor(t))
	b.do(t, chromedp.Navigate(b.base+"/?lang=fa"))
	for _, id := range []string{"tempo-sentence", "severity-sentence", "forecast-sentence", "forecast-skill"} {
		b.waitFor(t, id, `document.querySelector('#`+id+` .fa') !== null`)
		fa := eval[string](t, b, `document.querySelector('#`+id+` .fa').textContent`)
		en := eval[string](t, b, `document.querySelector('#`+id+` details.en').textContent`)
		if !persianDigit.MatchString(fa) || asciiDigit.MatchString(fa) || !regexp.MustCompile(`[آ-ی]`).MatchString(fa) {
			t.Errorf("%s: %q, want Persian words in Persian digits", id, fa)
		}
		if !strings.Contains(en, "English") || !regexp.MustCompile(`[a-z]{4}`).MatchString(en) {
			t.Errorf("%s: English %q, want the English sentence kept", id, en)
		}
	}
	b.waitFor(t, "forecast bars", `document.querySelectorAll('#forecast-bars li').length >= 3`)
	bar := eval[string](t, b, `document.querySelector('#forecast-bars li').textContent`)
	if !persianDigit.MatchString(bar) || asciiDigit.MatchString(bar) {
		t.Errorf("Persian forecast bar %q: want Persian digits only", bar)
	}
	b.screenshot(t, "persian-sentences")
	b.do(t, chromedp.Navigate(b.base+"/alerts?lang=fa"))
	b.waitFor(t, "Persian inbox", `document.querySelector('#inbox') !== null && document.querySelector('#inbox').dataset.alerts === '3'`)
	when := eval[string](t, b, `document.querySelector('#inbox .alert time').textContent`)
	if !strings.Contains(when, "۱۴۰۲") {
		t.Errorf("Persian inbox time %q: want a Solar Hijri date (1402)", when)
	}
	b.screenshot(t, "inbox-fa")
}
