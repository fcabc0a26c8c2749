package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/vigil-project/vigil/internal/archive"
	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/store"
)

// dumpStore is what `vigil export --all` and `vigil import vigil` need of
// a store: both backends have it.
type dumpStore interface {
	teamStore
	store.Dumper
	store.Restorer
}

func openDumpStore(ctx context.Context, dsn string) (dumpStore, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	ds, ok := st.(dumpStore)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("store %T cannot dump or restore", st)
	}
	return ds, nil
}

func backendName(dsn string) string {
	if isPostgres(dsn) {
		return "postgres"
	}
	return "sqlite"
}

// runExport is `vigil export --all DIR`: the whole store as a dump (see
// package archive and docs/DUMP.md).
func runExport(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "export", "--all DIR", &cfg, false, "")
	all := fs.Bool("all", false, "dump everything the store holds (required; incidents alone: vigil incidents --format)")
	withAccounts := fs.Bool("with-accounts", false, "also dump users and API tokens, with their password and token hashes (keep the dump as secret as the store)")
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if !*all || len(pos) != 1 {
		return usagef("usage: vigil export --all DIR [--with-accounts] (for incidents alone: vigil incidents --format json|csv|geojson)")
	}
	st, err := openDumpStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	m, err := archive.Write(ctx, pos[0], st, archive.Options{WithAccounts: *withAccounts, VigilVersion: Version,
		SchemaVersion: v, Backend: backendName(cfg.DB), Now: env.Now()})
	if err != nil {
		return fmt.Errorf("export --all: %w", err)
	}
	rows, size := totals(m)
	// Recorded before anything is printed: a reader of the output that
	// goes away (| head) must not cost the audit entry.
	if err := record(ctx, env, st, audit.Export, pos[0], map[string]any{"format_version": m.FormatVersion, "rows": rows,
		"bytes": size, "with_accounts": m.WithAccounts}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "dumped %d rows of %d tables (%d incidents, %d reports, %d audit entries; accounts %s) to %s, %.1f MB\n",
		rows, len(m.Tables), count(m, "incidents"), count(m, "reports"), count(m, "audit_log"), included(m.WithAccounts), pos[0], float64(size)/1e6)
	return nil
}

// importDump is `vigil import vigil DIR`: a dump restored into an empty
// store, checked first, in one transaction; the audit chain is verified
// after it and the import appended to it.
func importDump(ctx context.Context, env Env, cfg Config, dirs []string) error {
	if len(dirs) != 1 {
		return usagef("usage: vigil import vigil DIR (a directory that vigil export --all wrote)")
	}
	dir := dirs[0]
	st, err := openDumpStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("import vigil: %w", err)
	}
	m, err := archive.Restore(ctx, dir, st, v)
	if errors.Is(err, store.ErrNotEmpty) {
		return fmt.Errorf("import vigil %s: %w; nothing was changed", dir, err)
	}
	if err != nil {
		return fmt.Errorf("import vigil %s: %w; nothing was stored", dir, err)
	}
	rows, _ := totals(m)
	// The restored chain is verified, and the import recorded, before
	// anything is printed: a reader of the output that goes away (| head)
	// must not cost the audit entry.
	var verified bytes.Buffer
	venv := env
	venv.Stdout = &verified
	if err := verifyAudit(ctx, venv, st, nil); err != nil {
		return fmt.Errorf("import vigil: restored, but %w", err)
	}
	if err := record(ctx, env, st, audit.ImportDump, dir, map[string]any{"backend": m.Backend, "vigil_version": m.VigilVersion,
		"schema_version": m.SchemaVersion, "rows": rows, "with_accounts": m.WithAccounts}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "restored %s (a %s store dumped by vigil %s, schema %d, on %s) into %s: %d rows, %d incidents, %d reports, %d audit entries; accounts %s\n",
		dir, m.Backend, m.VigilVersion, m.SchemaVersion, m.Created.Format("2006-01-02 15:04 MST"), redactDSN(cfg.DB),
		rows, count(m, "incidents"), count(m, "reports"), count(m, "audit_log"), included(m.WithAccounts))
	env.Stdout.Write(verified.Bytes())
	return nil
}

func totals(m archive.Manifest) (rows, size int64) {
	for _, t := range m.Tables {
		rows += t.Rows
		size += t.Bytes
	}
	return rows, size
}

func count(m archive.Manifest, table string) int64 {
	for _, t := range m.Tables {
		if t.Name == table {
			return t.Rows
		}
	}
	return 0
}

func included(b bool) string {
	if b {
		return "included"
	}
	return "left out"
}
