package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/fetch"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/queue"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/feed"
	"github.com/vigil-project/vigil/internal/source/feed/poll"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
)

const workerUsage = "usage: vigil worker --nats URL --db postgres://… [--kinds fetch,extract,import,fuse] | worker submit --nats URL [--kind news|gtd|…] FILE|DIR... | worker status --nats URL"

// queueFlags are the flags every worker subcommand shares.
type queueFlags struct {
	url        *string
	replicas   *int
	maxDeliver *int
	backoff    *string
	partitions *int
}

func addQueueFlags(fs interface {
	String(string, string, string) *string
	Int(string, int, string) *int
}, env Env) queueFlags {
	return queueFlags{
		url:        fs.String("nats", env.Getenv("VIGIL_NATS"), "NATS server URLs, comma-separated (env VIGIL_NATS)"),
		replicas:   fs.Int("replicas", 1, "servers holding each stream: 3 on a cluster of three"),
		maxDeliver: fs.Int("max-deliver", 5, "attempts at a message before it goes to the dead-letter stream"),
		backoff:    fs.String("backoff", "10s,30s,2m,10m", "waits before each new attempt, comma-separated; the first is also how long a dead worker holds its message"),
		partitions: fs.Int("partitions", 16, "fusion partitions (the same in every process of a deployment)"),
	}
}

func (f queueFlags) config(env Env, name string) (queue.Config, error) {
	if *f.url == "" {
		return queue.Config{}, usagef("--nats URL is required (or env VIGIL_NATS)")
	}
	var bo []time.Duration
	for _, s := range strings.Split(*f.backoff, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d <= 0 {
			return queue.Config{}, usagef("--backoff %q: %q is not a duration", *f.backoff, s)
		}
		bo = append(bo, d)
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return queue.Config{URL: *f.url, Name: name, Replicas: *f.replicas, MaxDeliver: *f.maxDeliver, BackOff: bo,
		Partitions: *f.partitions, Log: log}, nil
}

func runWorker(ctx context.Context, env Env, args []string) error {
	// Run puts the global flags (--db X, --format X) first: a subcommand
	// is the first argument after them.
	i := 0
	for i < len(args) && (args[i] == "--db" || args[i] == "-db" || args[i] == "--format" || args[i] == "-format") {
		i += 2
	}
	if i < len(args) {
		rest := append(append([]string{}, args[:i]...), args[i+1:]...)
		switch args[i] {
		case "submit":
			return runWorkerSubmit(ctx, env, rest)
		case "status":
			return runWorkerStatus(ctx, env, rest)
		}
	}
	var cfg Config
	fs := newFlags(env, "worker", "", &cfg, false, "")
	qf := addQueueFlags(fs, env)
	kinds := fs.String("kinds", "fetch,extract,import,fuse", "kinds of work taken: fetch (poll a feed), extract (store articles and read their claims), import (store dataset rows), fuse (fuse a country's claims)")
	conc := fs.Int("concurrency", 2, "fetch and extract messages handled at once, per kind")
	alertsEvery := fs.Duration("alerts", 0, "also evaluate the alert rules and deliver alerts this often (1m); any number of workers may: each alert goes out once (0: not this worker)")
	metricsAddr := fs.String("metrics-addr", "", "serve the worker's Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464; none by default)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("%s", workerUsage)
	}
	ks, err := queue.ParseKinds(*kinds)
	if err != nil {
		return usagef("worker: --kinds: %v", err)
	}
	if !isPostgres(cfg.DB) {
		return usagef("worker: --db must be a postgres:// URL: workers on several machines share one PostgreSQL")
	}
	if *conc < 1 || *conc > 64 {
		return usagef("worker: --concurrency must be 1 to 64")
	}
	if *alertsEvery < 0 || *alertsEvery > 0 && *alertsEvery < time.Second {
		return usagef("worker: --alerts must be 0 (off) or at least 1s")
	}
	host, _ := os.Hostname()
	qc, err := qf.config(env, fmt.Sprintf("vigil-worker %s/%d", host, os.Getpid()))
	if err != nil {
		return err
	}
	qc.Consumers = true
	st, err := openWhenReady(ctx, qc.Log, cfg.DB)
	if err != nil {
		return fmt.Errorf("worker: open postgres store: %w", err)
	}
	defer st.Close()
	pool, err := pgxpool.New(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("worker: postgres locks: %w", err)
	}
	defer pool.Close()
	health, err := healthPool(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer health.Close()
	q, err := queue.Connect(ctx, qc)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer q.Close()
	w := &worker{st: st, q: q, locks: pool, now: env.Now, log: qc.Log}
	if *metricsAddr != "" {
		if w.metrics, err = newMetrics(st); err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		a, err := serveMetrics(ctx, *metricsAddr, w.metrics, qc.Log)
		if err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		fmt.Fprintf(env.Stdout, "vigil worker: metrics on http://%s/metrics\n", a)
	}
	hs := queue.Handlers{}
	for _, k := range ks {
		switch k {
		case queue.Fetch:
			hs[k] = w.fetch
		case queue.Extract:
			hs[k] = w.extract
		case queue.Import:
			hs[k] = w.importChunk
		case queue.Fuse:
			hs[k] = w.fuse
		}
	}
	for k, h := range hs {
		hs[k] = w.timed(k, h)
	}
	if slices.Contains(ks, queue.Fuse) {
		// Claims stored by anything but a worker (an import) have no fuse
		// message: announce every country that waits.
		if err := w.sweep(ctx); err != nil {
			return fmt.Errorf("worker: %w", err)
		}
	}
	// The timers (retention.raw_days, --alerts) stop before the store
	// closes.
	stopRetention := startRetention(ctx, env, st, cfg.Conf.Retention.RawDays, qc.Log)
	defer stopRetention()
	if *alertsEvery > 0 {
		aw, err := newAlertWorker(env, st, pool, cfg, qc.Log)
		if err != nil {
			return err
		}
		aw.eval.Metrics, aw.d.Metrics = w.metrics, w.metrics
		actx, stopAlerts := context.WithCancel(ctx)
		ticker := time.NewTicker(*alertsEvery)
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			aw.run(actx, ticker.C)
		}()
		defer func() {
			stopAlerts()
			ticker.Stop()
			<-ended
		}()
	}
	fmt.Fprintf(env.Stdout, "vigil worker: %s from %s into %s (Ctrl-C stops it)\n", *kinds, redactNATS(*qf.url), redactDSN(cfg.DB))
	// While PostgreSQL is away (restarting, failing over), pull nothing:
	// the messages wait in the stream with their attempts unspent.
	err = q.Work(ctx, hs, queue.WorkOptions{Concurrency: *conc, Ready: health.Ping})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// redactNATS hides passwords in NATS URLs.
func redactNATS(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		scheme, rest, ok := strings.Cut(p, "://")
		if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
			parts[i] = scheme + "://***@" + rest[at+1:]
		}
	}
	return strings.Join(parts, ",")
}

