package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/report"
	"github.com/vigil-project/vigil/internal/store"
)

// runReport writes `vigil analyze report`: every analysis of the selection
// as one self-contained HTML page, to the file out or, for "-", to
// standard output.
func runReport(ctx context.Context, env Env, cfg Config, f store.Filter, out string, bootstrap int, seed uint64) error {
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	var incs []model.Incident
	if err := st.Incidents(ctx, f, func(inc model.Incident) error {
		incs = append(incs, inc)
		return nil
	}); err != nil {
		return fmt.Errorf("analyze report: select incidents: %w", err)
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		return fmt.Errorf("analyze report: stats: %w", err)
	}
	var sources []report.Source
	for name, n := range stats.ReportsBySource {
		sources = append(sources, report.Source{Name: name, Reports: n})
	}
	sort.Slice(sources, func(i, j int) bool { return sources[i].Name < sources[j].Name })

	rep := report.Build(incs, report.Options{
		Selection: report.Selection{Country: f.Country, Admin1: f.Admin1, Actor: f.Actor, AttackType: f.AttackType,
			Status: f.Status, Since: f.Since, Until: f.Until, MinKilled: f.MinKilled},
		Generated: env.Now(),
		Sources:   sources,
		Bootstrap: bootstrap,
		Seed:      seed,
		Version:   Version,
	})
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		return fmt.Errorf("analyze report: %w", err)
	}
	if out == "-" {
		_, err := env.Stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(out, buf.Bytes()); err != nil {
		return fmt.Errorf("analyze report: %w", err)
	}
	fmt.Fprintf(env.Stdout, "Wrote %s: the analyses of %d incidents.\n", out, rep.N())
	return nil
}

// writeFileAtomic writes a file through a temporary file in the same
// directory, so that a reader never sees half a report.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vigil-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
