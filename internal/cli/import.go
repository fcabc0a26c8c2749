package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/source"
)

// importFlags are the flags of `vigil import`.
type importFlags struct {
	strict  bool
	batch   int
	cameo   string
	mapFile string
	country string
	noFuse  bool
}

// openFunc opens one file of a kind as a reader; progress, when not nil,
// is told of the bytes read.
type openFunc func(path string, fl importFlags, opts source.Options, progress io.Writer) (source.Reader, io.Closer, error)

var importKinds = map[string]openFunc{
	"gtd":    openGTD,
	"acled":  openACLED,
	"ucdp":   openUCDP,
	"gdelt":  openGDELT,
	"csv":    openCSV,
	"claims": openClaims,
}

func runImport(ctx context.Context, env Env, args []string) error {
	var cfg Config
	var fl importFlags
	fs := newFlags(env, "import", "gtd|acled|ucdp|gdelt|csv|claims FILE... | vigil DIR", &cfg, true, export.Table)
	fs.BoolVar(&fl.strict, "strict", false, "fail the whole file, storing nothing, if any row is rejected")
	fs.IntVar(&fl.batch, "batch", 0, "rows per transaction (0: 2000, or 5000 for a first load into an empty store)")
	fs.StringVar(&fl.cameo, "cameo", "18,19,20", "gdelt: CAMEO root codes to import, comma-separated")
	fs.StringVar(&fl.mapFile, "map", "", "csv: the TOML mapping file (see demo/README.md)")
	fs.StringVar(&fl.country, "country", "", "claims: the country of the events (ISO code), when the event key does not say")
	fs.BoolVar(&fl.noFuse, "no-fuse", false, "store the claims without fusing them (run vigil fuse later)")
	natsURL := fs.String("nats", "", "publish the files' records to the NATS JetStream workers (vigil worker) instead of importing them here")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef("usage: vigil import gtd|acled|ucdp|gdelt|csv|claims FILE...")
	}
	kind, files := pos[0], pos[1:]
	if kind == "vigil" {
		return importDump(ctx, env, cfg, files)
	}
	open, ok := importKinds[kind]
	if !ok {
		return usagef("import: unknown kind %q: want gtd, acled, ucdp, gdelt, csv, claims or vigil (a dump)", kind)
	}
	if kind == "csv" && fl.mapFile == "" {
		return usagef("import csv needs --map FILE.toml")
	}
	if fl.batch < 0 {
		return usagef("--batch must not be negative (0: chosen by the import)")
	}
	if *natsURL != "" {
		return importToQueue(ctx, env, *natsURL, open, fl, files)
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()

	var failed error
	for _, file := range files {
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("import %s: %w", file, err)
		}
		sum, err := importFile(ctx, env, st, open, file, fl)
		printSummary(env, cfg.Format, sum, err)
		if sum.Source != "" {
			// Whatever was stored, also of a file that failed half way.
			d := map[string]any{"kind": kind, "source": sum.Source, "file": sum.File, "read": sum.Read, "new": sum.New,
				"updated": sum.Updated, "unchanged": sum.Unchanged, "rejected": sum.Rejected, "skipped": sum.Skipped, "strict": fl.strict}
			if err != nil {
				d["error"] = err.Error()
			}
			if aerr := record(ctx, env, st, audit.Import, file, d); aerr != nil {
				return aerr
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("import %s: interrupted after %d rows; run the same command again to complete it", file, sum.Read)
			}
			failed = errors.Join(failed, err)
		}
	}
	// The claims stored are fused once all files are in, whatever failed:
	// what was stored is fused, and claims are fused one by one, so a
	// later run picks up where an interrupted one stopped.
	if !fl.noFuse {
		if err := fuseAfterImport(ctx, env, st, cfg.Format); err != nil {
			failed = errors.Join(failed, err)
		}
	}
	return failed
}

func importFile(ctx context.Context, env Env, st ingest.Store, open openFunc, file string, fl importFlags) (ingest.Summary, error) {
	name := filepath.Base(file)
	opts := source.Options{Name: name, Fetched: env.Now().UTC()}
	bar := newBar(env, file)
	opener := func() (source.Reader, io.Closer, error) {
		var progress io.Writer
		if bar != nil {
			bar.Reset()
			progress = bar
		}
		return open(file, fl, opts, progress)
	}
	places, err := gazetteer.Default()
	if err != nil {
		return ingest.Summary{}, fmt.Errorf("import %s: %w", file, err)
	}
	sum, err := ingest.Run(ctx, st, opener, ingest.Options{File: name, BatchSize: fl.batch, Strict: fl.strict, Now: env.Now, Places: places})
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(env.Stderr)
	}
	return sum, err
}

// newBar returns a progress bar over the file's bytes when stderr is a
// terminal, and nil otherwise so that logs and pipes stay clean.
func newBar(env Env, file string) *progressbar.ProgressBar {
	f, ok := env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil
	}
	return progressbar.NewOptions64(fi.Size(),
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(filepath.Base(file)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
	)
}

func printSummary(env Env, f export.Format, s ingest.Summary, err error) {
	if f == export.JSON {
		enc := json.NewEncoder(env.Stdout)
		if err := enc.Encode(s); err != nil {
			fmt.Fprintf(env.Stderr, "import: write summary: %v\n", err)
		}
		return
	}
	if s.Source == "" && err != nil {
		return // nothing was read: the error says it all
	}
	dur := s.Finished.Sub(s.Started).Round(time.Millisecond)
	fmt.Fprintf(env.Stdout, "%s (%s): read %d, new %d, updated %d, unchanged %d, rejected %d", s.File, s.Source,
		s.Read, s.New, s.Updated, s.Unchanged, s.Rejected)
	if s.Skipped > 0 {
		fmt.Fprintf(env.Stdout, ", skipped %d (not attacks)", s.Skipped)
	}
	fmt.Fprintf(env.Stdout, " in %s\n", dur)
	if len(s.Reasons) > 0 {
		fmt.Fprintf(env.Stdout, "first rejected rows:\n")
		for _, r := range s.Reasons {
			fmt.Fprintf(env.Stdout, "  %s\n", r)
		}
		if s.Rejected > len(s.Reasons) {
			fmt.Fprintf(env.Stdout, "  … %d more: vigil rejections --source %s\n", s.Rejected-len(s.Reasons), s.Source)
		}
	}
}

// openPlain opens a file and, when progress is set, counts its bytes into it.
func openPlain(path string, progress io.Writer) (io.Reader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if progress == nil {
		return f, f, nil
	}
	return io.TeeReader(f, progress), f, nil
}

func parseList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
