// Package poll follows subscribed news feeds: Poller polls the feeds that
// are due with conditional GET through the safe fetcher, reads them with
// package feed, stores their new articles and each feed's status, and
// backs off from failing feeds. Run is the loop a server starts.
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vigil-project/vigil/internal/fetch"
	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source/feed"
	"github.com/vigil-project/vigil/internal/store"
)

// Store is what the poller needs of a store.
type Store interface {
	Feeds(ctx context.Context, dueBy time.Time) ([]store.Feed, error)
	UpdateFeed(ctx context.Context, f store.Feed) error
	AddSource(ctx context.Context, src model.Source) error
	SaveArticles(ctx context.Context, arts []model.Article, at time.Time) (store.ArticleCounts, error)
	UnknownRefs(ctx context.Context, source string, refs []string) ([]string, error)
}

// Extractor turns an article's text into the claims it makes. The
// poller works without one (articles are stored as reports without
// claims, to be extracted later).
type Extractor interface {
	Extract(ctx context.Context, text, lang string, published time.Time) ([]model.Claim, error)
}

// Poller polls subscribed feeds and stores their new articles.
type Poller struct {
	Store  Store
	Client *fetch.Client
	// Concurrency is how many feeds are polled at once (default 4).
	Concurrency int
	// FetchArticles fetches the page of each new item and keeps its main
	// text (readability) instead of the feed's summary.
	FetchArticles bool
	// Extractor, when set, is run on each new article and Claims is given
	// what it finds; both nil for now (see Extractor).
	Extractor Extractor
	Claims    func(ctx context.Context, a model.Article, claims []model.Claim) error
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
	Log *slog.Logger
	// Tick is the longest Run sleeps between looking for due feeds
	// (default 30 s): a feed added meanwhile waits at most this long.
	Tick time.Duration
	// Metrics, when set, are told of every poll of every feed.
	Metrics *metrics.Metrics
}

// PollResult is what one poll of one feed did.
type PollResult struct {
	Feed        string              `json:"feed"`
	NotModified bool                `json:"not_modified,omitempty"`
	Items       int                 `json:"items"`
	Counts      store.ArticleCounts `json:"counts"`
	Problems    []feed.Problem      `json:"problems,omitempty"`
	Err         error               `json:"-"`
	NextPoll    time.Time           `json:"next_poll"`
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}

// PollDue polls every feed whose next poll is due (every feed with all),
// Concurrency at a time, and returns the results by feed name order of
// the store. An error is returned only when the feeds cannot be listed;
// each feed's own failure is in its result and its stored status.
func (p *Poller) PollDue(ctx context.Context, all bool) ([]PollResult, error) {
	dueBy := p.now()
	if all {
		dueBy = time.Time{}
	}
	feeds, err := p.Store.Feeds(ctx, dueBy)
	if err != nil {
		return nil, fmt.Errorf("poll: %w", err)
	}
	n := p.Concurrency
	if n <= 0 {
		n = 4
	}
	results := make([]PollResult, len(feeds))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, f := range feeds {
		if ctx.Err() != nil {
			results[i] = PollResult{Feed: f.Name, Err: ctx.Err()}
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = p.PollFeed(ctx, f)
		})
	}
	wg.Wait()
	return results, nil
}

// maxProblems is how many problems a feed's status keeps.
const maxProblems = 20

// PollFeed polls one feed, stores its new articles and its new status
// (validators, last success or error, backoff), and returns what it did.
func (p *Poller) PollFeed(ctx context.Context, f store.Feed) (res PollResult) {
	at := p.now()
	res = PollResult{Feed: f.Name}
	stage, start, took := "fetch", time.Now(), time.Duration(0)
	defer func() { p.observe(f, at, stage, took, res) }()
	f.LastPoll = at
	fail := func(err error) PollResult {
		f.Failures++
		f.LastError = err.Error()
		f.NextPoll = store.NextPoll(at, f.Interval, f.Failures)
		var se *fetch.StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			if ra := at.Add(time.Duration(min(se.RetryAfter, 7*86400)) * time.Second); ra.After(f.NextPoll) {
				f.NextPoll = ra
			}
		}
		res.Err, res.NextPoll = err, f.NextPoll
		if uerr := p.Store.UpdateFeed(ctx, f); uerr != nil {
			res.Err = errors.Join(err, uerr)
		}
		p.log().Warn("feed poll failed", "feed", f.Name, "url", f.URL, "failures", f.Failures, "next_poll", f.NextPoll, "error", err)
		return res
	}

	resp, err := p.Client.Get(ctx, fetch.Request{URL: f.URL, ETag: f.ETag, LastModified: f.LastModified, AllowPrivate: f.AllowPrivate})
	took = time.Since(start)
	if err != nil {
		return fail(err)
	}
	stage = "parse"
	if !resp.NotModified {
		doc, err := feed.Parse(resp.Body, feed.Options{Source: f.Name, Origin: f.URL, ContentType: resp.ContentType, BaseURL: resp.URL, Fetched: at})
		if err != nil {
			// Validators are not kept: the next poll reads the document
			// again rather than being told it has not changed.
			return fail(err)
		}
		res.Items, res.Problems = doc.Items, doc.Problems
		stage = "store"
		arts := doc.Articles
		fresh, err := p.unknown(ctx, f.Name, arts)
		if err != nil {
			return fail(err)
		}
		if p.FetchArticles {
			res.Problems = append(res.Problems, p.fetchPages(ctx, f, arts, fresh)...)
		}
		if len(arts) > 0 {
			title := doc.Title
			if title == "" {
				title = f.URL
			}
			if err := p.Store.AddSource(ctx, model.Source{Name: f.Name, Kind: model.KindFeed, Title: title, Reliability: feed.Reliability}); err != nil {
				return fail(err)
			}
			if res.Counts, err = p.Store.SaveArticles(ctx, arts, at); err != nil {
				return fail(err)
			}
		}
		if p.Extractor != nil {
			res.Problems = append(res.Problems, p.extract(ctx, arts, fresh)...)
		}
		f.ETag, f.LastModified = resp.ETag, resp.LastModified
		f.ItemsSeen += doc.Items
		f.Problems = problemText(res.Problems)
	} else {
		res.NotModified = true
	}
	stage = "store"
	f.LastSuccess, f.LastError, f.Failures = at, "", 0
	f.NextPoll = store.NextPoll(at, f.Interval, 0)
	res.NextPoll = f.NextPoll
	if err := p.Store.UpdateFeed(ctx, f); err != nil {
		res.Err = err
	}
	p.log().Info("feed polled", "feed", f.Name, "not_modified", res.NotModified, "items", res.Items,
		"new", res.Counts.New, "updated", res.Counts.Updated, "problems", len(res.Problems))
	return res
}

