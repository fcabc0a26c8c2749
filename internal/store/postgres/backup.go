package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL's own tools make and restore its backups: pg_dump takes a
// consistent snapshot of a live database in one transaction (imports go
// on meanwhile), and its custom format is what pg_restore reads. vigil
// runs them with the store's connection settings so that one command does
// the job, and checks the result.

// Backup writes a pg_dump archive (custom format) of the store's database
// to a new file dst.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("backup %s: the file exists; choose a new name", dst)
	}
	if err := runPGTool(ctx, &s.pool.Config().ConnConfig.Config, "pg_dump", "--format=custom", "--no-owner", "--file", dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("backup %s: %w", dst, err)
	}
	if err := CheckBackup(ctx, dst); err != nil {
		return fmt.Errorf("backup %s: written but %w", dst, err)
	}
	return nil
}

// CheckBackup checks that the file at path is a pg_dump archive that
// pg_restore can read and that holds a vigil store (its schema_migrations
// table).
func CheckBackup(ctx context.Context, path string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "pg_restore", "--list", path)
	cmd.Stdout = &out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("check %s: %w", path, toolError("pg_restore", err, stderr.String()))
	}
	if !strings.Contains(out.String(), "TABLE public schema_migrations") && !strings.Contains(out.String(), " schema_migrations ") {
		return fmt.Errorf("check %s: not a vigil store (no schema_migrations table)", path)
	}
	return nil
}

// Restore loads the archive at src into the database dsn names, in one
// transaction: all of it or nothing. A database that already holds a
// vigil store is replaced only when replace is set.
func Restore(ctx context.Context, dsn, src string, replace bool) error {
	if err := CheckBackup(ctx, src); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return errors.New("restore: invalid connection URL")
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	var existing *string
	err = conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations')::text`).Scan(&existing)
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	args := []string{"--no-owner", "--single-transaction", "--exit-on-error"}
	if existing != nil {
		if !replace {
			return fmt.Errorf("restore: database %s already holds a vigil store; give --force to replace it", cfg.Database)
		}
		args = append(args, "--clean", "--if-exists")
	}
	if err := runPGTool(ctx, &cfg.Config, "pg_restore", append(args, src)...); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// runPGTool runs a PostgreSQL client tool against the database of cfg.
// The settings go through the environment, not the command line, where
// every user of the machine could read the password.
func runPGTool(ctx context.Context, cfg *pgconn.Config, tool string, args ...string) error {
	env := append(os.Environ(),
		"PGHOST="+cfg.Host, "PGPORT="+strconv.Itoa(int(cfg.Port)), "PGUSER="+cfg.User,
		"PGPASSWORD="+cfg.Password, "PGDATABASE="+cfg.Database)
	if cfg.TLSConfig == nil {
		env = append(env, "PGSSLMODE=disable")
	} else {
		env = append(env, "PGSSLMODE=require")
	}
	cmd := exec.CommandContext(ctx, tool, append(args, "--dbname", cfg.Database)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return toolError(tool, err, stderr.String())
	}
	return nil
}

func toolError(tool string, err error, stderr string) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%s is not installed: install PostgreSQL's client tools (Debian: apt-get install postgresql-client)", tool)
	}
	if msg := strings.TrimSpace(stderr); msg != "" {
		return fmt.Errorf("%s: %s", tool, msg)
	}
	return fmt.Errorf("%s: %w", tool, err)
}
