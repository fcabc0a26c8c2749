package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// EnsureSource stores a source, or updates the stored one of that name.
// A source must be stored before reports of it are imported.
func (s *Store) EnsureSource(ctx context.Context, src model.Source) error {
	if src.Name == "" {
		return fmt.Errorf("ensure source: empty name")
	}
	if plan.CleanText(src.Name) != src.Name {
		return fmt.Errorf("ensure source %q: name is not valid text", plan.CleanText(src.Name))
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO sources (name, kind, title, reliability) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, title = excluded.title, reliability = excluded.reliability`,
		src.Name, plan.CleanText(string(src.Kind)), plan.CleanText(src.Title), src.Reliability)
	if err != nil {
		return fmt.Errorf("ensure source %s: %w", src.Name, err)
	}
	return nil
}

// saveRejectionSQL stores a rejection, replacing one of the same line.
const saveRejectionSQL = `INSERT INTO rejections (source, file, line, field, reason, raw, at) VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (source, file, line) DO UPDATE SET field = excluded.field, reason = excluded.reason,
		raw = excluded.raw, at = excluded.at`

// SaveRejections stores rejected rows in one transaction; a row already
// stored for the same source, file and line is replaced.
func (s *Store) SaveRejections(ctx context.Context, rs []store.Rejection) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save rejections: %w", err)
	}
	defer tx.Rollback()
	st, err := s.txStmt(ctx, tx, saveRejectionSQL)
	if err != nil {
		return fmt.Errorf("save rejections: %w", err)
	}
	for _, r := range rs {
		if _, err := st.ExecContext(ctx, rejectionValues(r)...); err != nil {
			return fmt.Errorf("save rejection %s:%d: %w", r.File, r.Line, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save rejections: %w", err)
	}
	return nil
}

// rejectionValues returns a rejection's column values: its text cleaned
// (it may quote the bad input), its raw row as bytes.
func rejectionValues(r store.Rejection) []any {
	return []any{plan.CleanText(r.Source), plan.CleanText(r.File), r.Line, plan.CleanText(r.Field),
		plan.CleanText(r.Reason), []byte(r.Raw), formatTime(r.At)}
}

// Rejections returns stored rejections of a source ("" for all) in file
// and line order, at most limit of them (0 for all).
func (s *Store) Rejections(ctx context.Context, source string, limit int) ([]store.Rejection, error) {
	q := `SELECT source, file, line, field, reason, raw, at FROM rejections`
	var args []any
	if source != "" {
		q += ` WHERE source = ?`
		args = append(args, source)
	}
	q += ` ORDER BY file, line, source`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	defer rows.Close()
	var out []store.Rejection
	for rows.Next() {
		var r store.Rejection
		var at sql.NullString
		var raw []byte
		if err := rows.Scan(&r.Source, &r.File, &r.Line, &r.Field, &r.Reason, &raw, &at); err != nil {
			return nil, fmt.Errorf("rejections: %w", err)
		}
		r.Raw = string(raw)
		if r.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("rejections: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	return out, nil
}

// StartImport logs the start of an import and returns the run's id.
func (s *Store) StartImport(ctx context.Context, run store.ImportRun) (int64, error) {
	var id int64
	err := s.write.QueryRowContext(ctx, `INSERT INTO import_runs (source, file, started, finished, read, new,
		updated, unchanged, rejected, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		runValues(run)...).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("start import of %s: %w", run.File, err)
	}
	return id, nil
}

// FinishImport records the outcome of the import run run.ID, or returns
// an error wrapping store.ErrNotFound when there is no such run.
func (s *Store) FinishImport(ctx context.Context, run store.ImportRun) error {
	res, err := s.write.ExecContext(ctx, `UPDATE import_runs SET source = ?, file = ?, started = ?, finished = ?,
		read = ?, new = ?, updated = ?, unchanged = ?, rejected = ?, status = ?, error = ? WHERE id = ?`,
		append(runValues(run), run.ID)...)
	if err != nil {
		return fmt.Errorf("finish import %d: %w", run.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish import %d: %w", run.ID, err)
	} else if n == 0 {
		return fmt.Errorf("finish import: run %d: %w", run.ID, store.ErrNotFound)
	}
	return nil
}

// runValues returns a run's column values, source to error.
func runValues(r store.ImportRun) []any {
	return []any{plan.CleanText(r.Source), plan.CleanText(r.File), formatTime(r.Started), timeValue(r.Finished),
		r.Read, r.New, r.Updated, r.Unchanged, r.Rejected, plan.CleanText(r.Status), plan.CleanText(r.Error)}
}

// ImportRuns returns the logged imports, newest first, at most limit of
// them (0 for all).
func (s *Store) ImportRuns(ctx context.Context, limit int) ([]store.ImportRun, error) {
	q := `SELECT id, source, file, started, finished, read, new, updated, unchanged, rejected, status, error
		FROM import_runs ORDER BY id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("import runs: %w", err)
	}
	defer rows.Close()
	var out []store.ImportRun
	for rows.Next() {
		var r store.ImportRun
		var started, finished sql.NullString
		if err := rows.Scan(&r.ID, &r.Source, &r.File, &started, &finished, &r.Read, &r.New, &r.Updated,
			&r.Unchanged, &r.Rejected, &r.Status, &r.Error); err != nil {
			return nil, fmt.Errorf("import runs: %w", err)
		}
		if r.Started, err = parseTime(started); err != nil {
			return nil, fmt.Errorf("import runs: %w", err)
		}
		if r.Finished, err = parseTime(finished); err != nil {
			return nil, fmt.Errorf("import runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("import runs: %w", err)
	}
	return out, nil
}
