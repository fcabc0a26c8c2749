package poll

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fetch"
	"github.com/vigil-project/vigil/internal/store"
)

// realisticRSS returns a 20-item RSS 2.0 document like a news site's:
// namespaces, HTML descriptions of a few hundred bytes, GUIDs, dates.
func realisticRSS(feed int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Newsroom %d</title><link>https://news%d.example/</link><description>World news</description><language>en-gb</language>
<atom:link href="https://news%d.example/rss" rel="self" type="application/rss+xml"/>
`, feed, feed, feed)
	for i := range 20 {
		fmt.Fprintf(&b, `<item><title>Explosion near market in city %d kills at least %d, officials say</title>
<link>https://news%d.example/world/2024/jan/03/story-%d</link>
<guid isPermaLink="false">news%d-story-%d</guid>
<description>&lt;p&gt;At least %d people were killed and dozens wounded when an explosion struck a crowded market on Wednesday, local officials said. &lt;a href="https://news%d.example/world/2024/jan/03/story-%d"&gt;Continue reading...&lt;/a&gt; Witnesses described scenes of chaos as emergency services arrived; the provincial governor said the toll could rise.&lt;/p&gt;</description>
<pubDate>Wed, 03 Jan 2024 %02d:%02d:00 GMT</pubDate><dc:creator>Staff and agencies</dc:creator>
<media:content width="140" url="https://i.news%d.example/img/%d.jpg"/></item>
`, i, 3+i, feed, i, feed, i, 3+i, feed, i, i%24, (i*7)%60, feed, i)
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// BenchmarkPoll500 polls 500 feeds, each a 20-item RSS on its own
// loopback server (its own host and port), twice: first every item is
// new and stored; second every feed answers 304 to the conditional GET.
// The metrics first-s and second-s are the wall times of each poll.
func BenchmarkPoll500(b *testing.B) {
	const n = 500
	servers := make([]*httptest.Server, n)
	for i := range n {
		body := realisticRSS(i)
		etag := fmt.Sprintf(`"feed-%d"`, i)
		servers[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Last-Modified", "Wed, 03 Jan 2024 12:00:00 GMT")
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			w.Write([]byte(body))
		}))
	}
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	ctx := context.Background()
	var first, second time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b)
		for j, s := range servers {
			if err := st.AddFeed(ctx, store.Feed{Name: fmt.Sprintf("feed-%03d", j), URL: s.URL + "/rss",
				Interval: 15 * time.Minute, AllowPrivate: true, Added: fetched, NextPoll: fetched}); err != nil {
				b.Fatal(err)
			}
		}
		p := &Poller{Store: st, Client: fetch.New(fetch.Options{}), Concurrency: 8}
		b.StartTimer()

		start := time.Now()
		res, err := p.PollDue(ctx, true)
		first += time.Since(start)
		if err != nil || len(res) != n {
			b.Fatalf("first poll: %d results, %v", len(res), err)
		}
		for _, r := range res {
			if r.Err != nil || r.Counts.New != 20 {
				b.Fatalf("first poll of %s: %+v", r.Feed, r)
			}
		}
		start = time.Now()
		res, err = p.PollDue(ctx, true)
		second += time.Since(start)
		if err != nil || len(res) != n {
			b.Fatalf("second poll: %d results, %v", len(res), err)
		}
		for _, r := range res {
			if r.Err != nil || !r.NotModified {
				b.Fatalf("second poll of %s: %+v", r.Feed, r)
			}
		}
	}
	b.ReportMetric(first.Seconds()/float64(b.N), "first-s")
	b.ReportMetric(second.Seconds()/float64(b.N), "second-s")
}
