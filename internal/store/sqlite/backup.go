package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vigil-project/vigil/internal/store/internal/migrate"
)

// Backup writes a consistent copy of the store to a new file dst with
// VACUUM INTO: one read transaction, so imports go on meanwhile and the
// copy holds the batches committed when it began, whole. The copy is
// compact (no free pages, no log) and is itself a store. dst must not
// exist.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("backup %s: the file exists; choose a new name", dst)
	}
	// VACUUM INTO writes, which the read pool's query_only forbids, and
	// on the writer it would hold up imports for as long as it runs: it
	// gets a connection of its own.
	db, err := sql.Open("sqlite", s.path+"?"+commonPragmas)
	if err != nil {
		return fmt.Errorf("backup %s: %w", dst, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("backup %s: %w", dst, err)
	}
	return nil
}

// CheckBackup checks that the file at path is a whole vigil SQLite store
// this vigil can open: SQLite's integrity check passes and its schema is
// not newer than this vigil's. It returns the schema version.
func CheckBackup(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&"+commonPragmas)
	if err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&result); err != nil {
		return 0, fmt.Errorf("check %s: not a SQLite database: %w", path, err)
	}
	if result != "ok" {
		return 0, fmt.Errorf("check %s: damaged: %s", path, result)
	}
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("check %s: not a vigil store: %w", path, err)
	}
	ms, err := migrate.Load(migrationFiles)
	if err != nil {
		return 0, err
	}
	if v < 1 || v > len(ms) {
		return v, fmt.Errorf("check %s: schema version %d, this vigil knows 1 to %d", path, v, len(ms))
	}
	return v, nil
}

// Restore checks the backup at src (CheckBackup) and puts a copy of it at
// dst. An existing store at dst is replaced only when replace is set, and
// then whole: the copy is written beside it and renamed over it, and its
// log files go, so that a crash leaves either the old store or the new
// one. No vigil may have dst open meanwhile.
func Restore(ctx context.Context, src, dst string, replace bool) error {
	if _, err := CheckBackup(ctx, src); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil && !replace {
		return fmt.Errorf("restore: %s exists; give --force to replace it", dst)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	in, err := os.Open(src)
	if err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	_, err = io.Copy(tmp, in)
	in.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: copy %s: %w", src, err)
	}
	// A log left by the old store would be replayed into the new one.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
