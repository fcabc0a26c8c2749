package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// ErrExists is returned when something to be added exists already.
var ErrExists = errors.New("already exists")

// Feed is a subscribed news feed and the state of its polling. Zero
// times mean "never".
type Feed struct {
	Name string `json:"name"` // the source name of its articles
	URL  string `json:"url"`
	// Interval is the time between polls when all is well.
	Interval time.Duration `json:"interval"`
	// AllowPrivate lets the feed be fetched from private, loopback and
	// link-local addresses (a feed on the local network).
	AllowPrivate bool `json:"allow_private,omitempty"`
	// ETag and LastModified are the validators of the last response, sent
	// back on the next poll so that an unchanged feed costs a 304.
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Added        time.Time `json:"added"`
	LastPoll     time.Time `json:"last_poll"`
	LastSuccess  time.Time `json:"last_success"`
	// LastError is the last poll's error, "" after a success.
	LastError string `json:"last_error,omitempty"`
	// Problems is what the last document read could not read (items,
	// dates, encoding), one a line; "" when all was read.
	Problems string `json:"problems,omitempty"`
	// ItemsSeen counts the items of every document read, duplicates
	// included.
	ItemsSeen int `json:"items_seen"`
	// Failures counts the polls that failed since the last success; the
	// next poll backs off with it.
	Failures int       `json:"failures"`
	NextPoll time.Time `json:"next_poll"`
}

// ArticleCounts says what SaveArticles did with each article.
//
// The rules, the same for every backend, applied to each article in order
// inside one transaction:
//   - the current report of the same source and source_ref has the same
//     content hash: Duplicate (nothing is written).
//   - it has another content hash (an article edited in place, a figure
//     revised): the article is stored as a new report (id with a "~n"
//     suffix) and the old report is marked superseded by it: Updated.
//   - no report of that source_ref, but an article of the same source
//     with the same content hash, or of any source with the same URL:
//     Duplicate.
//   - otherwise: New.
type ArticleCounts struct {
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Duplicate int `json:"duplicate"`
}

// Add adds o to c.
func (c *ArticleCounts) Add(o ArticleCounts) {
	c.New += o.New
	c.Updated += o.Updated
	c.Duplicate += o.Duplicate
}

// ArticleLookup is what PlanArticles reads from a backend, inside the
// transaction that then writes the plan.
type ArticleLookup interface {
	// ReportRefs returns the ids of every stored report of a source's
	// reference, and the id and article content hash of the current
	// (not superseded) one; "" when there is none.
	ReportRefs(ctx context.Context, source, ref string) (ids []string, current, hash string, err error)
	// ArticleExists reports whether an article of source has the content
	// hash, or an article of any source has the (non-empty) URL.
	ArticleExists(ctx context.Context, source, hash, url string) (bool, error)
}

// Supersede says that report ID was replaced by report By.
type Supersede struct{ ID, By string }

// ArticlePlan is what SaveArticles writes.
type ArticlePlan struct {
	New       []model.Article // reports to insert, ids final
	Supersede []Supersede
	Counts    ArticleCounts
}

// PlanArticles applies the rules of ArticleCounts to arts, an article
// repeated within arts being treated as if it came later. Reports with
// a zero fetch time get at.
func PlanArticles(ctx context.Context, l ArticleLookup, arts []model.Article, at time.Time) (ArticlePlan, error) {
	var p ArticlePlan
	type state struct {
		ids           map[string]bool
		current, hash string
	}
	refs := map[[2]string]*state{}
	hashes := map[[2]string]bool{}
	urls := map[string]bool{}
	for _, a := range arts {
		if err := a.CheckText(); err != nil {
			return ArticlePlan{}, fmt.Errorf("article %s: %w", a.Report.ID, err)
		}
		r := a.Report
		if r.Source == "" || r.SourceRef == "" {
			return ArticlePlan{}, fmt.Errorf("article %q: empty source or source_ref", r.ID)
		}
		k := [2]string{r.Source, r.SourceRef}
		st := refs[k]
		if st == nil {
			ids, cur, hash, err := l.ReportRefs(ctx, r.Source, r.SourceRef)
			if err != nil {
				return ArticlePlan{}, fmt.Errorf("look up %s: %w", r.SourceRef, err)
			}
			st = &state{ids: make(map[string]bool, len(ids)), current: cur, hash: hash}
			for _, id := range ids {
				st.ids[id] = true
			}
			refs[k] = st
		}
		switch {
		case st.current != "" && st.hash == a.ContentHash:
			p.Counts.Duplicate++
			continue
		case st.current != "":
			p.Counts.Updated++
		default:
			hk := [2]string{r.Source, a.ContentHash}
			dup := hashes[hk] || a.URL != "" && urls[a.URL]
			if !dup {
				var err error
				if dup, err = l.ArticleExists(ctx, r.Source, a.ContentHash, a.URL); err != nil {
					return ArticlePlan{}, fmt.Errorf("look up %s: %w", r.SourceRef, err)
				}
			}
			if dup {
				p.Counts.Duplicate++
				continue
			}
			p.Counts.New++
		}
		id := model.ReportID(r.Source, r.SourceRef, r.Revision)
		for n := len(st.ids) + 1; st.ids[id]; n++ {
			id = model.ReportID(r.Source, r.SourceRef, r.Revision) + "~" + strconv.Itoa(n)
		}
		a.Report.ID = id
		if a.Report.Fetched.IsZero() {
			a.Report.Fetched = at
		}
		if st.current != "" {
			p.Supersede = append(p.Supersede, Supersede{ID: st.current, By: id})
		}
		st.ids[id], st.current, st.hash = true, id, a.ContentHash
		hashes[[2]string{r.Source, a.ContentHash}] = true
		if a.URL != "" {
			urls[a.URL] = true
		}
		p.New = append(p.New, a)
	}
	return p, nil
}

// NextPoll returns when a feed is to be polled after a poll at `at`: one
// interval later after a success; after the n-th failure in a row,
// interval·2ⁿ (at least a minute), capped at a day or the interval if
// that is longer, so that a dead feed is asked less and less often and a
// flaky one soon again.
func NextPoll(at time.Time, interval time.Duration, failures int) time.Time {
	if failures <= 0 {
		return at.Add(interval)
	}
	limit := max(24*time.Hour, interval)
	d := max(interval, time.Minute)
	for range min(failures, 30) {
		d *= 2
		if d >= limit {
			return at.Add(limit)
		}
	}
	return at.Add(d)
}