// worker holds what the handlers share.
type worker struct {
	st    *postgres.Store
	q     *queue.Queue
	locks *pgxpool.Pool
	now   func() time.Time
	log   *slog.Logger
	// metrics, nil without --metrics-addr, are told of polls, imported
	// chunks and fusion runs.
	metrics *metrics.Metrics
}

// extract stores a chunk of articles (a redelivered chunk finds them
// stored: the store keys articles by source and GUID or URL), reads the
// claims out of every article of the chunk — not only the new ones, so
// that a chunk whose worker died between the two steps gets its claims —
// stores them (keyed by article URL: "unchanged" the second time), and
// asks for the fusion of each country they are in.
func (w *worker) extract(ctx context.Context, m queue.Msg) error {
	var job queue.ExtractJob
	if err := json.Unmarshal(m.Data, &job); err != nil {
		return queue.Permanent(fmt.Errorf("extract job %s: %w", m.ID, err))
	}
	if job.Source == "" || len(job.Articles) == 0 {
		return queue.Permanent(fmt.Errorf("extract job %s: no source or no articles", m.ID))
	}
	arts := job.ModelArticles()
	for i, a := range arts {
		if a.Report.Source != job.Source {
			return queue.Permanent(fmt.Errorf("extract job %s: article %d is of source %q, not %q", m.ID, i+1, a.Report.Source, job.Source))
		}
	}
	at := w.now()
	if job.Title != "" {
		if err := w.st.AddSource(ctx, feedSource(job.Source, job.Title)); err != nil {
			return fmt.Errorf("extract job %s: %w", m.ID, err)
		}
	}
	if _, err := w.st.SaveArticles(ctx, arts, at); err != nil {
		return fmt.Errorf("extract job %s: %w", m.ID, err)
	}
	var x extract.ClaimExtractor
	var recs []model.Record
	for _, a := range arts {
		var published time.Time
		if a.Report.Published != nil {
			published = *a.Report.Published
		}
		claims, err := x.Extract(ctx, a.Title+"\n"+a.Text, a.Language, published)
		if err != nil {
			return fmt.Errorf("extract job %s: %s: %w", m.ID, a.Report.SourceRef, err)
		}
		r, err := claimRecords(a, claims, at)
		if err != nil {
			return fmt.Errorf("extract job %s: %w", m.ID, err)
		}
		recs = append(recs, r...)
	}
	counts, err := storeClaims(ctx, w.st, recs, at)
	if err != nil {
		return fmt.Errorf("extract job %s: %w", m.ID, err)
	}
	if err := w.audit(ctx, audit.Extract, job.Source, m.ID, map[string]any{"articles": len(arts), "claims": counts}); err != nil {
		return err
	}
	return w.askFusion(ctx, m.ID, recs)
}

