package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func runBackup(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "backup", "FILE", &cfg, false, "")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil backup FILE (a new file: a SQLite copy, or a pg_dump archive for PostgreSQL)")
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, pos[0]); err != nil {
		return err
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	size := int64(0)
	if fi, err := os.Stat(pos[0]); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(env.Stdout, "backed up the store (%d incidents, %d reports when the backup finished) to %s, %.1f MB; checked\n",
		stats.Incidents, stats.Reports, pos[0], float64(size)/1e6)
	return record(ctx, env, st, audit.Backup, pos[0], map[string]any{"bytes": size})
}

func runRestore(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "restore", "FILE", &cfg, false, "")
	var force bool
	fs.BoolVar(&force, "force", false, "replace the store that --db names if it exists (stop every vigil using it first)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: vigil restore FILE [--force]")
	}
	if isPostgres(cfg.DB) {
		err = postgres.Restore(ctx, cfg.DB, pos[0], force)
	} else {
		err = sqlite.Restore(ctx, pos[0], cfg.DB, force)
	}
	if err != nil {
		return err
	}
	// Opening migrates a backup made by an older vigil, and checks it.
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("restore: restored, but %w", err)
	}
	defer st.Close()
	stats, err := st.Stats(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(env.Stdout, "restored %s into %s: %d incidents, %d reports\n", pos[0], redactDSN(cfg.DB), stats.Incidents, stats.Reports)
	// Recorded in the restored store, whose log goes on from the backup's.
	return record(ctx, env, st, audit.Restore, pos[0], map[string]any{"replaced": force})
}

// redactDSN hides a password in a postgres:// URL.
func redactDSN(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, ok := strings.Cut(rest[:at], ":"); ok {
			return scheme + "://" + user + ":***@" + rest[at+1:]
		}
	}
	return dsn
}
