package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// FeedBackend is what the feed contract tests need beyond Backend.
type FeedBackend interface {
	Backend
	AddFeed(ctx context.Context, f store.Feed) error
	UpdateFeed(ctx context.Context, f store.Feed) error
	RemoveFeed(ctx context.Context, name string) error
	Feed(ctx context.Context, name string) (store.Feed, error)
	Feeds(ctx context.Context, dueBy time.Time) ([]store.Feed, error)
	SaveArticles(ctx context.Context, arts []model.Article, at time.Time) (store.ArticleCounts, error)
	Article(ctx context.Context, reportID string) (model.Article, error)
	ArticleIDs(ctx context.Context, source string) ([]string, error)
	UnknownRefs(ctx context.Context, source string, refs []string) ([]string, error)
	AddSource(ctx context.Context, src model.Source) error
	Source(ctx context.Context, name string) (model.Source, error)
}

// testFeeds runs the feed and article contract tests.
func testFeeds(t *testing.T, b Backend) {
	fb, ok := b.(FeedBackend)
	if !ok {
		t.Fatalf("backend %T lacks the feed methods", b)
	}
	t.Run("Subscriptions", func(t *testing.T) { testFeedSubscriptions(t, fb) })
	t.Run("Articles", func(t *testing.T) { testArticles(t, fb) })
	t.Run("FailedArticlesStoreNothing", func(t *testing.T) { testFailedArticles(t, fb) })
	t.Run("AddSourceKeepsStored", func(t *testing.T) { testAddSource(t, fb) })
}

// Feed sources used by the tests.
var (
	NewsA = model.Source{Name: "news-a", Kind: model.KindFeed, Title: "News A", Reliability: 0.5}
	NewsB = model.Source{Name: "news-b", Kind: model.KindFeed, Title: "News B", Reliability: 0.5}
)