// audit records a change a worker made, as the system's (a worker is
// vigil on its own), naming the message that asked for it: a message
// delivered again records again, with what it found that time.
func (w *worker) audit(ctx context.Context, action, target, msg string, details map[string]any) error {
	details["message"] = msg
	if err := audit.Record(context.WithoutCancel(ctx), w.st, w.now(), audit.System, action, target, details); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	return nil
}

// importChunk stores a chunk of a dataset file's records as `vigil
// import` stores a batch (one transaction; a redelivered chunk finds its
// rows unchanged), with the rows the reader refused, and asks for the
// fusion of each country its claims are in.
func (w *worker) importChunk(ctx context.Context, m queue.Msg) error {
	var job queue.ImportJob
	if err := json.Unmarshal(m.Data, &job); err != nil {
		return queue.Permanent(fmt.Errorf("import job %s: %w", m.ID, err))
	}
	if job.Source.Name == "" {
		return queue.Permanent(fmt.Errorf("import job %s: no source", m.ID))
	}
	recs := job.ModelRecords()
	for i, r := range recs {
		if r.Report.Source != job.Source.Name {
			return queue.Permanent(fmt.Errorf("import job %s: record %d is of source %q, not %q", m.ID, i+1, r.Report.Source, job.Source.Name))
		}
	}
	if err := w.st.EnsureSource(ctx, job.Source); err != nil {
		return fmt.Errorf("import job %s: %w", m.ID, err)
	}
	var counts store.BatchCounts
	if len(recs) > 0 {
		var err error
		start := time.Now()
		if counts, err = w.st.ImportBatch(ctx, recs, w.now()); err != nil {
			return fmt.Errorf("import job %s (%s): %w", m.ID, job.File, err)
		}
		w.metrics.ImportBatch(job.Source.Name, counts.New, counts.Updated, counts.Unchanged, 0, time.Since(start))
	}
	if len(job.Rejections) > 0 {
		if err := w.st.SaveRejections(ctx, job.Rejections); err != nil {
			return fmt.Errorf("import job %s (%s): %w", m.ID, job.File, err)
		}
		w.metrics.ImportBatch(job.Source.Name, 0, 0, 0, len(job.Rejections), 0)
	}
	if err := w.audit(ctx, audit.Import, job.File, m.ID, map[string]any{"source": job.Source.Name, "counts": counts, "rejected": len(job.Rejections)}); err != nil {
		return err
	}
	return w.askFusion(ctx, m.ID, recs)
}

