// Package queue is vigil's distributed work queue on NATS JetStream, for
// when ingestion, extraction and fusion run as `vigil worker` processes
// on several machines instead of inside one vigil.
//
// Three streams hold the work, each replicated on the cluster:
//
//   - VIGIL_WORK (work-queue retention): vigil.work.fetch (poll one feed),
//     vigil.work.extract (store a chunk of articles and read claims out
//     of them) and vigil.work.import (store a chunk of a dataset file's
//     records), each taken by one durable pull consumer that every worker
//     shares, so a message goes to one worker at a time;
//   - VIGIL_FUSE (work-queue retention): vigil.fuse.PP.CC, "fuse the
//     claims of country CC", where PP is the country's partition; one
//     consumer per partition with at most one message in flight
//     (MaxAckPending 1), so partitions are fused in stream order and never
//     by two workers at once;
//   - VIGIL_DEAD (limits retention, kept 30 days): the messages that failed
//     MaxDeliver times or could never succeed, with the last error.
//
// Acks are explicit and confirmed by the server (double ack). A message
// not acked in time (its worker died) is delivered again after the
// consumer's BackOff; a handler error is negatively acknowledged with the
// same back-off; the delivery after the last attempt only moves the
// message to VIGIL_DEAD, so that a message that kills its worker every
// time still ends there. Publishers set Nats-Msg-Id, so a message
// published twice within the stream's duplicate window is stored once;
// handlers must be idempotent all the same (the store's keys make them
// so), since a message can be delivered again after its work was done
// and before its ack arrived.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names.
const (
	WorkStream = "VIGIL_WORK"
	FuseStream = "VIGIL_FUSE"
	DeadStream = "VIGIL_DEAD"

	FetchSubject   = "vigil.work.fetch"
	ExtractSubject = "vigil.work.extract"
	ImportSubject  = "vigil.work.import"
	fusePrefix     = "vigil.fuse."
	deadPrefix     = "vigil.dead."
)

// Kind is a kind of work a worker takes.
type Kind string

// The kinds of work.
const (
	Fetch   Kind = "fetch"   // poll one feed, publish its articles as extract work
	Extract Kind = "extract" // store articles, read and store their claims, publish fuse work
	Import  Kind = "import"  // store a chunk of a dataset file's records, publish fuse work
	Fuse    Kind = "fuse"    // fuse one country's unfused claims
)

// Kinds are every kind, in the order of the flow.
var Kinds = []Kind{Fetch, Extract, Import, Fuse}

// ParseKinds reads a comma-separated list of kinds.
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k := Kind(f)
		switch k {
		case Fetch, Extract, Import, Fuse:
		default:
			return nil, fmt.Errorf("unknown kind of work %q: want fetch, extract, import or fuse", f)
		}
		if !containsKind(out, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no kind of work given")
	}
	return out, nil
}

func containsKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// NoCountry is the partition key of claims without a country.
const NoCountry = "none"

// Config configures a connection to the queue. Every process of one
// deployment must use the same Partitions; the other values are the
// consumers' and the last process to start sets them.
type Config struct {
	// URL is one or more NATS server URLs, comma-separated; the client
	// also learns the cluster's other servers from the one it reaches.
	URL string
	// Name names the client in the server's connection list.
	Name string
	// Replicas is how many servers hold each stream: 3 on a cluster of
	// three (one server may be lost), 1 on a single server (default).
	Replicas int
	// MaxDeliver is how many times a message is tried before it goes to
	// the dead-letter stream (default 5).
	MaxDeliver int
	// BackOff is the wait before each new delivery of a message whose
	// worker failed or died; its first value is also how long a worker
	// may go without acknowledging (workers say "in progress" well within
	// it). Default 10s, 30s, 2m, 10m.
	BackOff []time.Duration
	// Partitions is the number of fusion partitions (default 16).
	Partitions int
	// MaxBacklog is how many messages each work stream holds at most
	// (default 1,000,000): past it a publish is refused (ErrBacklogFull)
	// rather than the oldest work dropped, and the refusal travels back
	// to whoever produces the work — back-pressure.
	MaxBacklog int64
	// Log receives what goes wrong on the way (default: discarded).
	Log *slog.Logger
	// Consumers says that this process takes work: it creates the
	// consumers, or updates their settings (MaxDeliver, BackOff) to its
	// own. Publishers leave them alone.
	Consumers bool
}

