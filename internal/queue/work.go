package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers of dead letters.
const (
	hdrError    = "Vigil-Error"
	hdrAttempts = "Vigil-Attempts"
	hdrSeq      = "Vigil-Stream-Seq"
)

// Msg is one message given to a Handler.
type Msg struct {
	Subject string
	Data    []byte
	// ID is the publisher's message id (Nats-Msg-Id), for logs and for
	// deriving the ids of the messages the handler publishes in turn.
	ID string
	// Attempt counts deliveries, from 1.
	Attempt int
}

// Handler does the work of a message. It must be idempotent: the same
// message may come again after it returned (its ack lost, its worker
// killed just after the work). An error makes the message come again
// after a back-off, or go to the dead-letter stream after the last
// attempt or at once when it is Permanent.
type Handler func(ctx context.Context, m Msg) error

// permanent marks errors no retry can fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks an error that no new attempt can fix (a message that
// cannot be decoded): its message goes to the dead-letter stream at once.
func Permanent(err error) error { return permanent{err} }

// Handlers are the handlers of the kinds a worker takes.
type Handlers map[Kind]Handler

// WorkOptions configure Work.
type WorkOptions struct {
	// Concurrency is how many fetch or extract messages one worker handles
	// at once, per kind (default 1). Fusion runs one message per partition.
	Concurrency int
	// Done, when set, is told of each message handled and how it ended
	// (nil: acknowledged).
	Done func(k Kind, m Msg, err error)
	// Ready, when set, is asked before each pull whether the handlers
	// can work (the database answers); while it fails, no message is
	// pulled, so that an outage spends no message's attempts.
	Ready func(ctx context.Context) error
}

// Work takes messages of the kinds in hs and hands them to their handler
// until ctx ends; it returns when every handler has returned. A handler
// running when ctx ends gets a cancelled context: its message is then
// neither acknowledged nor refused, and comes again after the back-off.
func (q *Queue) Work(ctx context.Context, hs Handlers, opts WorkOptions) error {
	n := max(opts.Concurrency, 1)
	var gate *readyGate
	if opts.Ready != nil {
		gate = &readyGate{check: opts.Ready, log: q.cfg.Log, now: time.Now}
	}
	var wg sync.WaitGroup
	start := func(stream, consumer string, kind Kind, h Handler) {
		wg.Go(func() { q.loop(ctx, stream, consumer, kind, h, opts.Done, gate) })
	}
	for kind, h := range hs {
		switch kind {
		case Fetch, Extract, Import:
			for range n {
				start(WorkStream, string(kind), kind, h)
			}
		case Fuse:
			for p := range q.cfg.Partitions {
				start(FuseStream, partitionConsumer(p), kind, h)
			}
		default:
			return fmt.Errorf("queue: unknown kind %q", kind)
		}
	}
	wg.Wait()
	return ctx.Err()
}

// loop pulls one message at a time from a consumer: a worker holds no
// message it has not started, so a killed worker delays at most the
// messages it was working on.
func (q *Queue) loop(ctx context.Context, stream, consumer string, kind Kind, h Handler, done func(Kind, Msg, error), gate *readyGate) {
	log := q.cfg.Log.With("consumer", consumer)
	var cons jetstream.Consumer
	for ctx.Err() == nil {
		if cons == nil {
			err := retry(ctx, log, "consumer "+consumer, func(ctx context.Context) error {
				c, err := q.js.Consumer(ctx, stream, consumer)
				cons = c
				return err
			})
			if err != nil {
				if ctx.Err() == nil {
					log.Error("queue: consumer", "error", err)
					sleep(ctx, time.Second)
				}
				continue
			}
		}
		gate.wait(ctx)
		if ctx.Err() != nil {
			return
		}
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		batch, err := cons.Fetch(1, jetstream.FetchContext(fctx))
		if err != nil {
			cancel()
			if ctx.Err() == nil {
				log.Debug("queue: fetch", "error", err)
				sleep(ctx, 200*time.Millisecond)
			}
			continue
		}
		for m := range batch.Messages() {
			err := q.handle(ctx, kind, m, h, gate)
			if done != nil {
				md := msgOf(m)
				done(kind, md, err)
			}
		}
		cancel()
		if err := batch.Error(); err != nil && ctx.Err() == nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			log.Debug("queue: fetch", "error", err)
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
				cons = nil
			}
			sleep(ctx, 200*time.Millisecond)
		}
	}
}

