package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigil-project/vigil/internal/config"
	"github.com/vigil-project/vigil/internal/fetch"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/server"
	"github.com/vigil-project/vigil/internal/source/feed/poll"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

// serveStore is what `vigil serve` needs of a store: the server's reads
// and Close.
type serveStore interface {
	server.Store
	Close() error
}

// Both backends serve.
var (
	_ serveStore = (*sqlite.Store)(nil)
	_ serveStore = (*postgres.Store)(nil)
)

func runServe(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "serve", "", &cfg, false, "")
	addr := fs.String("addr", server.DefaultAddr, "address to listen on (loopback by default: say 0.0.0.0:8080 to expose it)")
	pollFeeds := fs.Bool("poll", true, "poll the followed news feeds on their schedules while serving (see vigil feeds)")
	natsURL := fs.String("nats", "", "publish due feeds to the NATS JetStream workers (vigil worker) instead of polling them here")
	var o serveOptions
	fs.BoolVar(&o.public, "public", false, "let anyone read the dashboard, the API's GETs and the facts pages without logging in (changes still need an account; the report form is open)")
	fs.BoolVar(&o.insecureCookies, "insecure-cookies", false, "send the session cookie without Secure, for browsers reaching the server over plain HTTP on a host other than the loopback")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments, got %q", pos[0])
	}
	// Flags given outrank the configuration; those not given take it.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["addr"] {
		*addr = cfg.Conf.Serve.Addr
	}
	if !set["poll"] {
		*pollFeeds = cfg.Conf.Serve.Poll
	}
	if !set["public"] {
		o.public = cfg.Conf.Serve.Public
	}
	if !set["insecure-cookies"] {
		o.insecureCookies = cfg.Conf.Serve.InsecureCookies
	}
	if !set["nats"] {
		*natsURL = cfg.Conf.Serve.NATS
	}
	o.dsn, o.addr, o.pollFeeds, o.natsURL = cfg.DB, *addr, *pollFeeds, *natsURL
	return serve(ctx, env, o)
}

// serveOptions are what `vigil serve` is told.
type serveOptions struct {
	dsn, addr       string
	pollFeeds       bool
	natsURL         string
	public          bool
	insecureCookies bool
}

// accountStore is what serve asks of a store before it starts without
// --public: whether anyone can log in.
type accountStore interface {
	Users(ctx context.Context) ([]store.User, error)
}

// serve runs the server on the store at o.dsn until ctx is cancelled
// and, when o.pollFeeds is set, polls the followed feeds as they fall due
// (or, with o.natsURL, has the workers poll them). Without --public it
// refuses a store with no account to log in with.
func serve(ctx context.Context, env Env, o serveOptions) error {
	dsn, addr, pollFeeds, natsURL := o.dsn, o.addr, o.pollFeeds, o.natsURL
	b, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer b.Close()
	st, ok := b.(serveStore)
	if !ok {
		return fmt.Errorf("serve: store %T cannot serve", b)
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !o.public {
		as, ok := b.(accountStore)
		if !ok {
			return usagef("serve: this store has no accounts: serve it with --public")
		}
		users, err := as.Users(ctx)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		active := 0
		for _, u := range users {
			if !u.Disabled {
				active++
			}
		}
		if active == 0 {
			return usagef("serve: nobody can log in to this store: create an account first (vigil users add NAME --role admin), or serve it read-only to anyone with --public")
		}
	}
	conf := config.Default()
	if env.Conf != nil {
		conf = env.Conf.Config
	}
	// One set of metrics for the server, the poller, fusion and the
	// store: /metrics gives them all.
	m, err := newMetrics(b)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	proxies, err := config.ParsePrefixes(conf.Serve.TrustedProxies)
	if err != nil {
		return usagef("serve: serve.trusted_proxies: %v", err)
	}
	srv, err := server.New(st, server.Config{Addr: addr, Version: Version, Log: log,
		GenerationTTL: conf.Serve.GenerationTTL.Duration, CacheBytes: conf.Serve.CacheMB << 20,
		Public: o.public, InsecureCookies: o.insecureCookies, Metrics: m, TrustedProxies: proxies})
	if err != nil {
		return usagef("serve: %v", err)
	}
	// The poller stops with the server and before the store closes.
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	polled := make(chan struct{})
	if fst, ok := b.(feedStore); ok && pollFeeds && natsURL != "" {
		go func() {
			defer close(polled)
			publishDueFeeds(pollCtx, env, fst, natsURL, 5*time.Second)
		}()
	} else if fst, ok := b.(feedStore); ok && pollFeeds {
		p := &poll.Poller{Store: systemPollStore{fst, env.Now, log}, Client: fetch.New(fetch.Options{UserAgent: userAgent()}), Log: log, Now: env.Now, Metrics: m}
		// New articles' claims are stored as they come and fused right
		// away: a news item joins its incident within one poll.
		fb, err := asFuse(b)
		if err != nil {
			return err
		}
		extractInto(p, b, env.Now, func(ctx context.Context, a model.Article, stored int) error {
			return fuseAsSystem(ctx, fb, env.Now, log, m, a, stored)
		})
		go func() {
			defer close(polled)
			p.Run(pollCtx)
		}()
	} else {
		close(polled)
	}
	// Retention (retention.raw_days) prunes once a day; it too stops
	// before the store closes.
	stopRetention := startRetention(ctx, env, b, conf.Retention.RawDays, log)
	stopAlerts, err := startServeAlerts(ctx, env, b, dsn, conf, m, log)
	if err != nil {
		stopPolling()
		stopRetention()
		<-polled
		return err
	}
	err = srv.Run(ctx, func(a string) {
		fmt.Fprintf(env.Stdout, "vigil is serving %s on http://%s/ (Ctrl-C stops it)\n", redactDSN(dsn), a)
	})
	stopPolling()
	stopRetention()
	stopAlerts()
	<-polled
	return err
}