func (c *Config) defaults() error {
	if c.URL == "" {
		return errors.New("queue: no NATS URL")
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 5
	}
	if len(c.BackOff) == 0 {
		c.BackOff = []time.Duration{10 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}
	}
	if len(c.BackOff) > c.MaxDeliver {
		c.BackOff = c.BackOff[:c.MaxDeliver]
	}
	for _, d := range c.BackOff {
		if d < 100*time.Millisecond {
			return fmt.Errorf("queue: back-off %v is under 100ms", d)
		}
	}
	if c.Partitions <= 0 {
		c.Partitions = 16
	}
	if c.MaxBacklog <= 0 {
		c.MaxBacklog = 1_000_000
	}
	if c.Partitions > 1000 {
		return fmt.Errorf("queue: %d partitions: at most 1000", c.Partitions)
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Queue is a connection to the JetStream work queue.
type Queue struct {
	cfg Config
	nc  *nats.Conn
	js  jetstream.JetStream
}

// Connect connects to NATS and makes sure the streams exist (creating
// those missing with cfg's settings, never changing existing ones) and,
// when cfg.Consumers is set, the consumers, with cfg's settings.
func Connect(ctx context.Context, cfg Config) (*Queue, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	log := cfg.Log
	nc, err := nats.Connect(cfg.URL,
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "error", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "server", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, fmt.Errorf("queue: connect %s: %w", redactURL(cfg.URL), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue: jetstream: %w", err)
	}
	q := &Queue{cfg: cfg, nc: nc, js: js}
	if err := retry(ctx, log, "set up streams", q.setup); err != nil {
		nc.Close()
		return nil, err
	}
	return q, nil
}

// Close drains and closes the connection.
func (q *Queue) Close() {
	if err := q.nc.Drain(); err != nil {
		q.nc.Close()
	}
}

// Config returns the connection's configuration, defaults filled in.
func (q *Queue) Config() Config { return q.cfg }

func (q *Queue) setup(ctx context.Context) error {
	streams := []jetstream.StreamConfig{
		{Name: WorkStream, Subjects: []string{"vigil.work.>"}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Replicas: q.cfg.Replicas, Duplicates: 10 * time.Minute,
			MaxMsgs: q.cfg.MaxBacklog, Discard: jetstream.DiscardNew},
		{Name: FuseStream, Subjects: []string{fusePrefix + ">"}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Replicas: q.cfg.Replicas, Duplicates: 10 * time.Minute,
			MaxMsgs: q.cfg.MaxBacklog, Discard: jetstream.DiscardNew},
		{Name: DeadStream, Subjects: []string{deadPrefix + ">"}, Retention: jetstream.LimitsPolicy,
			Storage: jetstream.FileStorage, Replicas: q.cfg.Replicas, MaxAge: 30 * 24 * time.Hour, Duplicates: 10 * time.Minute},
	}
	// Streams are made by the first process, never changed by later
	// ones: a publisher's defaults must not scale down a cluster's.
	for _, sc := range streams {
		_, err := q.js.Stream(ctx, sc.Name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = q.js.CreateStream(ctx, sc)
		}
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	if !q.cfg.Consumers {
		// A publisher needs no consumer: the work-queue streams keep what
		// it publishes until the workers' consumers take it.
		return nil
	}
	for _, cc := range q.consumerConfigs() {
		stream := WorkStream
		if strings.HasPrefix(cc.FilterSubject, fusePrefix) {
			stream = FuseStream
		}
		if _, err := q.js.CreateOrUpdateConsumer(ctx, stream, cc); err != nil {
			return fmt.Errorf("consumer %s: %w", cc.Durable, err)
		}
	}
	return nil
}

// consumerConfigs are the durable consumers every worker shares. The
// consumer's MaxDeliver is one more than the attempts: the extra
// delivery only moves the message to the dead-letter stream.
func (q *Queue) consumerConfigs() []jetstream.ConsumerConfig {
	base := jetstream.ConsumerConfig{AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: q.cfg.MaxDeliver + 1,
		BackOff: q.cfg.BackOff, DeliverPolicy: jetstream.DeliverAllPolicy, MaxWaiting: 512}
	var out []jetstream.ConsumerConfig
	for _, k := range []Kind{Fetch, Extract, Import} {
		c := base
		c.Durable, c.FilterSubject = string(k), subjectOf(k)
		c.MaxAckPending = 1000
		out = append(out, c)
	}
	for p := range q.cfg.Partitions {
		c := base
		c.Durable, c.FilterSubject = partitionConsumer(p), fmt.Sprintf("%s%03d.*", fusePrefix, p)
		// One message of a partition in flight at a time, cluster-wide:
		// the partition's claims are fused in order and by one worker.
		c.MaxAckPending = 1
		out = append(out, c)
	}
	return out
}

func subjectOf(k Kind) string {
	switch k {
	case Fetch:
		return FetchSubject
	case Import:
		return ImportSubject
	}
	return ExtractSubject
}

func partitionConsumer(p int) string { return fmt.Sprintf("fuse-%03d", p) }

// Partition returns the fusion partition of a country (NoCountry for
// claims without one): a stable hash, the same in every process.
func Partition(country string, partitions int) int {
	h := fnv.New32a()
	h.Write([]byte(country))
	return int(h.Sum32() % uint32(partitions))
}

// FuseSubject is the subject of the fuse work of a country.
func (q *Queue) FuseSubject(country string) string {
	if country == "" {
		country = NoCountry
	}
	return fmt.Sprintf("%s%03d.%s", fusePrefix, Partition(country, q.cfg.Partitions), country)
}

// Publish stores v (as JSON) on subject with the message id given: the
// stream keeps one message per id within its duplicate window, so a
// publisher that retries, or two that publish the same work, add it once.
// It retries while the cluster elects a leader or a server is down, until
// ctx ends.
func (q *Queue) Publish(ctx context.Context, subject, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("queue: publish %s: %w", subject, err)
	}
	return q.PublishRaw(ctx, subject, id, data, nil)
}

// PublishRaw is Publish for data already encoded, with extra headers.
func (q *Queue) PublishRaw(ctx context.Context, subject, id string, data []byte, h nats.Header) error {
	if len(data) > int(q.nc.MaxPayload()) {
		return fmt.Errorf("queue: publish %s: %d bytes is over the server's limit of %d", subject, len(data), q.nc.MaxPayload())
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	for k, vs := range h {
		msg.Header[k] = vs
	}
	return retry(ctx, q.cfg.Log, "publish "+subject, func(ctx context.Context) error {
		_, err := q.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id))
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStoreFailed {
			return fmt.Errorf("%w: %w", ErrBacklogFull, err)
		}
		return err
	})
}

// errCodeStoreFailed is the server's JSStreamStoreFailedF, which a full
// stream with DiscardNew answers ("maximum messages exceeded").
const errCodeStoreFailed = 10077

// ErrBacklogFull is returned by Publish when a stream holds MaxBacklog
// messages: the producer must wait (a worker's message is then retried
// after its back-off; `worker submit` stops with this error).
var ErrBacklogFull = errors.New("queue: backlog full")

// retry runs fn until it succeeds or ctx ends, waiting longer after each
// failure (up to 2 s): while a server restarts or a stream elects a new
// leader, requests time out or find no responder for a few seconds.
func retry(ctx context.Context, log *slog.Logger, what string, fn func(context.Context) error) error {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !transient(err) {
			return fmt.Errorf("queue: %s: %w", what, err)
		}
		if attempt%10 == 1 {
			log.Warn("queue: retrying", "what", what, "attempt", attempt, "error", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("queue: %s: %w", what, errors.Join(err, ctx.Err()))
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// transient says whether an error may go away by itself: the cluster
// unreachable or electing, not a refusal.
func transient(err error) bool {
	if errors.Is(err, ErrBacklogFull) {
		return false // waiting here would hide the back-pressure
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		// 503: JetStream not (yet) available; 10008: temporarily
		// unavailable; everything else is an answer.
		return apiErr.Code == 503 || apiErr.ErrorCode == 10008
	}
	return true
}

// redactURL hides passwords in NATS URLs for messages.
func redactURL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if at := strings.LastIndex(p, "@"); at >= 0 {
			if scheme := strings.Index(p, "://"); scheme >= 0 && scheme < at {
				parts[i] = p[:scheme+3] + "***" + p[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}

// Backlog is how much work waits in the queue.
type Backlog struct {
	// Waiting counts messages not delivered yet, by kind.
	Waiting map[Kind]uint64 `json:"waiting"`
	// InFlight counts messages delivered and not yet acknowledged.
	InFlight map[Kind]uint64 `json:"in_flight"`
	// Dead is the number of messages in the dead-letter stream.
	Dead uint64 `json:"dead"`
}

// Empty says whether no work waits or runs.
func (b Backlog) Empty() bool {
	for _, k := range Kinds {
		if b.Waiting[k] > 0 || b.InFlight[k] > 0 {
			return false
		}
	}
	return true
}

// Backlog reads the counts of the consumers the workers made (none
// before the first worker: then nothing counts as waiting).
func (q *Queue) Backlog(ctx context.Context) (Backlog, error) {
	b := Backlog{Waiting: map[Kind]uint64{}, InFlight: map[Kind]uint64{}}
	for _, stream := range []string{WorkStream, FuseStream} {
		s, err := q.js.Stream(ctx, stream)
		if err != nil {
			return b, fmt.Errorf("queue: backlog %s: %w", stream, err)
		}
		infos := s.ListConsumers(ctx)
		for ci := range infos.Info() {
			kind := Kind(ci.Name)
			if stream == FuseStream {
				kind = Fuse
			}
			b.Waiting[kind] += ci.NumPending
			b.InFlight[kind] += uint64(ci.NumAckPending)
		}
		if err := infos.Err(); err != nil {
			return b, fmt.Errorf("queue: backlog %s: %w", stream, err)
		}
	}
	ds, err := q.js.Stream(ctx, DeadStream)
	if err != nil {
		return b, fmt.Errorf("queue: backlog %s: %w", DeadStream, err)
	}
	b.Dead = ds.CachedInfo().State.Msgs
	return b, nil
}

// DeadLetter is a message that went to the dead-letter stream.
type DeadLetter struct {
	Subject  string `json:"subject"`
	Error    string `json:"error"`
	Attempts int    `json:"attempts"`
	Data     []byte `json:"data"`
}

// DeadLetters returns up to limit messages of the dead-letter stream,
// oldest first.
func (q *Queue) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	s, err := q.js.Stream(ctx, DeadStream)
	if err != nil {
		return nil, fmt.Errorf("queue: dead letters: %w", err)
	}
	st := s.CachedInfo().State
	var out []DeadLetter
	for seq := st.FirstSeq; seq <= st.LastSeq && seq > 0 && len(out) < limit; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("queue: dead letter %d: %w", seq, err)
		}
		n, _ := strconv.Atoi(m.Header.Get(hdrAttempts))
		out = append(out, DeadLetter{Subject: strings.TrimPrefix(m.Subject, deadPrefix), Error: m.Header.Get(hdrError), Attempts: n, Data: m.Data})
	}
	return out, nil
}