func msgOf(m jetstream.Msg) Msg {
	out := Msg{Subject: m.Subject(), Data: m.Data(), ID: m.Headers().Get(jetstream.MsgIDHeader)}
	if md, err := m.Metadata(); err == nil {
		out.Attempt = int(md.NumDelivered)
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// errExhausted is the dead letter's reason when the last attempt never
// reported back: its worker crashed or hung each time.
var errExhausted = errors.New("attempts exhausted: the last attempt did not finish (worker killed or timed out)")

// handle runs h on one message and settles it: ack on success; after a
// failure, another delivery after the back-off, or the dead-letter stream.
func (q *Queue) handle(ctx context.Context, kind Kind, m jetstream.Msg, h Handler, gate *readyGate) error {
	msg := msgOf(m)
	log := q.cfg.Log.With("subject", msg.Subject, "msg_id", msg.ID, "attempt", msg.Attempt)
	if msg.Attempt > q.cfg.MaxDeliver {
		return q.bury(ctx, m, msg, errExhausted)
	}
	// Heartbeats keep the message ours while the work runs longer than
	// the ack wait (the first back-off).
	hctx, stop := context.WithCancel(ctx)
	var hb sync.WaitGroup
	hb.Go(func() {
		t := time.NewTicker(max(q.cfg.BackOff[0]/3, 30*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				if err := m.InProgress(); err != nil {
					log.Debug("queue: in progress", "error", err)
				}
			}
		}
	})
	err := q.attempt(ctx, h, msg, gate, log)
	stop()
	hb.Wait()
	if ctx.Err() != nil {
		// Shutting down: the message comes back to someone else after
		// the ack wait, whether the work finished or not.
		return ctx.Err()
	}
	if err == nil {
		if aerr := retry(ctx, log, "ack", func(actx context.Context) error { return m.DoubleAck(actx) }); aerr != nil {
			log.Warn("queue: ack lost: the message will come again", "error", aerr)
		}
		return nil
	}
	var perm permanent
	if errors.As(err, &perm) || msg.Attempt >= q.cfg.MaxDeliver {
		return q.bury(ctx, m, msg, err)
	}
	delay := q.cfg.BackOff[min(msg.Attempt-1, len(q.cfg.BackOff)-1)]
	log.Warn("queue: work failed, will retry", "kind", kind, "retry_in", delay, "error", err)
	if nerr := m.NakWithDelay(delay); nerr != nil {
		log.Debug("queue: nak", "error", nerr)
	}
	return err
}

// attempt runs the handler. When it fails while the store does not
// answer (the gate's check fails right after), the failure is the
// outage's, not the message's: the message is held (the heartbeats go
// on) until the store answers and done again, spending none of its
// attempts. A worker killed meanwhile lets it go after the ack wait.
func (q *Queue) attempt(ctx context.Context, h Handler, msg Msg, gate *readyGate, log *slog.Logger) error {
	for {
		err := safeHandle(ctx, h, msg)
		var perm permanent
		if err == nil || gate == nil || errors.As(err, &perm) || ctx.Err() != nil || gate.recheck(ctx) {
			return err
		}
		log.Warn("queue: work failed while the store does not answer: holding the message until it does", "error", err)
		gate.wait(ctx)
		if ctx.Err() != nil {
			return err
		}
	}
}

// safeHandle runs the handler, turning a panic into a permanent error: a
// message that crashes the code would crash every worker in turn.
func safeHandle(ctx context.Context, h Handler, m Msg) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("handler panicked: %v", r))
		}
	}()
	return h(ctx, m)
}

// bury moves a message to the dead-letter stream (id derived from its
// stream sequence: moving it twice stores it once), then acknowledges it
// so that the work queue lets it go.
func (q *Queue) bury(ctx context.Context, m jetstream.Msg, msg Msg, cause error) error {
	md, err := m.Metadata()
	if err != nil {
		return fmt.Errorf("queue: dead letter: %w", err)
	}
	h := nats.Header{}
	h.Set(hdrError, cause.Error())
	h.Set(hdrAttempts, strconv.Itoa(msg.Attempt))
	h.Set(hdrSeq, strconv.FormatUint(md.Sequence.Stream, 10))
	id := fmt.Sprintf("dead:%s:%d", md.Stream, md.Sequence.Stream)
	if err := q.PublishRaw(ctx, deadPrefix+msg.Subject, id, msg.Data, h); err != nil {
		return fmt.Errorf("queue: dead letter %s: %w", msg.Subject, err)
	}
	q.cfg.Log.Error("queue: message moved to the dead-letter stream", "subject", msg.Subject, "msg_id", msg.ID,
		"attempts", msg.Attempt, "error", cause)
	if err := retry(ctx, q.cfg.Log, "ack", func(actx context.Context) error { return m.DoubleAck(actx) }); err != nil {
		return fmt.Errorf("queue: dead letter ack: %w", err)
	}
	return cause
}
