package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/store"
)

// pruner is what retention needs of a store: both backends have it.
type pruner interface {
	PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error)
	audit.Appender
}

// runPrune is `vigil prune`: remove the raw bodies of reports received
// before a cutoff, keeping claims and provenance (store.PruneOptions).
func runPrune(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "prune", "--raw-older-than AGE", &cfg, true, export.Table)
	olderThan := fs.String("raw-older-than", "", "remove raw report bodies received longer ago than AGE: days (90d) or a duration (36h); default retention.raw_days")
	dryRun := fs.Bool("dry-run", false, "count what would be removed; change nothing")
	vacuum := fs.Bool("vacuum", false, "SQLite: rebuild the file afterwards so that it shrinks, and switch it to incremental vacuum (needs free disk the size of the store)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("prune takes no arguments: vigil prune --raw-older-than 90d [--dry-run]")
	}
	if err := tableOrJSON("prune", cfg); err != nil {
		return err
	}
	age := time.Duration(cfg.Conf.Retention.RawDays) * 24 * time.Hour
	if *olderThan != "" {
		if age, err = parseAge(*olderThan); err != nil {
			return usagef("prune: --raw-older-than: %v", err)
		}
	}
	if age <= 0 {
		return usagef("prune: say how old a body must be: --raw-older-than 90d (or set retention.raw_days)")
	}
	if *vacuum && isPostgres(cfg.DB) {
		fmt.Fprintln(env.Stderr, "prune: --vacuum is for SQLite files; PostgreSQL's autovacuum makes the space reusable")
	}
	b, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer b.Close()
	p, ok := b.(pruner)
	if !ok {
		return fmt.Errorf("store %T cannot prune", b)
	}
	now := env.Now().UTC()
	c, err := p.PruneRaw(ctx, store.PruneOptions{Before: now.Add(-age), At: now, DryRun: *dryRun, Vacuum: *vacuum})
	if err != nil {
		return err
	}
	if !*dryRun {
		if err := record(ctx, env, b, audit.Prune, "raw", pruneDetails(c, age)); err != nil {
			return err
		}
	}
	if cfg.Format == export.JSON {
		return writeJSON(env.Stdout, c)
	}
	writePrune(env.Stdout, c)
	return nil
}

// parseAge reads an age: whole days as "90d", else a Go duration.
func parseAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("%q: want whole days such as 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want days (90d) or a duration (36h)", s)
	}
	return d, nil
}

// pruneDetails is what the audit log keeps of a prune: the cutoff, the
// age asked for and the counts.
func pruneDetails(c store.PruneCounts, age time.Duration) any {
	return struct {
		store.PruneCounts
		OlderThan string `json:"older_than"`
	}{c, age.String()}
}

func writePrune(w io.Writer, c store.PruneCounts) {
	verb, chunks := "removed", "rewritten"
	if c.DryRun {
		verb, chunks = "would remove", "to rewrite"
	}
	fmt.Fprintf(w, "raw bodies received before %s: %s %d reports' (%d articles' text), %d rejected rows', %s; %d chunks %s\n",
		c.Before.Format(time.RFC3339), verb, c.Reports, c.Articles, c.Rejections, sizeText(c.Bytes), c.Chunks, chunks)
	if c.FreedBytes > 0 {
		fmt.Fprintf(w, "database file shrank by %s\n", sizeText(c.FreedBytes))
	}
	if c.FreeBytes > 0 {
		fmt.Fprintf(w, "database file holds %s free for later writes (--vacuum shrinks it)\n", sizeText(c.FreeBytes))
	}
	if !c.DryRun && !c.Empty() {
		fmt.Fprintln(w, "claims, incidents and each report's source, reference, hash and times are kept")
	}
}

// sizeText writes a byte count for people.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// retention is the daily prune of vigil serve and vigil worker
// (retention.raw_days): a prune at start, then one each tick.
type retention struct {
	st   pruner
	days int
	now  func() time.Time
	log  *slog.Logger
	// done, when set, is called after each prune (tests wait on it).
	done func(store.PruneCounts, error)
}

// run prunes at once and then at every tick until ctx ends. A failed
// prune is logged and tried again at the next tick: nothing is lost by
// waiting.
func (r *retention) run(ctx context.Context, tick <-chan time.Time) {
	for {
		c, err := r.once(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Error("retention prune", "err", err)
		}
		if r.done != nil {
			r.done(c, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// once prunes the bodies older than r.days; a prune that removed
// something is audited as system.
func (r *retention) once(ctx context.Context) (store.PruneCounts, error) {
	now := r.now().UTC()
	c, err := r.st.PruneRaw(ctx, store.PruneOptions{Before: store.RetentionCutoff(now, r.days), At: now})
	if err != nil {
		return c, fmt.Errorf("prune: %w", err)
	}
	if c.Empty() {
		return c, nil
	}
	r.log.Info("retention prune", "before", c.Before, "reports", c.Reports, "articles", c.Articles,
		"rejections", c.Rejections, "bytes", c.Bytes)
	if err := audit.Record(context.WithoutCancel(ctx), r.st, now, audit.System, audit.Prune, "raw",
		pruneDetails(c, time.Duration(r.days)*24*time.Hour)); err != nil {
		return c, fmt.Errorf("pruned, but not written to the audit log: %w", err)
	}
	return c, nil
}

// startRetention starts the daily prune when retention.raw_days is set
// and returns a function that stops it and waits for it to end.
func startRetention(ctx context.Context, env Env, st any, days int, log *slog.Logger) (stop func()) {
	p, ok := st.(pruner)
	if days <= 0 || !ok {
		return func() {}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	ticker := time.NewTicker(24 * time.Hour)
	ended := make(chan struct{})
	r := &retention{st: p, days: days, now: env.Now, log: log}
	go func() {
		defer close(ended)
		r.run(ctx, ticker.C)
	}()
	return func() {
		cancel()
		ticker.Stop()
		<-ended
	}
}
