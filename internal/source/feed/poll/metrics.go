package poll

import (
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/store"
)

// observe tells p.Metrics what one poll of f did. stage is the step the
// poll had reached (fetch, parse, store): where its error, if any, came
// from.
func (p *Poller) observe(f store.Feed, at time.Time, stage string, fetchTook time.Duration, res PollResult) {
	if p.Metrics == nil {
		return
	}
	if res.Err == nil {
		stage = ""
	}
	p.Metrics.FeedPolled(metrics.FeedPoll{Feed: f.Name, NotModified: res.NotModified,
		New: res.Counts.New, Updated: res.Counts.Updated, Duplicate: res.Counts.Duplicate,
		Fetch: fetchTook, Stage: stage, Err: res.Err, At: at})
}