func testFeedSubscriptions(t *testing.T, b FeedBackend) {
	ctx := t.Context()
	a := store.Feed{Name: "news-a", URL: "https://a.example/rss", Interval: 15 * time.Minute, Added: at1, NextPoll: at1}
	c := store.Feed{Name: "news-c", URL: "http://10.0.0.5/feed", Interval: time.Hour, AllowPrivate: true, Added: at2, NextPoll: at3}
	for _, f := range []store.Feed{c, a} {
		if err := b.AddFeed(ctx, f); err != nil {
			t.Fatalf("AddFeed %s: %v", f.Name, err)
		}
	}
	for _, dup := range []store.Feed{
		{Name: "news-a", URL: "https://other.example/rss", Interval: time.Hour, Added: at1, NextPoll: at1},
		{Name: "news-z", URL: a.URL, Interval: time.Hour, Added: at1, NextPoll: at1},
	} {
		if err := b.AddFeed(ctx, dup); !errors.Is(err, store.ErrExists) {
			t.Errorf("AddFeed of a taken name or URL (%s %s): got %v, want ErrExists", dup.Name, dup.URL, err)
		}
	}
	if err := b.AddFeed(ctx, store.Feed{Name: "x", URL: "https://x.example", Added: at1, NextPoll: at1}); err == nil {
		t.Errorf("AddFeed without an interval: got no error")
	}

	got, err := b.Feed(ctx, "news-c")
	if err != nil {
		t.Fatal(err)
	}
	c.Added = stored(c.Added)
	if !reflect.DeepEqual(got, c) {
		t.Errorf("Feed: got %+v, want %+v", got, c)
	}

	all, err := b.Feeds(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if names := feedNames(all); !slices.Equal(names, []string{"news-a", "news-c"}) {
		t.Errorf("Feeds: got %v, want news-a, news-c", names)
	}
	due, err := b.Feeds(ctx, at2)
	if err != nil {
		t.Fatal(err)
	}
	if names := feedNames(due); !slices.Equal(names, []string{"news-a"}) {
		t.Errorf("Feeds due by %v: got %v, want news-a", at2, names)
	}

	// A poll's state comes back as stored; URL and interval are not
	// changed by it.
	polled := a
	polled.URL, polled.Interval = "https://ignored.example", time.Minute
	polled.ETag, polled.LastModified = `W/"abc"`, "Wed, 03 Jan 2024 10:00:00 GMT"
	polled.LastPoll, polled.LastSuccess = at2, at1
	polled.LastError, polled.Problems = "fetch: 503 Service Unavailable", "item 3: published: unreadable date"
	polled.ItemsSeen, polled.Failures = 40, 2
	polled.NextPoll = at3
	if err := b.UpdateFeed(ctx, polled); err != nil {
		t.Fatal(err)
	}
	got, err = b.Feed(ctx, "news-a")
	if err != nil {
		t.Fatal(err)
	}
	want := polled
	want.URL, want.Interval = a.URL, a.Interval
	want.LastPoll = stored(want.LastPoll)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after UpdateFeed: got %+v, want %+v", got, want)
	}
	if due, err = b.Feeds(ctx, at2); err != nil || len(due) != 0 {
		t.Errorf("Feeds due by %v after the poll: got %v, %v, want none", at2, feedNames(due), err)
	}

	if err := b.UpdateFeed(ctx, store.Feed{Name: "nope", NextPoll: at1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateFeed of an unknown feed: got %v, want ErrNotFound", err)
	}
	if err := b.RemoveFeed(ctx, "news-c"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Feed(ctx, "news-c"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Feed after RemoveFeed: got %v, want ErrNotFound", err)
	}
	if err := b.RemoveFeed(ctx, "news-c"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemoveFeed twice: got %v, want ErrNotFound", err)
	}
}

func feedNames(fs []store.Feed) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// Article returns an article the way the feed reader makes one.
func Article(src, ref, url, title, text string, published *time.Time) model.Article {
	raw := "<item><guid>" + ref + "</guid><title>" + title + "</title><description>" + text + "</description></item>"
	return model.Article{
		Report: model.Report{ID: model.ReportID(src, ref, 0), Source: src, SourceRef: ref, Raw: []byte(raw),
			Hash: hashOf([]byte(raw)), Origin: "feed.xml:" + ref, Fetched: fetched, Published: published},
		URL: url, Language: "en", Title: title, Text: text, ContentHash: hashOf([]byte(title + "\x00" + text)),
	}
}

func saveArticles(t *testing.T, b FeedBackend, at time.Time, arts ...model.Article) store.ArticleCounts {
	t.Helper()
	c, err := b.SaveArticles(t.Context(), arts, at)
	if err != nil {
		t.Fatalf("SaveArticles: %v", err)
	}
	return c
}

func testArticles(t *testing.T, b FeedBackend) {
	ctx := t.Context()
	ensure(t, b, NewsA)
	ensure(t, b, NewsB)
	pub := time.Date(2024, 1, 3, 14, 0, 0, 0, time.UTC)
	a1 := Article("news-a", "g1", "https://a.example/1", "Twin blasts in Kerman", "At least 84 killed.", &pub)
	a2 := Article("news-a", "g2", "https://a.example/2", "Attack on convoy", "Two soldiers killed.", nil)
	a3 := Article("news-a", "g3", "", "Ceremony held", "No attack.", nil)
	a3.Report.Fetched = time.Time{} // takes the save time

	if got, want := saveArticles(t, b, at1, a1, a2, a3), (store.ArticleCounts{New: 3}); got != want {
		t.Errorf("first save: got %+v, want %+v", got, want)
	}
	if got, want := saveArticles(t, b, at2, a1, a2, a3), (store.ArticleCounts{Duplicate: 3}); got != want {
		t.Errorf("same articles again: got %+v, want %+v", got, want)
	}

	got, err := b.Article(ctx, a1.Report.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := a1
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Article: got %+v, want %+v", got, want)
	}
	if got, err := b.Article(ctx, a3.Report.ID); err != nil || !got.Report.Fetched.Equal(at1) {
		t.Errorf("Article without a fetch time: got fetched %v, %v, want the save time %v", got.Report.Fetched, err, at1)
	}

	// Revised: same GUID, new figures: a new report supersedes the old.
	rev := Article("news-a", "g1", "https://a.example/1", "Twin blasts in Kerman", "At least 95 killed.", &pub)
	// The same words under another GUID, or the same URL in another feed,
	// are the same article.
	sameText := Article("news-a", "g9", "https://a.example/9", "Attack on convoy", "Two soldiers killed.", nil)
	sameURL := Article("news-b", "b1", "https://a.example/2", "Convoy attacked", "Other words.", nil)
	fresh := Article("news-b", "b2", "https://b.example/2", "Market bombing", "Five wounded.", nil)
	if got, want := saveArticles(t, b, at2, rev, sameText, sameURL, fresh), (store.ArticleCounts{New: 1, Updated: 1, Duplicate: 2}); got != want {
		t.Errorf("revision and duplicates: got %+v, want %+v", got, want)
	}
	ids, err := b.ArticleIDs(ctx, "news-a")
	if err != nil {
		t.Fatal(err)
	}
	if wantIDs := []string{"news-a:g1~2", "news-a:g2", "news-a:g3"}; !slices.Equal(ids, wantIDs) {
		t.Errorf("current articles of news-a: got %v, want %v", ids, wantIDs)
	}
	if got, err := b.Article(ctx, "news-a:g1~2"); err != nil || got.Text != rev.Text || string(got.Report.Raw) != string(rev.Report.Raw) {
		t.Errorf("revised article: got %q %q, %v, want %q", got.Text, got.Report.Raw, err, rev.Text)
	}
	if got, err := b.Article(ctx, "news-a:g1"); err != nil || got.Text != a1.Text {
		t.Errorf("the first version is kept: got %q, %v, want %q", got.Text, err, a1.Text)
	}
	all, err := b.ArticleIDs(ctx, "")
	if err != nil || len(all) != 4 {
		t.Errorf("current articles of all sources: got %v, %v, want 4", all, err)
	}
	unknown, err := b.UnknownRefs(ctx, "news-a", []string{"g9", "g1", "b2", "g3", "new"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"g9", "b2", "new"}; !slices.Equal(unknown, want) {
		t.Errorf("UnknownRefs: got %v, want %v", unknown, want)
	}
	// Back to the first text: a change like any other.
	if got, want := saveArticles(t, b, at3, a1), (store.ArticleCounts{Updated: 1}); got != want {
		t.Errorf("revision back: got %+v, want %+v", got, want)
	}

	st, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reports != 6 || st.Claims != 0 || st.Incidents != 0 || st.ReportsBySource["news-a"] != 3 {
		t.Errorf("stats: got %d reports (%v), %d claims, %d incidents, want 6 reports (3 current of news-a), no claims or incidents",
			st.Reports, st.ReportsBySource, st.Claims, st.Incidents)
	}
	if _, err := b.Article(ctx, "news-a:nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Article of an unknown id: got %v, want ErrNotFound", err)
	}
}

// testFailedArticles runs on the store testArticles left: a failed save
// must leave it as it was.
func testFailedArticles(t *testing.T, b FeedBackend) {
	ctx := t.Context()
	ensure(t, b, NewsA)
	before, err := b.ArticleIDs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	statsBefore, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	good := Article("news-a", "ok", "https://a.example/ok", "Fine", "Fine text.", nil)
	bad := Article("news-a", "bad", "https://a.example/bad", "Bad", "NUL \x00 inside", nil)
	if _, err := b.SaveArticles(ctx, []model.Article{good, bad}, at1); err == nil {
		t.Errorf("SaveArticles with a NUL in the text: got no error")
	}
	unknown := Article("no-such-source", "x", "https://x.example/x", "X", "X text.", nil)
	if _, err := b.SaveArticles(ctx, []model.Article{good, unknown}, at1); err == nil {
		t.Errorf("SaveArticles of an unknown source: got no error")
	}
	if ids, err := b.ArticleIDs(ctx, ""); err != nil || !slices.Equal(ids, before) {
		t.Errorf("after failed saves: got articles %v, %v, want %v", ids, err, before)
	}
	if st, err := b.Stats(ctx); err != nil || st.Reports != statsBefore.Reports {
		t.Errorf("after failed saves: got %d reports, %v, want %d", st.Reports, err, statsBefore.Reports)
	}
}

// testAddSource: AddSource stores a new source, and leaves a stored one
// (an analyst's reliability) as it is.
func testAddSource(t *testing.T, b FeedBackend) {
	ctx := t.Context()
	src := model.Source{Name: "news-new", Kind: model.KindFeed, Title: "New", Reliability: 0.5}
	if err := b.AddSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Source(ctx, "news-new"); err != nil || got != src {
		t.Errorf("Source after AddSource: got %+v, %v, want %+v", got, err, src)
	}
	set := src
	set.Reliability, set.Title = 0.8, "Set by an analyst"
	ensure(t, b, set)
	if err := b.AddSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Source(ctx, "news-new"); err != nil || got != set {
		t.Errorf("Source after AddSource of a stored source: got %+v, %v, want it kept as %+v", got, err, set)
	}
	if _, err := b.Source(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Source of an unknown name: got %v, want ErrNotFound", err)
	}
	// The source is there: articles of it can be stored.
	if c := saveArticles(t, b, at1, Article("news-new", "n1", "https://new.example/1", "T", "X.", nil)); c.New != 1 {
		t.Errorf("save after AddSource: got %+v, want 1 new", c)
	}
	if err := b.AddSource(ctx, model.Source{}); err == nil {
		t.Errorf("AddSource without a name: got no error")
	}
}
