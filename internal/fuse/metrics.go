package fuse

import (
	"context"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
)

// Incremental fuses the claims not yet fused into the incidents there
// are, or re-fuses everything when the claims waiting are at least as
// many as those fused: see incremental. opts.Metrics, if set, is told of
// the run.
func Incremental(ctx context.Context, st Store, opts RunOptions) (Summary, error) {
	start := time.Now()
	sum, err := incremental(ctx, st, opts)
	observe(opts, sum, sum.Full, time.Since(start), err)
	return sum, err
}

// All re-fuses every current claim from scratch: see all. opts.Metrics,
// if set, is told of the run.
func All(ctx context.Context, st Store, opts RunOptions) (Summary, error) {
	start := time.Now()
	sum, err := all(ctx, st, opts)
	observe(opts, sum, true, time.Since(start), err)
	return sum, err
}

// observe reports a run to opts.Metrics. A run with nothing to fuse is
// still a run: the operator sees that fusion is alive.
func observe(opts RunOptions, sum Summary, full bool, took time.Duration, err error) {
	opts.Metrics.FuseDone(metrics.FuseRun{Full: full, Claims: sum.Claims, Created: sum.Created,
		Changed: sum.Versions - sum.Created, Retired: sum.Retired, Took: took, At: opts.At, Err: err})
}
