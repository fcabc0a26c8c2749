package poll

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fetch"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// fetched is the fixed time of the tests: they never read the clock
// (except Run's, which sleeps on it).
var fetched = time.Date(2024, 1, 6, 12, 0, 0, 0, time.UTC)

func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rss returns a feed of n items numbered from first, each linking to
// base/article/i.
func rss(base string, first, n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test news</title><language>en</language>`)
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, `<item><title>Report %d on the attack</title><link>%s/article/%d</link><guid>item-%d</guid>`+
			`<description>Short summary %d of the events in the city.</description><pubDate>Wed, 03 Jan 2024 10:%02d:00 GMT</pubDate></item>`,
			i, base, i, i, i, i%60)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// feedServer serves /feed with conditional GET, /fail with 503 and
// article pages; body can be changed between polls.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     string
	requests atomic.Int32
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		switch {
		case r.URL.Path == "/feed":
			fs.mu.Lock()
			body := fs.body
			fs.mu.Unlock()
			etag := fmt.Sprintf(`"%x"`, len(body))
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(body))
		case r.URL.Path == "/fail":
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.HasPrefix(r.URL.Path, "/article/"):
			fmt.Fprintf(w, `<html><head><title>Page %s</title></head><body><article><h1>Page</h1>%s</article></body></html>`,
				r.URL.Path, strings.Repeat("<p>The full text of the article tells what happened in the city, who was hurt and what the officials said about it afterwards.</p>", 6))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(body string) {
	fs.mu.Lock()
	fs.body = body
	fs.mu.Unlock()
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func addFeed(t *testing.T, s *sqlite.Store, name, url string, private bool, at time.Time) store.Feed {
	t.Helper()
	f := store.Feed{Name: name, URL: url, Interval: 15 * time.Minute, AllowPrivate: private, Added: at, NextPoll: at}
	if err := s.AddFeed(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPollConditionalAndNew(t *testing.T) {
	s := openStore(t)
	srv := newFeedServer(t)
	srv.set(rss(srv.URL, 0, 5))
	clk := &clock{t: fetched}
	addFeed(t, s, "test", srv.URL+"/feed", true, fetched)
	p := &Poller{Store: s, Client: fetch.New(fetch.Options{}), Now: clk.now}
	ctx := t.Context()

	res, err := p.PollDue(ctx, false)
	if err != nil || len(res) != 1 {
		t.Fatalf("first poll: got %v, %v", res, err)
	}
	if r := res[0]; r.Err != nil || r.NotModified || r.Items != 5 || r.Counts != (store.ArticleCounts{New: 5}) {
		t.Errorf("first poll: got %+v, want 5 new articles", r)
	}
	f, _ := s.Feed(ctx, "test")
	if f.ETag == "" || !f.LastSuccess.Equal(fetched) || f.ItemsSeen != 5 || !f.NextPoll.Equal(fetched.Add(15*time.Minute)) {
		t.Errorf("status after the first poll: got %+v", f)
	}

	// Not due yet: nothing polled.
	clk.t = fetched.Add(time.Minute)
	if res, _ := p.PollDue(ctx, false); len(res) != 0 {
		t.Errorf("poll before due: got %d results, want none", len(res))
	}
	// Due, unchanged: a 304.
	clk.t = fetched.Add(16 * time.Minute)
	res, _ = p.PollDue(ctx, false)
	if len(res) != 1 || !res[0].NotModified || res[0].Err != nil {
		t.Fatalf("second poll: got %+v, want 304", res)
	}
	// Changed: two new items, three kept.
	srv.set(rss(srv.URL, 3, 4))
	clk.t = fetched.Add(40 * time.Minute)
	res, _ = p.PollDue(ctx, false)
	if len(res) != 1 || res[0].Counts != (store.ArticleCounts{New: 2, Duplicate: 2}) {
		t.Errorf("third poll: got %+v, want 2 new and 2 duplicates", res)
	}
	ids, _ := s.ArticleIDs(ctx, "test")
	if len(ids) != 7 {
		t.Errorf("stored articles: got %d, want 7", len(ids))
	}
	a, err := s.Article(ctx, "test:item-6")
	if err != nil || a.Title != "Report 6 on the attack" || !strings.Contains(string(a.Report.Raw), "<guid>item-6</guid>") {
		t.Errorf("stored article: got %+v, %v", a, err)
	}
}

func TestPollFailuresBackOff(t *testing.T) {
	s := openStore(t)
	srv := newFeedServer(t)
	clk := &clock{t: fetched}
	addFeed(t, s, "down", srv.URL+"/fail", true, fetched)
	addFeed(t, s, "private", srv.URL+"/feed", false, fetched)
	p := &Poller{Store: s, Client: fetch.New(fetch.Options{}), Now: clk.now}
	ctx := t.Context()
	wantNext := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour}
	for i, want := range wantNext {
		res, err := p.PollDue(ctx, true)
		if err != nil || len(res) != 2 {
			t.Fatalf("poll %d: %v %v", i, res, err)
		}
		f, _ := s.Feed(ctx, "down")
		if f.Failures != i+1 || !strings.Contains(f.LastError, "503") || !f.NextPoll.Equal(clk.t.Add(want)) || !f.LastSuccess.IsZero() {
			t.Errorf("poll %d of a failing feed: got failures %d, error %q, next %v, want %d, 503, %v",
				i, f.Failures, f.LastError, f.NextPoll, i+1, clk.t.Add(want))
		}
		clk.t = clk.t.Add(time.Hour)
	}
	f, _ := s.Feed(ctx, "private")
	if !strings.Contains(f.LastError, "address not allowed") {
		t.Errorf("a feed on 127.0.0.1 without allow-private: got error %q, want address not allowed", f.LastError)
	}
	// Recovery resets the backoff.
	srv.set(rss(srv.URL, 0, 1))
	if err := s.RemoveFeed(ctx, "down"); err != nil {
		t.Fatal(err)
	}
	addFeed(t, s, "down", srv.URL+"/feed?again", true, clk.t)
	if _, err := p.PollDue(ctx, true); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Feed(ctx, "down"); f.Failures != 0 || f.LastError != "" || !f.LastSuccess.Equal(clk.t) {
		t.Errorf("after a success: got %+v", f)
	}
}

func TestPollBrokenFeedKeepsWhatItCan(t *testing.T) {
	s := openStore(t)
	srv := newFeedServer(t)
	srv.set(string(readFixture(t, "../testdata/broken.rss")))
	addFeed(t, s, "broken", srv.URL+"/feed", true, fetched)
	p := &Poller{Store: s, Client: fetch.New(fetch.Options{}), Now: func() time.Time { return fetched }}
	res, err := p.PollDue(t.Context(), true)
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("poll: %+v %v", res, err)
	}
	if res[0].Counts.New != 2 {
		t.Errorf("new: got %d, want the 2 readable items", res[0].Counts.New)
	}
	f, _ := s.Feed(t.Context(), "broken")
	if !strings.Contains(f.Problems, "item 2 (line 4): unreadable item") || f.ItemsSeen != 3 {
		t.Errorf("status: got problems %q, items seen %d", f.Problems, f.ItemsSeen)
	}
}

// countingExtractor records the articles it is given.
type countingExtractor struct {
	mu    sync.Mutex
	texts []string
}

func (e *countingExtractor) Extract(_ context.Context, text, lang string, _ time.Time) ([]model.Claim, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.texts = append(e.texts, text)
	return []model.Claim{{Text: text}}, nil
}

func TestPollFetchArticlesAndExtract(t *testing.T) {
	s := openStore(t)
	srv := newFeedServer(t)
	srv.set(rss(srv.URL, 0, 2))
	addFeed(t, s, "full", srv.URL+"/feed", true, fetched)
	ex := &countingExtractor{}
	var claims atomic.Int32
	p := &Poller{Store: s, Client: fetch.New(fetch.Options{}), Now: func() time.Time { return fetched },
		FetchArticles: true, Extractor: ex,
		Claims: func(_ context.Context, a model.Article, cs []model.Claim) error {
			claims.Add(int32(len(cs)))
			return nil
		}}
	if _, err := p.PollDue(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	a, err := s.Article(t.Context(), "full:item-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text, "The full text of the article") || !strings.Contains(string(a.Report.Raw), "<article>") ||
		a.Title != "Report 1 on the attack" || a.Report.Published == nil {
		t.Errorf("article with its page: got title %q, text %.80q, raw %.60q, published %v", a.Title, a.Text, a.Report.Raw, a.Report.Published)
	}
	if len(ex.texts) != 2 || claims.Load() != 2 {
		t.Errorf("extractor: got %d articles, %d claims, want 2 and 2", len(ex.texts), claims.Load())
	}
	// The same items again (feed changed elsewhere): no page fetched, no
	// extraction, nothing stored.
	srv.set(rss(srv.URL, 0, 2) + " ")
	before := srv.requests.Load()
	res, err := p.PollDue(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.requests.Load() - before; got != 1 || res[0].Counts != (store.ArticleCounts{Duplicate: 2}) || len(ex.texts) != 2 {
		t.Errorf("second poll: got %d requests, counts %+v, %d extractions, want 1 request (the feed), 2 duplicates, still 2",
			got, res[0].Counts, len(ex.texts))
	}
}

func TestRunStops(t *testing.T) {
	s := openStore(t)
	srv := newFeedServer(t)
	srv.set(rss(srv.URL, 0, 1))
	addFeed(t, s, "run", srv.URL+"/feed", true, time.Now())
	p := &Poller{Store: s, Client: fetch.New(fetch.Options{}), Tick: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ids, _ := s.ArticleIDs(t.Context(), "run"); len(ids) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run stored nothing within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run: got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
}
