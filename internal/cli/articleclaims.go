package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/feed/poll"
)

// extractedSource is the source of the claims vigil reads out of news
// articles: what a machine read, kept apart from what the outlets said so
// that anyone can tell the two, and weighed as media by fusion.
var extractedSource = model.Source{Name: "extract", Kind: model.KindFeed,
	Title: "claims vigil read out of news articles (vigil extract)", Reliability: 0.3}

// claimRecords makes the claims read out of an article records of
// extractedSource: one report — the extraction itself as JSON, referenced
// by the article's URL (or its report id) and naming the article's report
// as its origin — with one claim per dated incident. Reading an unchanged
// article again gives the same report, which the store finds unchanged.
func claimRecords(a model.Article, claims []model.Claim, fetched time.Time) ([]model.Record, error) {
	if len(claims) == 0 {
		return nil, nil
	}
	raw, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", a.Report.ID, err)
	}
	ref := a.URL
	if ref == "" {
		ref = a.Report.ID
	}
	rep := source.NewReport(extractedSource.Name, ref, 0, raw, source.Options{Fetched: fetched}, 0)
	rep.Origin = "article " + a.Report.ID
	rep.Published = a.Report.Published
	recs := make([]model.Record, len(claims))
	for i, c := range claims {
		c.ID = model.ClaimID(rep.ID, i+1)
		c.ReportID = rep.ID
		c.Source = extractedSource.Name
		recs[i] = model.Record{Report: rep, Claim: c}
	}
	return recs, nil
}

// storeClaims stores the records of one or more articles' claims.
func storeClaims(ctx context.Context, st ingest.Store, recs []model.Record, at time.Time) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	if err := st.EnsureSource(ctx, extractedSource); err != nil {
		return 0, err
	}
	c, err := st.ImportBatch(ctx, recs, at)
	if err != nil {
		return 0, fmt.Errorf("store extracted claims: %w", err)
	}
	return c.New + c.Updated, nil
}

// extractArticles reads and stores the claims of articles, and returns
// how many claims were new or changed.
func extractArticles(ctx context.Context, st ingest.Store, arts []model.Article, at time.Time) (int, error) {
	var x extract.ClaimExtractor
	var recs []model.Record
	for _, a := range arts {
		published := time.Time{}
		if a.Report.Published != nil {
			published = *a.Report.Published
		}
		claims, err := x.Extract(ctx, a.Title+"\n"+a.Text, a.Language, published)
		if err != nil {
			return 0, err
		}
		r, err := claimRecords(a, claims, at)
		if err != nil {
			return 0, err
		}
		recs = append(recs, r...)
	}
	return storeClaims(ctx, st, recs, at)
}

// extractInto sets a poller to read claims out of every new article and
// store them; then, when set, runs after each article's claims are
// stored, with how many were new or changed (the server audits and fuses
// there; `feeds poll` fuses once after the poll).
func extractInto(p *poll.Poller, st ingest.Store, now func() time.Time, then func(ctx context.Context, a model.Article, stored int) error) {
	p.Extractor = extract.ClaimExtractor{}
	p.Claims = func(ctx context.Context, a model.Article, claims []model.Claim) error {
		at := now()
		recs, err := claimRecords(a, claims, at)
		if err != nil {
			return err
		}
		n, err := storeClaims(ctx, st, recs, at)
		if err != nil || then == nil {
			return err
		}
		return then(ctx, a, n)
	}
}
