package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// What the feed poller changes while vigil serves is audited with the
// actor "system": the articles each poll stores, the claims read out of
// them, and each fusion run they cause. An entry that cannot be written
// is logged, not returned: the change is stored by then, and failing the
// poll would only make the poller fetch the same items again.

// systemPollStore is the poller's store while serving.
type systemPollStore struct {
	feedStore
	now func() time.Time
	log *slog.Logger
}

// SaveArticles stores a poll's articles and audits what was new.
func (s systemPollStore) SaveArticles(ctx context.Context, arts []model.Article, at time.Time) (store.ArticleCounts, error) {
	c, err := s.feedStore.SaveArticles(ctx, arts, at)
	if err != nil || c.New+c.Updated == 0 || len(arts) == 0 {
		return c, err
	}
	systemRecord(ctx, s.feedStore, s.now, s.log, audit.FeedPoll, arts[0].Report.Source,
		map[string]int{"new": c.New, "updated": c.Updated, "duplicate": c.Duplicate})
	return c, nil
}

// fuseAsSystem audits the claims read out of an article and fuses them.
func fuseAsSystem(ctx context.Context, fb fuseBackend, now func() time.Time, log *slog.Logger, m *metrics.Metrics, a model.Article, stored int) error {
	if stored == 0 {
		return nil
	}
	target := a.URL
	if target == "" {
		target = a.Report.ID
	}
	systemRecord(ctx, fb, now, log, audit.Extract, target, map[string]any{"source": a.Report.Source, "claims": stored})
	sum, err := fuse.Incremental(ctx, fb, fuse.RunOptions{At: now(), Metrics: m})
	if err != nil || sum.Claims == 0 {
		return err
	}
	systemRecord(ctx, fb, now, log, audit.Fuse, "", fuseDetails(sum))
	return nil
}

func systemRecord(ctx context.Context, a audit.Appender, now func() time.Time, log *slog.Logger, action, target string, details any) {
	if err := audit.Record(ctx, a, now(), audit.System, action, target, details); err != nil {
		log.Error("audit", "action", action, "target", target, "error", err)
	}
}
