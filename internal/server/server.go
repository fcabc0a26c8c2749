// Package server is vigil's HTTP face: the JSON API described by the
// embedded OpenAPI document, the dashboard built from web/ and embedded
// under assets/, and a plain server-rendered "verified facts" page per
// incident. It reads the same store as the command line, through the few
// methods it declares in Store.
//
// Every GET answers with a strong ETag made of the build, the store's
// generation and the request, so that a client revalidating an unchanged
// view gets a 304 without the store being asked for more than its
// generation; JSON answers are also kept, compressed, in a bounded cache.
package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	vmetrics "github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Store is what the server needs of a store.
type Store interface {
	Incidents(ctx context.Context, f store.Filter, fn func(model.Incident) error) error
	Incident(ctx context.Context, id string) (model.Incident, error)
	Claims(ctx context.Context, incidentID string) ([]store.StoredClaim, error)
	Versions(ctx context.Context, incidentID string) ([]store.Version, error)
	Aggregate(ctx context.Context, f store.Filter, by []store.Dimension) ([]store.Bucket, error)
	Generation(ctx context.Context) (int64, error)
	// Alerts and Report are the alert inbox's: the alerts fired, newest
	// first, and the reports they name as evidence.
	Alerts(ctx context.Context, limit int) ([]store.Alert, error)
	Report(ctx context.Context, id string) (model.Report, error)
}

// Config is the server's configuration, validated by New.
type Config struct {
	// Addr is the address to listen on; loopback unless told otherwise.
	Addr string
	// Version names the build; it is part of every ETag, so that a new
	// build never answers 304 to what an old one served.
	Version string
	// Log receives one line per failed request and the server's life
	// events. Nil logs nothing.
	Log *slog.Logger
	// GenerationTTL is how long the store's generation is trusted before
	// it is read again: changes to the store show after at most this long.
	// Zero reads it on every request.
	GenerationTTL time.Duration
	// CacheBytes bounds the memory kept for cached JSON answers; 0 means
	// 64 MiB, negative disables the cache.
	CacheBytes int
	// NoSnapshot keeps aggregates in the store: no in-memory copy of the
	// aggregate columns (see snapshot).
	NoSnapshot bool
	// Metrics are the series /metrics serves, shared with the parts
	// working beside the server (feed poller, fusion, alerts, the store);
	// nil gives the server series of its own.
	Metrics *vmetrics.Metrics
	// ShutdownTimeout bounds how long Run waits for requests in flight
	// once its context is cancelled; 0 means 10 s.
	ShutdownTimeout time.Duration
	// Public lets anyone read (the dashboard, the API's GETs, the facts
	// pages) without logging in; changes still need an account or a
	// token, except the public report form. Without it, everything but
	// the login and report forms needs one.
	Public bool
	// InsecureCookies drops the Secure flag of the session cookie, for a
	// browser that reaches the server over plain HTTP on another host
	// than the loopback (which browsers treat as secure anyway).
	InsecureCookies bool
	// TrustedProxies are the reverse proxies (addresses and networks)
	// whose X-Forwarded-For is believed, so that the login throttle and
	// the report form's rate limit see the client behind them
	// (serve.trusted_proxies). Empty: the header is ignored.
	TrustedProxies []netip.Prefix
	// Now is the clock of sessions, throttles and challenges; nil is
	// time.Now. Tests step it.
	Now func() time.Time
	// PowBits is the proof of work the report form asks: leading zero
	// bits of a SHA-256. 0 means DefaultPowBits.
	PowBits int
	// SessionTTL is how long a login lasts; 0 means 12 hours.
	SessionTTL time.Duration
}

// DefaultAddr is where `vigil serve` listens unless told otherwise: the
// loopback interface, so that nothing is exposed by accident.
const DefaultAddr = "127.0.0.1:8080"

// Server serves the API, the dashboard and the facts pages.
type Server struct {
	st      Store
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	build   string // hash of the version and the embedded files, for ETags
	cache   *cache
	metrics *metrics
	reg     *prometheus.Registry // what /metrics serves

	genMu   sync.Mutex
	gen     int64
	genRead time.Time

	snaps *snapshots // nil when the store cannot give its rows

	flightMu sync.Mutex
	flights  map[string]*flight // answers being rendered, by cache key

	team       TeamStore // nil: the store has no accounts (public reading only)
	edit       EditStore // nil: the store cannot be changed through the server
	key        []byte    // signs form tokens and report challenges; new at each start
	routeErrs  []string  // routes missing from routeTable
	registered map[string]bool
	logins     *throttle // failed logins, by account and by address
	reports    *limiter  // report submissions, by address
	pow        *powState
}

// flight is an answer being rendered; requests for the same answer wait
// for it instead of rendering it again.
type flight struct {
	done chan struct{}
	e    *entry
	err  error
}

// New returns a server over st.
func New(st Store, cfg Config) (*Server, error) {
	if st == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("server: address %q: %w", cfg.Addr, err)
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = 64 << 20
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{st: st, cfg: cfg, log: log, mux: http.NewServeMux(), flights: map[string]*flight{}}
	if err := s.initTeam(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if rs, ok := st.(RowStore); ok && !cfg.NoSnapshot {
		s.snaps = &snapshots{rs: rs,
			onError: func(err error) { log.Error("aggregate snapshot", "err", err) },
			onReady: func(rows int, took time.Duration) {
				log.Info("aggregate snapshot ready", "incidents", rows, "took", took.Round(time.Millisecond))
			}}
	}
	if cfg.CacheBytes > 0 {
		s.cache = newCache(cfg.CacheBytes)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = vmetrics.New()
		s.cfg.Metrics = cfg.Metrics
	}
	s.reg = cfg.Metrics.Registry()
	s.metrics = newMetrics(cfg.Metrics)
	b, err := buildID(cfg.Version)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.build = b
	if err := s.routes(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if err := s.teamRoutes(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if err := s.checkRoutes(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	return s, nil
}

// buildID hashes the version and every embedded file.
func buildID(version string) (string, error) {
	h := sha256.New()
	h.Write([]byte(version))
	if err := hashFS(h, embedded); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Handler returns the server's handler with all its middleware: what Run
// serves and what tests drive with httptest.
func (s *Server) Handler() http.Handler {
	return s.requestID(s.recoverPanics(s.instrument(s.secure(s.mux))))
}

// Run listens on the configured address and serves until ctx is
// cancelled, then shuts down gracefully: no new connections, requests in
// flight finish within ShutdownTimeout. ready, if not nil, is called with
// the address listened on (useful with port 0).
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln, ready)
}

// Serve is Run on a listener of the caller's.
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		// Exports of a big store take longer: their handler extends its
		// own deadline as it streams.
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// The aggregate snapshot is built at once rather than on the first
	// aggregate: the dashboard asks for several as soon as it opens.
	if s.snaps != nil {
		if gen, err := s.generation(ctx); err == nil {
			s.snaps.get(gen, s.st.Generation)
		}
	}
	s.log.Info("serving", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// generation returns the store's generation, read again when older than
// GenerationTTL.
func (s *Server) generation(ctx context.Context) (int64, error) {
	if s.cfg.GenerationTTL <= 0 {
		return s.st.Generation(ctx)
	}
	s.genMu.Lock()
	defer s.genMu.Unlock()
	if !s.genRead.IsZero() && time.Since(s.genRead) < s.cfg.GenerationTTL {
		return s.gen, nil
	}
	g, err := s.st.Generation(ctx)
	if err != nil {
		return 0, err
	}
	s.gen, s.genRead = g, time.Now()
	return g, nil
}
