package server

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	vmetrics "github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/store"
)

// Limits on what a client may send: the API takes no request bodies and
// short queries; changes small bodies.
const (
	maxQueryBytes = 4 << 10
	maxBodyBytes  = 1 << 10
	// maxFormBytes bounds what a change may send: a report, a form, a
	// rule.
	maxFormBytes = 32 << 10
)

// csp allows the page's own scripts, styles, fonts and images only: no
// inline script, no other origin, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure sets the security headers on every answer and refuses requests
// bigger than the API ever needs.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
		if len(r.URL.RawQuery) > maxQueryBytes {
			writeError(w, http.StatusRequestURITooLong, "query too long: at most 4096 bytes")
			return
		}
		limit := int64(maxBodyBytes)
		if !safeMethod(r.Method) {
			limit = maxFormBytes
		}
		if r.ContentLength > limit {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: at most %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a 500 with no detail for the client
// and the stack in the log.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.reqLog(r).Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts requests and their durations by route pattern.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "other"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// metrics are the server's own Prometheus series, kept in package
// metrics with every other part's.
type metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	cacheHits    prometheus.Counter
	notMod       prometheus.Counter
	snapshotHits prometheus.Counter
}

func newMetrics(m *vmetrics.Metrics) *metrics {
	return &metrics{requests: m.HTTP.Requests, duration: m.HTTP.Duration, cacheHits: m.HTTP.CacheHits,
		notMod: m.HTTP.NotModified, snapshotHits: m.HTTP.SnapshotHits}
}

// apiError is an error with the status and message a client is shown.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	h.Del("Content-Encoding")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(b, '\n'))
}

// fail answers an error: its own message for an apiError or a missing
// incident, "internal error" for anything else, whose cause goes to the
// log only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		writeError(w, ae.status, ae.msg)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case errors.Is(err, context.Canceled):
		// The client went away: nobody to answer.
	default:
		s.reqLog(r).Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// acceptsGzip reports whether the client takes gzip (and has not
// refused it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		enc = strings.TrimSpace(enc)
		if !strings.EqualFold(enc, "gzip") && enc != "*" {
			continue
		}
		_, q, ok := strings.Cut(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// etagFor makes the strong ETag of a dynamic answer: the build, the
// store's generation, the request's path and canonical query, what the
// answer varies with (language) and its content coding.
func (s *Server) etagFor(gen int64, r *http.Request, vary string, gz bool) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00%s", s.build, gen, r.URL.Path, canonicalQuery(r), vary)
	tag := hex.EncodeToString(h.Sum(nil))[:24]
	if gz {
		tag += "-gz"
	}
	return `"` + tag + `"`
}

// canonicalQuery orders the query's parameters, so that the same
// selection asked in another order shares its ETag and cache entry.
func canonicalQuery(r *http.Request) string {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := q[k]
		for _, v := range vs {
			fmt.Fprintf(&b, "%q=%q&", k, v)
		}
	}
	return b.String()
}

// matches reports whether an If-None-Match header names etag.
func matches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// page is a rendered dynamic answer.
type page struct {
	ctype string
	body  []byte
}

