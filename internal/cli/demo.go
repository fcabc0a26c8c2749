package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/vigil-project/vigil/demo"
	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/csvmap"
	"github.com/vigil-project/vigil/internal/store"
)

// runDemo imports the demo dataset embedded in the binary, so that a new
// user sees vigil work before they have any data of their own.
func runDemo(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "demo", "", &cfg, false, "")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no arguments")
	}
	mapping, err := demo.FS.ReadFile(demo.MappingName)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	m, err := csvmap.ParseMapping(demo.MappingName, mapping)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := source.Options{Name: demo.CSVName, Fetched: env.Now().UTC()}
	open := func() (source.Reader, io.Closer, error) {
		f, err := demo.FS.Open(demo.CSVName)
		if err != nil {
			return nil, nil, err
		}
		r, err := csvmap.NewReader(f, m, opts)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		return r, f, nil
	}
	sum, err := ingest.Run(ctx, st, open, ingest.Options{File: demo.CSVName, Now: env.Now})
	printSummary(env, export.Table, sum, err)
	if err != nil {
		return err
	}
	if err := record(ctx, env, st, audit.Demo, demo.CSVName, map[string]any{"source": sum.Source, "read": sum.Read,
		"new": sum.New, "updated": sum.Updated, "unchanged": sum.Unchanged, "rejected": sum.Rejected}); err != nil {
		return err
	}
	if err := fuseAfterImport(ctx, env, st, export.Table); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\nThe demo dataset in %s:\n\n", cfg.DB)
	w, _ := export.NewWriter(env.Stdout, export.Table)
	if err := st.Incidents(ctx, store.Filter{Country: "IR", Since: model.Date{Year: 2017, Month: 1, Day: 1}, Until: model.Date{Year: 2024, Month: 12, Day: 31}}, w.Write); err != nil {
		return fmt.Errorf("demo: list: %w", err)
	}
	if err := w.Close(); err != nil {
		return err
	}
	s, err := st.Stats(ctx)
	if err != nil {
		return fmt.Errorf("demo: stats: %w", err)
	}
	fmt.Fprintln(env.Stdout)
	writeStats(env.Stdout, s)
	fmt.Fprintf(env.Stdout, "\nTry: vigil --db %s incidents --country IR --actor \"Islamic State\" --format json\n", cfg.DB)
	return nil
}
