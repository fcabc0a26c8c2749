// Package ingest runs one file's reader into a store: batching, one
// transaction per batch, reading in parallel with writing, rejected rows
// recorded with where and why, an import log entry, and --strict's
// all-or-nothing rule.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/store"
)

// Store is what an import needs of a store.
type Store interface {
	EnsureSource(ctx context.Context, src model.Source) error
	ImportBatch(ctx context.Context, recs []model.Record, at time.Time) (store.BatchCounts, error)
	// PlanBatch and WriteBatch are ImportBatch in two steps, so that the
	// next batch is planned while the last one is written.
	PlanBatch(ctx context.Context, recs []model.Record, at time.Time) (store.PlannedBatch, error)
	WriteBatch(ctx context.Context, pb store.PlannedBatch) (store.BatchCounts, error)
	SaveRejections(ctx context.Context, rs []store.Rejection) error
	StartImport(ctx context.Context, run store.ImportRun) (int64, error)
	FinishImport(ctx context.Context, run store.ImportRun) error
}

// BulkBatchSize is the default batch of a first load into an empty
// store. Each commit writes every page the batch changed, and the
// indexes kept during the load (keyed by hashed incident ids) have most
// of their pages changed by any batch: for a 200,000-row GTD import,
// 2,000 rows a transaction wrote 1.26 GB, 5,000 wrote 0.90 GB and 10,000
// 0.78 GB, with a peak resident size of 0.7, 1.0 and 1.6 GB (a batch is
// held by the reader, the planner and the writer at once).
const BulkBatchSize = 5000

// BulkLoader is what a store may offer for a first load into an empty
// store: BeginBulk defers the secondary indexes that an import does not
// read (and reports whether it did), EndBulk builds them. Reads stay
// correct in between.
type BulkLoader interface {
	BeginBulk(ctx context.Context) (bool, error)
	EndBulk(ctx context.Context) error
}

// BulkGCPercent is the garbage collector's pace (GOGC) during a bulk
// load. Three batches are live at once (read, planned, written) and each
// makes its own garbage (rows, documents, the raw chunk), so at Go's
// default of 100 the collector ran all through the load: for a
// 200,000-row GTD import, 200 took 0.8 of 10.4 CPU seconds off for 0.33
// GB more at the peak (1.05 → 1.38 GB).
const BulkGCPercent = 200

// gcPace is the process's one garbage collector setting, shared by bulk
// loads that may overlap.
var gcPace struct {
	sync.Mutex
	loads int // bulk loads running
	prev  int // the setting before the first of them
}

// paceGC sets the collector to BulkGCPercent, unless it is already
// slower (GOGC set higher, or off), and returns the function that sets it
// back once the last of the overlapping bulk loads has ended.
func paceGC() (restore func()) {
	gcPace.Lock()
	defer gcPace.Unlock()
	if gcPace.loads == 0 {
		gcPace.prev = debug.SetGCPercent(BulkGCPercent)
		if gcPace.prev < 0 || gcPace.prev >= BulkGCPercent {
			debug.SetGCPercent(gcPace.prev)
		}
	}
	gcPace.loads++
	return func() {
		gcPace.Lock()
		defer gcPace.Unlock()
		if gcPace.loads--; gcPace.loads == 0 {
			debug.SetGCPercent(gcPace.prev)
		}
	}
}

// checkedPlanner is a store that can plan records whose text the caller
// has checked (model.Record.CheckText) without checking it again.
type checkedPlanner interface {
	PlanCheckedBatch(ctx context.Context, recs []model.Record, at time.Time) (store.PlannedBatch, error)
}

// Opener opens the file afresh; strict imports read it twice.
type Opener func() (source.Reader, io.Closer, error)

// Options tune an import.
type Options struct {
	File string // file name for the log and rejections
	// BatchSize is the records per transaction; default 2000, or
	// BulkBatchSize for a first load into an empty store.
	BatchSize int
	// Strict makes any rejected row fail the whole file with nothing stored.
	Strict bool
	// Now gives the time stamped on the import; default time.Now.
	Now func() time.Time
	// MaxReasons is how many rejection reasons the summary keeps; default 10.
	MaxReasons int
	// OnBatch, when set, is called after each committed batch with the
	// records read so far (for progress display).
	OnBatch func(read int)
	// Places, when set, gives claims with coordinates but no admin-1
	// region (GTD rows with a point only, GDELT points) the region their
	// point falls in, flagged model.FlagAdmin1FromPoint, so that every
	// incident with coordinates can be counted by region.
	Places interface{ FillAdmin1(*model.Claim) bool }
	// Metrics, when set, are told of each batch and of the import's end.
	Metrics *metrics.Metrics
}