// askFusion publishes one fuse message per country of the records, with
// ids derived from the message that stored them: a redelivered message
// asks again under the same ids.
func (w *worker) askFusion(ctx context.Context, cause string, recs []model.Record) error {
	var countries []string
	for _, r := range recs {
		c := r.Claim.Country
		if c == "" {
			c = queue.NoCountry
		}
		countries = append(countries, c)
	}
	slices.Sort(countries)
	for _, c := range slices.Compact(countries) {
		if err := w.q.Publish(ctx, w.q.FuseSubject(c), "fuse:"+c+":"+cause, queue.FuseJob{Country: c}); err != nil {
			return err
		}
	}
	return nil
}

// fetch polls one feed. Its articles are not stored here but published
// as extract messages (see publishStore), so that a worker killed after
// the fetch loses nothing: the feed's status is written only after they
// are in the queue, and until then the job comes again.
func (w *worker) fetch(ctx context.Context, m queue.Msg) error {
	var job queue.FetchJob
	if err := json.Unmarshal(m.Data, &job); err != nil || job.Feed == "" {
		return queue.Permanent(fmt.Errorf("fetch job %s: not a fetch job: %v", m.ID, err))
	}
	f, err := w.st.Feed(ctx, job.Feed)
	if errors.Is(err, store.ErrNotFound) {
		w.log.Info("worker: feed gone", "feed", job.Feed)
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch job %s: %w", m.ID, err)
	}
	if f.NextPoll.After(job.Due) {
		return nil // polled already: the job came twice
	}
	ps := &publishStore{Store: w.st, q: w.q, origin: f.URL}
	p := &poll.Poller{Store: ps, Client: fetch.New(fetch.Options{UserAgent: userAgent()}), Now: w.now, Log: w.log, Metrics: w.metrics}
	res := p.PollFeed(ctx, f)
	if ps.err != nil {
		return fmt.Errorf("fetch job %s: %w", m.ID, ps.err)
	}
	if res.Err != nil {
		// The feed failed (its status says so, with its back-off): the
		// job is done; the next one comes when the feed is due again.
		w.log.Warn("worker: feed poll failed", "feed", f.Name, "error", res.Err)
	}
	return nil
}

// publishStore is the store a fetch worker's poller writes to: articles
// go to the queue as extract messages instead of the store; the rest
// goes to the store.
type publishStore struct {
	poll.Store
	q      *queue.Queue
	origin string
	err    error
}

// SaveArticles publishes the articles as extract jobs of at most 50
// articles or 256 KiB.
func (p *publishStore) SaveArticles(ctx context.Context, arts []model.Article, at time.Time) (store.ArticleCounts, error) {
	if len(arts) == 0 {
		return store.ArticleCounts{}, nil
	}
	for _, job := range queue.NewExtractJobs(arts[0].Report.Source, "", p.origin, arts, 50, 256<<10) {
		if err := p.q.Publish(ctx, queue.ExtractSubject, job.ID(), job); err != nil {
			p.err = err
			return store.ArticleCounts{}, err
		}
	}
	return store.ArticleCounts{New: len(arts)}, nil
}

// Lock keys of fusion. Claims without a country may join an incident of
// any country (fusion compares them with every country's), so their
// partition excludes every other: each country's fusion holds the shared
// lock, the country-less one the exclusive lock.
var fuseAllKey = lockKey("vigil fuse: every country")

func lockKey(s string) int64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return int64(h.Sum64())
}

// fuse fuses the unfused claims of one country. The queue gives a
// partition's messages to one worker at a time, in order; the PostgreSQL
// advisory locks make sure of it even when a worker that was thought
// dead (its message delivered again elsewhere) is still at work: the
// second waits. A lock dies with its connection, so a killed worker
// holds none.
func (w *worker) fuse(ctx context.Context, m queue.Msg) error {
	var job queue.FuseJob
	if err := json.Unmarshal(m.Data, &job); err != nil || job.Country == "" {
		return queue.Permanent(fmt.Errorf("fuse job %s: not a fuse job: %v", m.ID, err))
	}
	conn, err := w.locks.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("fuse %s: lock: %w", job.Country, err)
	}
	defer conn.Release()
	if job.Country == queue.NoCountry {
		_, err = conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, fuseAllKey)
	} else {
		_, err = conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1), pg_advisory_lock($2)`, fuseAllKey, lockKey("vigil fuse: "+job.Country))
	}
	if err != nil {
		return fmt.Errorf("fuse %s: lock: %w", job.Country, err)
	}
	defer func() {
		// A fresh context: the locks must go even when ctx ended.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock_all()`); err != nil {
			conn.Conn().Close(uctx) // a closed session frees its locks
		}
	}()
	sum, err := fuse.Incremental(ctx, newCountryStore(w.st, job.Country), fuse.RunOptions{At: w.now(), Batch: 500, Metrics: w.metrics})
	if err != nil {
		return fmt.Errorf("fuse %s: %w", job.Country, err)
	}
	w.log.Info("worker: fused", "country", job.Country, "claims", sum.Claims, "attached", sum.Attached, "versions", sum.Versions)
	if sum.Claims > 0 {
		// The decisions themselves are in the incidents' version logs.
		if err := w.audit(ctx, audit.Fuse, job.Country, m.ID, map[string]any{"summary": sum}); err != nil {
			return err
		}
	}
	return nil
}