// unknown returns which articles' references the store does not have
// yet (by index), the ones whose page and claims are worth the work.
func (p *Poller) unknown(ctx context.Context, source string, arts []model.Article) (map[int]bool, error) {
	if !p.FetchArticles && p.Extractor == nil || len(arts) == 0 {
		return nil, nil
	}
	refs := make([]string, len(arts))
	for i, a := range arts {
		refs[i] = a.Report.SourceRef
	}
	unknown, err := p.Store.UnknownRefs(ctx, source, refs)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(unknown))
	for _, r := range unknown {
		set[r] = true
	}
	out := map[int]bool{}
	for i, r := range refs {
		if set[r] {
			out[i] = true
		}
	}
	return out, nil
}

// fetchPages replaces the text of each new article that has a link by the
// main text of its page, and its raw report by the page as received. The
// content hash stays the feed item's, so that the next poll finds the
// item unchanged rather than "revised" to its summary. A page that cannot
// be fetched or read leaves the item as it was, with a Problem.
func (p *Poller) fetchPages(ctx context.Context, f store.Feed, arts []model.Article, fresh map[int]bool) []feed.Problem {
	var probs []feed.Problem
	for i := range arts {
		a := &arts[i]
		if !fresh[i] || a.URL == "" || ctx.Err() != nil {
			continue
		}
		resp, err := p.Client.Get(ctx, fetch.Request{URL: a.URL, AllowPrivate: f.AllowPrivate,
			Accept: "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"})
		if err == nil && resp.NotModified {
			err = errors.New("304 to an unconditional request")
		}
		if err != nil {
			probs = append(probs, feed.Problem{Field: "page", Reason: fmt.Sprintf("%s: %s", a.Report.SourceRef, feed.ShortErr(err))})
			continue
		}
		page, err := feed.Page(resp.Body, feed.PageOptions{Source: f.Name, Origin: resp.URL, ContentType: resp.ContentType,
			URL: a.URL, Fetched: a.Report.Fetched, Published: a.Report.Published, Language: a.Language})
		if err != nil {
			probs = append(probs, feed.Problem{Field: "page", Reason: fmt.Sprintf("%s: %s", a.Report.SourceRef, feed.ShortErr(err))})
			continue
		}
		if len(page.Text) <= len(a.Text) {
			continue // the feed already carried the whole article
		}
		a.Report.Raw, a.Report.Hash, a.Report.Origin = page.Report.Raw, page.Report.Hash, page.Report.Origin
		a.Text, a.Language = page.Text, page.Language
		if a.Title == "" {
			a.Title = page.Title
		}
		if a.Report.Published == nil {
			a.Report.Published = page.Report.Published
		}
	}
	return probs
}

// extract runs the extractor on the new articles and hands their claims
// on; failures are problems of the poll, not failures of the feed.
func (p *Poller) extract(ctx context.Context, arts []model.Article, fresh map[int]bool) []feed.Problem {
	var probs []feed.Problem
	for i, a := range arts {
		if !fresh[i] {
			continue
		}
		var pub time.Time
		if a.Report.Published != nil {
			pub = *a.Report.Published
		}
		claims, err := p.Extractor.Extract(ctx, a.Title+"\n"+a.Text, a.Language, pub)
		if err == nil && p.Claims != nil && len(claims) > 0 {
			err = p.Claims(ctx, a, claims)
		}
		if err != nil {
			probs = append(probs, feed.Problem{Field: "extract", Reason: fmt.Sprintf("%s: %s", a.Report.SourceRef, feed.ShortErr(err))})
		}
	}
	return probs
}

// problemText is the stored status text of a poll's problems.
func problemText(ps []feed.Problem) string {
	var lines []string
	for i, p := range ps {
		if i == maxProblems {
			lines = append(lines, fmt.Sprintf("… and %d more", len(ps)-maxProblems))
			break
		}
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

// Run polls due feeds until ctx ends: at once, then whenever the next
// feed falls due (looking at least every Tick). It returns ctx's error.
func (p *Poller) Run(ctx context.Context) error {
	tick := p.Tick
	if tick <= 0 {
		tick = 30 * time.Second
	}
	for {
		if _, err := p.PollDue(ctx, false); err != nil {
			p.log().Error("feed poller", "error", err)
		}
		wait := tick
		if feeds, err := p.Store.Feeds(ctx, time.Time{}); err == nil {
			now := p.now()
			for _, f := range feeds {
				if d := f.NextPoll.Sub(now); d < wait {
					wait = max(d, time.Second)
				}
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