// Summary is what an import did.
type Summary struct {
	store.ImportRun
	// Skipped counts rows the reader passed over by design (ACLED protests,
	// GDELT events outside the chosen CAMEO roots): not errors.
	Skipped int `json:"skipped"`
	// Reasons holds the first rejections, as "file:line: field: reason".
	Reasons []string `json:"reasons,omitempty"`
}

// ErrStrict is returned when --strict finds rejected rows; nothing was stored.
var ErrStrict = errors.New("rejected rows in strict mode: nothing stored")

type skipper interface{ Skipped() int }

// Run imports one file. Rejected rows are recorded and do not fail the
// import unless opts.Strict. A fatal reader error (wrong kind of file, I/O)
// or a store error ends the import; batches already committed stay, so
// running the same import again completes it.
func Run(ctx context.Context, st Store, open Opener, opts Options) (Summary, error) {
	auto := opts.BatchSize <= 0
	if auto {
		opts.BatchSize = 2000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxReasons <= 0 {
		opts.MaxReasons = 10
	}
	var sum Summary
	sum.File = opts.File
	sum.Started = opts.Now().UTC()

	if opts.Strict {
		rejected, err := scan(open, opts, &sum)
		if err != nil {
			return sum, err
		}
		if rejected > 0 {
			sum.Status = "strict_rejected"
			sum.Rejected = rejected
			sum.Finished = opts.Now().UTC()
			return sum, fmt.Errorf("import %s: %d %w", opts.File, rejected, ErrStrict)
		}
		sum.Reasons = nil
	}

	rd, closer, err := open()
	if err != nil {
		return sum, err
	}
	defer closer.Close()
	src := rd.Source()
	sum.Source = src.Name
	if err := st.EnsureSource(ctx, src); err != nil {
		return sum, fmt.Errorf("import %s: %w", opts.File, err)
	}
	sum.Status = "running"
	if sum.ID, err = st.StartImport(ctx, sum.ImportRun); err != nil {
		return sum, fmt.Errorf("import %s: %w", opts.File, err)
	}

	// A first load into an empty store builds its secondary indexes at
	// the end, whatever happened, on a context that Ctrl-C does not end
	// (a store opened later builds what a killed import left).
	// A failure to begin one fails the import, logged like any other.
	bulk, isBulk := st.(BulkLoader)
	if isBulk {
		if isBulk, err = bulk.BeginBulk(ctx); err != nil {
			err = fmt.Errorf("import %s: %w", opts.File, err)
		}
		if isBulk && auto {
			opts.BatchSize = BulkBatchSize
		}
		if isBulk {
			defer paceGC()()
		}
	}
	if err == nil {
		err = pipeline(ctx, st, rd, opts, &sum)
	}
	if isBulk {
		if berr := bulk.EndBulk(context.WithoutCancel(ctx)); berr != nil {
			err = errors.Join(err, fmt.Errorf("import %s: %w", opts.File, berr))
		}
	}
	if s, ok := rd.(skipper); ok {
		sum.Skipped = s.Skipped()
		sum.Read += sum.Skipped
	}
	sum.Finished = opts.Now().UTC()
	sum.Status = "done"
	if err != nil {
		sum.Status = "failed"
		sum.Error = err.Error()
	}
	// The log entry is written even when the import failed or was
	// interrupted, on a fresh context so that Ctrl-C does not lose it.
	logCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if ferr := st.FinishImport(logCtx, sum.ImportRun); ferr != nil && err == nil {
		err = fmt.Errorf("import %s: %w", opts.File, ferr)
	}
	opts.Metrics.ImportDone(sum.Source, sum.Skipped, sum.Finished, err)
	return sum, err
}

// originLine returns the line of a report's "file:line" origin, or 0.
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

// scan reads the whole file without storing anything and counts rejections.
func scan(open Opener, opts Options, sum *Summary) (int, error) {
	rd, closer, err := open()
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	sum.Source = rd.Source().Name
	rejected := 0
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rejected, nil
		}
		if err == nil && rec.CheckText() != nil {
			err = &source.RowError{File: opts.File, Line: originLine(rec.Report.Origin), Reason: rec.CheckText().Error()}
		}
		var re *source.RowError
		if errors.As(err, &re) {
			rejected++
			if len(sum.Reasons) < opts.MaxReasons {
				sum.Reasons = append(sum.Reasons, re.Error())
			}
			continue
		}
		if err != nil {
			return rejected, err
		}
	}
}

