package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/queue"
)

// newMetrics makes a long-running process's metrics and has its store
// report to them: operation times, and its generation, rows and pools
// read at each scrape.
func newMetrics(b any) (*metrics.Metrics, error) {
	m := metrics.New()
	if s, ok := b.(interface{ SetMetrics(*metrics.Metrics) }); ok {
		s.SetMetrics(m)
	}
	if p, ok := b.(metrics.StoreProbe); ok {
		if err := m.WatchStore(p); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// serveMetrics serves m at /metrics on addr until ctx ends, for the
// processes that have no server of their own (vigil worker, vigil alerts
// deliver --loop). It returns once listening; a server that fails later
// is logged.
func serveMetrics(ctx context.Context, addr string, m *metrics.Metrics, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	return ln.Addr().String(), nil
}

// timed reports each message h handles to the worker's metrics, when it
// has some.
func (w *worker) timed(k queue.Kind, h queue.Handler) queue.Handler {
	if w.metrics == nil {
		return h
	}
	return func(ctx context.Context, m queue.Msg) error {
		start := time.Now()
		err := h(ctx, m)
		w.metrics.WorkerJob(string(k), time.Since(start), err)
		return err
	}
}