// partitionStore is a fusion store that can read one country's unfused
// claims from its own index.
type partitionStore interface {
	fuse.Store
	UnfusedClaimsIn(ctx context.Context, country string, limit int) ([]fuse.StoredClaim, error)
}

// countryStore narrows a store's unfused claims to one country's, so
// that fuse.Incremental fuses one partition. It never lets Incremental
// switch to a full re-fusion (fuse.All), which would rebuild every
// country's incidents while other partitions fuse theirs: the counts it
// reports always ask for the incremental path.
type countryStore struct {
	partitionStore
	country string // as the claims carry it: "" for queue.NoCountry
}

// newCountryStore returns st narrowed to the partition key country (an
// ISO code or queue.NoCountry).
func newCountryStore(st partitionStore, country string) *countryStore {
	if country == queue.NoCountry {
		country = ""
	}
	return &countryStore{partitionStore: st, country: country}
}

// FuseCounts says whether the country has a claim waiting, and always
// that more are fused than wait.
func (s *countryStore) FuseCounts(ctx context.Context) (fused, unfused int, err error) {
	cs, err := s.UnfusedClaimsIn(ctx, s.country, 1)
	if err != nil {
		return 0, 0, err
	}
	return len(cs) + 1, len(cs), nil
}

// UnfusedClaims returns the country's unfused claims only. Incremental
// asks again until none is left, so a backlog larger than one read is
// drained within the message.
func (s *countryStore) UnfusedClaims(ctx context.Context, limit int) ([]fuse.StoredClaim, error) {
	return s.UnfusedClaimsIn(ctx, s.country, limit)
}

// sweep publishes a fuse message for every country with unfused claims,
// for the claims no worker stored (ids per country and hour: workers
// starting together ask once). The countries come from the store's index
// of waiting claims, however many wait.
func (w *worker) sweep(ctx context.Context) error {
	countries, err := w.st.UnfusedCountries(ctx)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	recs := make([]model.Record, len(countries))
	for i, c := range countries {
		recs[i].Claim.Country = c
	}
	return w.askFusion(ctx, "sweep:"+w.now().UTC().Format("2006-01-02T15"), recs)
}