// pipeline reads batches in one goroutine, plans them in another while the caller's goroutine writes them, so that parsing,
// planning and the database work overlap.
func pipeline(ctx context.Context, st Store, rd source.Reader, opts Options, sum *Summary) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type batch struct {
		recs []model.Record
		rejs []store.Rejection
		read int
	}
	batches := make(chan batch, 2)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		read := 0
		b := batch{recs: make([]model.Record, 0, opts.BatchSize)}
		flush := func() bool {
			b.read = read
			select {
			case batches <- b:
			case <-ctx.Done():
				return false
			}
			b = batch{recs: make([]model.Record, 0, opts.BatchSize)}
			return true
		}
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var re *source.RowError
			if errors.As(err, &re) {
				read++
				b.rejs = append(b.rejs, store.Rejection{Source: rd.Source().Name, File: opts.File, Line: re.Line,
					Field: re.Field, Reason: re.Reason, Raw: re.Raw})
				continue
			}
			if err != nil {
				readErr <- err
				return
			}
			read++
			// A record the stores cannot hold would fail its whole batch:
			// it is rejected on its own, like any other bad row.
			if terr := rec.CheckText(); terr != nil {
				line := originLine(rec.Report.Origin)
				b.rejs = append(b.rejs, store.Rejection{Source: rd.Source().Name, File: opts.File, Line: line,
					Field: terr.(*model.TextError).Field, Reason: terr.(*model.TextError).Reason, Raw: string(rec.Report.Raw)})
				continue
			}
			if opts.Places != nil && opts.Places.FillAdmin1(&rec.Claim) {
				rec.Claim.Flags = append(rec.Claim.Flags, model.FlagAdmin1FromPoint)
			}
			b.recs = append(b.recs, rec)
			if len(b.recs) >= opts.BatchSize {
				if !flush() {
					readErr <- ctx.Err()
					return
				}
			}
		}
		if len(b.recs) > 0 || len(b.rejs) > 0 {
			if !flush() {
				readErr <- ctx.Err()
				return
			}
		}
		readErr <- nil
	}()

	// A third goroutine plans and encodes each batch while the previous
	// one is written: the write is the one step that cannot run beside
	// another write.
	type plannedBatch struct {
		batch
		at   time.Time
		plan store.PlannedBatch
		err  error
	}
	// Every record of a batch has passed CheckText above: a store that
	// can skip checking them again is asked to.
	planBatch := st.PlanBatch
	if c, ok := st.(checkedPlanner); ok {
		planBatch = c.PlanCheckedBatch
	}
	planned := make(chan plannedBatch, 1)
	go func() {
		defer close(planned)
		for b := range batches {
			pb := plannedBatch{batch: b, at: opts.Now().UTC()}
			if len(b.recs) > 0 {
				pb.plan, pb.err = planBatch(ctx, b.recs, pb.at)
			}
			select {
			case planned <- pb:
			case <-ctx.Done():
				for range batches { // let the reader goroutine finish
				}
				return
			}
		}
	}()
	drain := func() {
		cancel()
		for range planned {
		}
	}

	for b := range planned {
		at := b.at
		var c store.BatchCounts
		var took time.Duration
		if len(b.recs) > 0 {
			err := b.err
			if err == nil {
				start := time.Now()
				c, err = st.WriteBatch(ctx, b.plan)
				took = time.Since(start)
			}
			if err != nil {
				drain()
				return fmt.Errorf("import %s: %w", opts.File, err)
			}
			sum.BatchCounts.Add(c)
		}
		if len(b.rejs) > 0 {
			for i := range b.rejs {
				b.rejs[i].At = at
				if len(sum.Reasons) < opts.MaxReasons {
					sum.Reasons = append(sum.Reasons, (&source.RowError{File: opts.File, Line: b.rejs[i].Line,
						Field: b.rejs[i].Field, Reason: b.rejs[i].Reason}).Error())
				}
			}
			if err := st.SaveRejections(ctx, b.rejs); err != nil {
				drain()
				return fmt.Errorf("import %s: %w", opts.File, err)
			}
			sum.Rejected += len(b.rejs)
		}
		opts.Metrics.ImportBatch(rd.Source().Name, c.New, c.Updated, c.Unchanged, len(b.rejs), took)
		sum.Read = b.read
		if opts.OnBatch != nil {
			opts.OnBatch(b.read)
		}
	}
	if err := <-readErr; err != nil {
		return fmt.Errorf("import %s: %w", opts.File, err)
	}
	return ctx.Err()
}
