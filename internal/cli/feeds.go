package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/fetch"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source/feed"
	"github.com/vigil-project/vigil/internal/source/feed/poll"
	"github.com/vigil-project/vigil/internal/store"
)

// feedStore is what the feeds and ingest commands need of a store, beyond
// backend: both backends have these methods.
type feedStore interface {
	poll.Store
	AddFeed(ctx context.Context, f store.Feed) error
	RemoveFeed(ctx context.Context, name string) error
	Feed(ctx context.Context, name string) (store.Feed, error)
	SaveRejections(ctx context.Context, rs []store.Rejection) error
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	Close() error
}

// openFeedStore opens the store a --db value names, as a feedStore.
func openFeedStore(ctx context.Context, dsn string) (feedStore, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	fs, ok := st.(feedStore)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("store %T cannot hold feeds", st)
	}
	return fs, nil
}

const feedsUsage = "usage: vigil feeds add URL [--name NAME] [--every 15m] [--allow-private] | list | rm NAME | poll [--all] [--fetch-articles]"

func runFeeds(ctx context.Context, env Env, args []string) error {
	// Run puts the global flags (--db X, --format X) first: the
	// subcommand is the first argument that is neither one nor its value.
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-h" && args[i] != "--help" {
		if !strings.Contains(args[i], "=") {
			i++
		}
		i++
	}
	if i >= len(args) {
		return usagef(feedsUsage)
	}
	sub, rest := args[i], append(append([]string{}, args[:i]...), args[i+1:]...)
	switch sub {
	case "add":
		return runFeedsAdd(ctx, env, rest)
	case "list", "ls":
		return runFeedsList(ctx, env, rest)
	case "rm", "remove":
		return runFeedsRemove(ctx, env, rest)
	case "poll":
		return runFeedsPoll(ctx, env, rest)
	case "-h", "--help", "help":
		// Every subcommand's flags, which `vigil help feeds` and the
		// shell completions read.
		fmt.Fprintln(env.Stderr, feedsUsage)
		for _, run := range []func(context.Context, Env, []string) error{runFeedsAdd, runFeedsList, runFeedsRemove, runFeedsPoll} {
			fmt.Fprintln(env.Stderr)
			run(ctx, env, []string{"-h"})
		}
		return flag.ErrHelp
	}
	return usagef("feeds: unknown subcommand %q\n%s", sub, feedsUsage)
}

func runFeedsAdd(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "feeds add", "URL", &cfg, false, "")
	name := fs.String("name", "", "the feed's name, also the source name of its articles (default: the URL's host)")
	every := fs.Duration("every", 15*time.Minute, "time between polls")
	private := fs.Bool("allow-private", false, "allow the feed on a private, loopback or link-local address (a local network)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil feeds add URL [--name NAME] [--every 15m] [--allow-private]")
	}
	u, err := url.Parse(pos[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("feeds add: %q is not an http or https URL", pos[0])
	}
	if *every < time.Minute {
		return usagef("feeds add: --every %v is under a minute", *every)
	}
	n := *name
	if n == "" {
		n = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	}
	if strings.ContainsAny(n, " \t\n/") {
		return usagef("feeds add: name %q: no spaces or slashes", n)
	}
	st, err := openFeedStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	now := env.Now()
	f := store.Feed{Name: n, URL: u.String(), Interval: *every, AllowPrivate: *private, Added: now, NextPoll: now}
	if err := st.AddFeed(ctx, f); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("feeds add: a feed named %q or with URL %s exists already (choose another --name)", n, u)
		}
		return fmt.Errorf("feeds add: %w", err)
	}
	fmt.Fprintf(env.Stdout, "added feed %s: %s every %v\n", n, u, *every)
	return record(ctx, env, st, audit.FeedAdd, n, map[string]any{"url": u.String(), "every": every.String(), "allow_private": *private})
}

func runFeedsRemove(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "feeds rm", "NAME", &cfg, false, "")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil feeds rm NAME")
	}
	st, err := openFeedStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RemoveFeed(ctx, pos[0]); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("feeds rm: no feed named %q", pos[0])
		}
		return fmt.Errorf("feeds rm: %w", err)
	}
	fmt.Fprintf(env.Stdout, "removed feed %s (its articles stay)\n", pos[0])
	return record(ctx, env, st, audit.FeedRemove, pos[0], nil)
}

func runFeedsList(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "feeds list", "", &cfg, true, export.Table)
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("feeds list takes no arguments")
	}
	st, err := openFeedStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	feeds, err := st.Feeds(ctx, time.Time{})
	if err != nil {
		return fmt.Errorf("feeds list: %w", err)
	}
	switch cfg.Format {
	case export.JSON:
		return writeJSONList(env.Stdout, feeds)
	case export.Table:
		writeFeeds(env.Stdout, feeds, env.Now())
		return nil
	}
	return usagef("feeds list: --format %s not supported: use table or json", cfg.Format)
}