// publishDueFeeds is `vigil serve --nats`: instead of polling feeds
// itself it publishes a fetch message for each feed that is due, and the
// workers poll. The message id is the feed and its due time, so looking
// again before a worker has polled publishes nothing new. It connects
// in the background (the server serves while NATS is away) and runs
// until ctx ends.
func publishDueFeeds(ctx context.Context, env Env, st poll.Store, natsURL string, tick time.Duration) {
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var q *queue.Queue
	for q == nil {
		var err error
		q, err = queue.Connect(ctx, queue.Config{URL: natsURL, Name: "vigil serve", Log: log})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Error("serve: nats", "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(tick):
			}
		}
	}
	defer q.Close()
	for {
		feeds, err := st.Feeds(ctx, env.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("serve: due feeds", "error", err)
		}
		for _, f := range feeds {
			job := queue.FetchJob{Feed: f.Name, Due: f.NextPoll}
			if err := q.Publish(ctx, queue.FetchSubject, job.ID(), job); err != nil && ctx.Err() == nil {
				log.Error("serve: publish fetch", "feed", f.Name, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(tick):
		}
	}
}

// runWorkerSubmit reads files as `vigil ingest` (news) or `vigil import`
// (datasets) does and publishes their articles or records in chunks, for
// the workers to store.
func runWorkerSubmit(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "worker submit", "FILE|DIR...", &cfg, false, "")
	qf := addQueueFlags(fs, env)
	kind := fs.String("kind", "news", "what the files are: news (feeds, pages, text, article lists, as vigil ingest reads them) or a dataset: gtd, acled, ucdp, gdelt, csv, claims")
	srcName := fs.String("source", "", "news: source name of the articles (default as vigil ingest)")
	chunk := fs.Int("chunk", 0, "articles or records per message (default 20 articles, 200 records)")
	var fl importFlags
	fs.StringVar(&fl.cameo, "cameo", "18,19,20", "gdelt: CAMEO root codes to import, comma-separated")
	fs.StringVar(&fl.mapFile, "map", "", "csv: the TOML mapping file")
	fs.StringVar(&fl.country, "country", "", "claims: the country of the events (ISO code), when the event key does not say")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("usage: vigil worker submit --nats URL [--kind news|gtd|acled|ucdp|gdelt|csv|claims] FILE|DIR...")
	}
	open, dataset := importKinds[*kind]
	if !dataset && *kind != "news" {
		return usagef("worker submit: unknown --kind %q: want news, gtd, acled, ucdp, gdelt, csv or claims", *kind)
	}
	if *kind == "csv" && fl.mapFile == "" {
		return usagef("worker submit --kind csv needs --map FILE.toml")
	}
	if *chunk == 0 {
		*chunk = 20
		if dataset {
			*chunk = 200
		}
	}
	if *chunk < 1 || *chunk > 5000 {
		return usagef("worker submit: --chunk must be 1 to 5000")
	}
	var files []string
	if dataset {
		files = pos
	} else if files, err = collectFiles(pos); err != nil {
		return fmt.Errorf("worker submit: %w", err)
	}
	qc, err := qf.config(env, "vigil-submit")
	if err != nil {
		return err
	}
	q, err := queue.Connect(ctx, qc)
	if err != nil {
		return fmt.Errorf("worker submit: %w", err)
	}
	defer q.Close()
	jobs, items := 0, 0
	for _, file := range files {
		var n, j int
		if dataset {
			n, j, err = submitDataset(ctx, env, q, open, fl, file, *chunk)
		} else {
			n, j, err = submitNews(ctx, env, q, file, *srcName, *chunk)
		}
		if err != nil {
			return fmt.Errorf("worker submit %s: %w", file, err)
		}
		items += n
		jobs += j
	}
	what := "articles"
	if dataset {
		what = "records"
	}
	fmt.Fprintf(env.Stdout, "%d files: %d %s in %d messages published\n", len(files), items, what, jobs)
	return nil
}

// submitNews publishes one news file's articles as extract messages.
func submitNews(ctx context.Context, env Env, q *queue.Queue, file, src string, chunk int) (items, jobs int, err error) {
	data, err := readLimited(file)
	if err != nil {
		return 0, 0, err
	}
	if src == "" {
		src = defaultSource(file, strings.ToLower(filepath.Ext(file)))
	}
	res, err := feed.ParseFile(file, data, feed.Options{Source: src, Origin: file, Fetched: env.Now()})
	if err != nil {
		return 0, 0, err
	}
	for _, p := range res.Problems {
		fmt.Fprintf(env.Stderr, "%s: %s\n", file, p)
	}
	title := res.Title
	if title == "" {
		title = src
	}
	for _, job := range queue.NewExtractJobs(src, title, file, res.Articles, chunk, 512<<10) {
		if err := q.Publish(ctx, queue.ExtractSubject, job.ID(), job); err != nil {
			return items, jobs, err
		}
		jobs++
		items += len(job.Articles)
	}
	return items, jobs, nil
}

