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
}

func newBrowser(t *testing.T) *browser {
	exe := chromium(t)
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	s, err := New(st, Config{Version: "test"})
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
	b := &browser{ctx: ctx, base: "http://" + ln.Addr().String(), shot: shots}
	err = chromedp.Listen(ctx, func(ev any) {
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
		for _, p := range b.problems {
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
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
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
	id := eval[string](t, b, `document.querySelector('#list li:last-child').dataset.id`)
	b.do(t, chromedp.Navigate(b.base+"/facts/"+id+"?lang=fa"))
	text := eval[string](t, b, `document.body.innerText`)
	if !strings.Contains(text, "۱۴۰۳") || !persianDigit.MatchString(text) {
		t.Errorf("facts page in Persian: %q lacks a Solar Hijri 1403 date", text[:min(len(text), 300)])
	}
	b.screenshot(t, "facts-fa")
}