// writeFeeds prints the feeds' status, one a line, with each one's
// last error and problems under it.
func writeFeeds(w io.Writer, feeds []store.Feed, now time.Time) {
	if len(feeds) == 0 {
		fmt.Fprintln(w, "no feeds: add one with 'vigil feeds add URL'")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tEVERY\tLAST SUCCESS\tITEMS\tFAILURES\tNEXT POLL\tSTATUS\tURL")
	for _, f := range feeds {
		status := "ok"
		switch {
		case f.LastPoll.IsZero():
			status = "never polled"
		case f.LastError != "":
			status = "failing"
		case f.Problems != "":
			if n := strings.Count(f.Problems, "\n") + 1; n == 1 {
				status = "ok, 1 problem"
			} else {
				status = fmt.Sprintf("ok, %d problems", n)
			}
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%d\t%d\t%s\t%s\t%s\n", f.Name, f.Interval, when(f.LastSuccess, now),
			f.ItemsSeen, f.Failures, when(f.NextPoll, now), status, f.URL)
	}
	tw.Flush()
	for _, f := range feeds {
		if f.LastError != "" {
			fmt.Fprintf(w, "\n%s: last error: %s\n", f.Name, f.LastError)
		}
		if f.Problems != "" {
			fmt.Fprintf(w, "\n%s: last read:\n  %s\n", f.Name, strings.ReplaceAll(f.Problems, "\n", "\n  "))
		}
	}
}

// when shows a time for the status table: "never", or UTC to the minute
// with how long ago or ahead it is.
func when(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Round(time.Minute)
	switch {
	case d > 0:
		return fmt.Sprintf("%s (%v ago)", t.UTC().Format("2006-01-02 15:04"), d)
	case d < 0:
		return fmt.Sprintf("%s (in %v)", t.UTC().Format("2006-01-02 15:04"), -d)
	}
	return t.UTC().Format("2006-01-02 15:04") + " (now)"
}

// userAgent is what vigil says it is to the servers it polls.
func userAgent() string {
	return "vigil/" + Version + " (+https://github.com/vigil-project/vigil; news feed reader)"
}

func runFeedsPoll(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "feeds poll", "", &cfg, true, export.Table)
	all := fs.Bool("all", false, "poll every feed now, not only those due")
	articles := fs.Bool("fetch-articles", false, "fetch each new item's page and keep its main text")
	conc := fs.Int("concurrency", 8, "feeds polled at once")
	timeout := fs.Duration("timeout", fetch.DefaultTimeout, "time limit of one fetch")
	maxBytes := fs.Int64("max-bytes", fetch.DefaultMaxBytes, "size limit of one fetched document")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("feeds poll takes no arguments")
	}
	if *conc < 1 || *conc > 64 {
		return usagef("feeds poll: --concurrency must be 1 to 64")
	}
	st, err := openFeedStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	p := &poll.Poller{Store: st, Client: fetch.New(fetch.Options{UserAgent: userAgent(), Timeout: *timeout, MaxBytes: *maxBytes}),
		Concurrency: *conc, FetchArticles: *articles, Now: env.Now} // no log: the table says it all
	b, isBackend := st.(backend)
	if isBackend {
		extractInto(p, b, env.Now, nil)
	}
	results, err := p.PollDue(ctx, *all)
	if err != nil {
		return err
	}
	// The claims read out of new articles are fused like any others.
	if isBackend {
		if err := fuseAfterImport(ctx, env, b, export.Table); err != nil {
			return err
		}
	}
	failed := 0
	var total store.ArticleCounts
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
		total.Add(r.Counts)
	}
	if total.New+total.Updated > 0 {
		if err := record(ctx, env, st, audit.FeedPoll, "", map[string]any{"feeds": len(results), "failed": failed,
			"new": total.New, "updated": total.Updated, "duplicate": total.Duplicate}); err != nil {
			return err
		}
	}
	switch cfg.Format {
	case export.JSON:
		type out struct {
			poll.PollResult
			Error string `json:"error,omitempty"`
		}
		list := make([]out, len(results))
		for i, r := range results {
			list[i] = out{PollResult: r}
			if r.Err != nil {
				list[i].Error = r.Err.Error()
			}
		}
		if err := writeJSON(env.Stdout, list); err != nil {
			return err
		}
	case export.Table:
		writePollResults(env.Stdout, results)
	default:
		return usagef("feeds poll: --format %s not supported: use table or json", cfg.Format)
	}
	if failed > 0 {
		return fmt.Errorf("feeds poll: %d of %d feeds failed (see 'vigil feeds list')", failed, len(results))
	}
	return nil
}

func writePollResults(w io.Writer, results []poll.PollResult) {
	if len(results) == 0 {
		fmt.Fprintln(w, "no feed due (use --all to poll every feed now)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tITEMS\tNEW\tUPDATED\tDUPLICATE\tPROBLEMS\tRESULT")
	var total store.ArticleCounts
	for _, r := range results {
		res := "ok"
		switch {
		case r.Err != nil:
			res = "failed: " + r.Err.Error()
		case r.NotModified:
			res = "not modified"
		}
		total.Add(r.Counts)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Feed, r.Items, r.Counts.New, r.Counts.Updated, r.Counts.Duplicate, len(r.Problems), res)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d feeds polled: %d new articles, %d updated\n", len(results), total.New, total.Updated)
}

// feedSource is the source of articles ingested from files.
func feedSource(name, title string) model.Source {
	return model.Source{Name: name, Kind: model.KindFeed, Title: title, Reliability: feed.Reliability}
}