// submitDataset reads a dataset file with its kind's reader, as `vigil
// import` does (rows refused become rejections; admin-1 regions filled
// from coordinates), and publishes its records in import messages of
// chunk records (fewer when their rows are large).
func submitDataset(ctx context.Context, env Env, q *queue.Queue, open openFunc, fl importFlags, file string, chunk int) (items, jobs int, err error) {
	name := filepath.Base(file)
	rd, closer, err := open(file, fl, source.Options{Name: name, Fetched: env.Now().UTC()}, nil)
	if err != nil {
		return 0, 0, err
	}
	defer closer.Close()
	places, err := gazetteer.Default()
	if err != nil {
		return 0, 0, err
	}
	job := queue.ImportJob{Source: rd.Source(), File: name}
	size := 0
	flush := func() error {
		if len(job.Records) == 0 && len(job.Rejections) == 0 {
			return nil
		}
		if err := q.Publish(ctx, queue.ImportSubject, job.ID(), job); err != nil {
			return err
		}
		jobs++
		items += len(job.Records)
		job = queue.ImportJob{Source: rd.Source(), File: name}
		size = 0
		return nil
	}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *source.RowError
		if errors.As(err, &re) {
			job.Rejections = append(job.Rejections, store.Rejection{Source: rd.Source().Name, File: name, Line: re.Line,
				Field: re.Field, Reason: re.Reason, Raw: re.Raw, At: env.Now()})
			fmt.Fprintf(env.Stderr, "%s\n", re)
			continue
		}
		if err != nil {
			return items, jobs, err
		}
		if terr := rec.CheckText(); terr != nil {
			// As ingest: a record the stores cannot hold is a rejected row.
			var te *model.TextError
			field := ""
			if errors.As(terr, &te) {
				field = te.Field
			}
			job.Rejections = append(job.Rejections, store.Rejection{Source: rd.Source().Name, File: name, Line: originLine(rec.Report.Origin),
				Field: field, Reason: terr.Error(), Raw: string(rec.Report.Raw), At: env.Now()})
			fmt.Fprintf(env.Stderr, "%s: %s: %v\n", name, rec.Report.Origin, terr)
			continue
		}
		if places.FillAdmin1(&rec.Claim) {
			rec.Claim.Flags = append(rec.Claim.Flags, model.FlagAdmin1FromPoint)
		}
		job.Records = append(job.Records, queue.JobRecord{Record: rec, Raw: rec.Report.Raw})
		size += 2*len(rec.Report.Raw) + 2048
		if len(job.Records) >= chunk || size > 512<<10 {
			if err := flush(); err != nil {
				return items, jobs, err
			}
		}
	}
	return items, jobs, flush()
}

// collectFiles lists the files named and those under the directories
// named that ingest reads.
func collectFiles(pos []string) ([]string, error) {
	var files []string
	for _, p := range pos {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && slices.Contains(ingestExts, strings.ToLower(filepath.Ext(path))) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return files, nil
}

// runWorkerStatus prints the queue's backlog and its dead letters.
func runWorkerStatus(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "worker status", "", &cfg, false, "")
	qf := addQueueFlags(fs, env)
	dead := fs.Int("dead", 10, "dead letters shown")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("worker status takes no arguments")
	}
	qc, err := qf.config(env, "vigil-status")
	if err != nil {
		return err
	}
	q, err := queue.Connect(ctx, qc)
	if err != nil {
		return fmt.Errorf("worker status: %w", err)
	}
	defer q.Close()
	b, err := q.Backlog(ctx)
	if err != nil {
		return fmt.Errorf("worker status: %w", err)
	}
	for _, k := range queue.Kinds {
		fmt.Fprintf(env.Stdout, "%-8s waiting %d, in flight %d\n", k, b.Waiting[k], b.InFlight[k])
	}
	fmt.Fprintf(env.Stdout, "dead     %d\n", b.Dead)
	if b.Dead > 0 && *dead > 0 {
		ds, err := q.DeadLetters(ctx, *dead)
		if err != nil {
			return fmt.Errorf("worker status: %w", err)
		}
		for _, d := range ds {
			fmt.Fprintf(env.Stdout, "  %s after %d attempts: %s\n", d.Subject, d.Attempts, d.Error)
		}
	}
	return nil
}

// originLine returns the line of a report's "file:line" origin, or 0
// (as package ingest reads it).
func originLine(origin string) int {
	i := strings.LastIndexByte(origin, ':')
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(origin[i+1:])
	if err != nil {
		return 0
	}
	return n
}
