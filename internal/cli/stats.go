package cli

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/store"
)

func runStats(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "stats", "", &cfg, true, export.Table)
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("stats takes no arguments")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	switch cfg.Format {
	case export.JSON:
		return writeJSON(env.Stdout, s)
	case export.Table:
		writeStats(env.Stdout, s)
		return nil
	}
	return usagef("stats: --format %s not supported: use table or json", cfg.Format)
}

func writeStats(w io.Writer, s store.Stats) {
	fmt.Fprintf(w, "incidents  %d\nclaims     %d\nreports    %d\nimports    %d\n", s.Incidents, s.Claims, s.Reports, s.Imports)
	names := make([]string, 0, len(s.ReportsBySource))
	for k := range s.ReportsBySource {
		names = append(names, k)
	}
	for k := range s.RejectedBySource {
		if _, ok := s.ReportsBySource[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		fmt.Fprintf(w, "\n%-16s %10s %10s\n", "SOURCE", "REPORTS", "REJECTED")
	}
	for _, n := range names {
		fmt.Fprintf(w, "%-16s %10d %10d\n", n, s.ReportsBySource[n], s.RejectedBySource[n])
	}
}