// dynamic serves a GET whose answer depends only on the store and the
// request (and language, when vary is not empty): a 304 when the client
// has it, else from the cache, else rendered by render and, when
// cacheable, kept.
func (s *Server) dynamic(vary func(*http.Request) string, render func(w http.ResponseWriter, r *http.Request) (page, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		gen, err := s.generation(r.Context())
		if err != nil {
			s.fail(w, r, fmt.Errorf("store generation: %w", err))
			return
		}
		v := ""
		if vary != nil {
			v = vary(r)
		}
		gz := acceptsGzip(r)
		etag := s.etagFor(gen, r, v, gz)
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding, Accept-Language")
		if matches(r.Header.Get("If-None-Match"), etag) {
			s.metrics.notMod.Inc()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		key := s.etagFor(gen, r, v, false)
		if e, ok := s.cache.get(key); ok {
			s.metrics.cacheHits.Inc()
			writePage(w, r, e, gz)
			return
		}
		e, err := s.renderOnce(key, w, r, render)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writePage(w, r, e, gz)
	}
}

// renderOnce renders the answer of key, or waits for the request already
// rendering it: a burst of the same request on a cold cache costs one
// render, not one per request.
func (s *Server) renderOnce(key string, w http.ResponseWriter, r *http.Request, render func(w http.ResponseWriter, r *http.Request) (page, error)) (*entry, error) {
	s.flightMu.Lock()
	if f, ok := s.flights[key]; ok {
		s.flightMu.Unlock()
		select {
		case <-f.done:
			return f.e, f.err
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	s.flights[key] = f
	s.flightMu.Unlock()
	defer func() {
		s.flightMu.Lock()
		delete(s.flights, key)
		s.flightMu.Unlock()
		close(f.done)
	}()
	p, err := render(w, r)
	if err != nil {
		f.err = err
		return nil, err
	}
	e := &entry{page: p}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(p.body)
	zw.Close()
	e.gz = buf.Bytes()
	s.cache.put(key, e)
	f.e = e
	return e, nil
}

// writePage writes a rendered answer, compressed if the client takes it.
func writePage(w http.ResponseWriter, r *http.Request, e *entry, gz bool) {
	h := w.Header()
	h.Set("Content-Type", e.page.ctype)
	body := e.page.body
	if gz && e.gz != nil {
		h.Set("Content-Encoding", "gzip")
		body = e.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// jsonPage renders v as a JSON answer.
func jsonPage(v any) (page, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return page{}, fmt.Errorf("encode answer: %w", err)
	}
	return page{ctype: "application/json", body: append(b, '\n')}, nil
}

// stream serves a GET whose answer is too big to keep (exports): the ETag
// and 304 as dynamic gives them, the body written as it is made and
// compressed on the fly.
func (s *Server) stream(ctype string, write func(w io.Writer, r *http.Request) error, check func(r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := check(r); err != nil {
			s.fail(w, r, err)
			return
		}
		gen, err := s.generation(r.Context())
		if err != nil {
			s.fail(w, r, fmt.Errorf("store generation: %w", err))
			return
		}
		gz := acceptsGzip(r)
		etag := s.etagFor(gen, r, "", gz)
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding")
		if matches(r.Header.Get("If-None-Match"), etag) {
			s.metrics.notMod.Inc()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", ctype)
		if r.Method == http.MethodHead {
			return
		}
		// A big export outlives the server's write timeout: its deadline
		// moves with it instead.
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Minute))
		var out io.Writer = w
		var zw *gzip.Writer
		if gz {
			h.Set("Content-Encoding", "gzip")
			zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
			out = zw
		}
		if err := write(out, r); err != nil {
			// Headers are gone: the client sees a truncated body, the log
			// the cause.
			if !errors.Is(err, context.Canceled) {
				s.reqLog(r).Error("export failed", "path", r.URL.Path, "err", err)
			}
			return
		}
		if zw != nil {
			zw.Close()
		}
	}
}

// static serves an embedded file with a content-hash ETag, compressed
// when that helps.
type staticFile struct {
	ctype string
	etag  string
	body  []byte
	gz    []byte
}

func loadStatic(fsys fs.FS, name, ctype string) (*staticFile, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	f := &staticFile{ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, body: b}
	if !strings.HasSuffix(name, ".woff2") && !strings.HasSuffix(name, ".png") {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		f.gz = buf.Bytes()
	}
	return f, nil
}

func (f *staticFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gz := f.gz != nil && acceptsGzip(r)
	etag := f.etag
	if gz {
		etag = etag[:len(etag)-1] + `-gz"`
	}
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	if matches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writePage(w, r, &entry{page: page{ctype: f.ctype, body: f.body}, gz: map[bool][]byte{true: f.gz}[gz]}, gz)
}

// entry is a cached answer, with its gzip form when it is worth having.
type entry struct {
	page page
	gz   []byte
	key  string
}

func (e *entry) size() int { return len(e.page.body) + len(e.gz) + len(e.key) + 64 }

// cache is a least-recently-used map of answers bounded in bytes. Its
// keys hold the store generation, so a change to the store makes the old
// entries unreachable; they age out.
type cache struct {
	mu    sync.Mutex
	max   int
	used  int
	order *list.List
	byKey map[string]*list.Element
}

func newCache(max int) *cache {
	return &cache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *cache) get(key string) (*entry, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry), true
}

func (c *cache) put(key string, e *entry) {
	if c == nil {
		return
	}
	e.key = key
	if e.size() > c.max/8 {
		return // one answer may not push out most others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.used -= el.Value.(*entry).size()
		c.order.Remove(el)
	}
	c.byKey[key] = c.order.PushFront(e)
	c.used += e.size()
	for c.used > c.max {
		el := c.order.Back()
		old := el.Value.(*entry)
		c.order.Remove(el)
		delete(c.byKey, old.key)
		c.used -= old.size()
	}
}
