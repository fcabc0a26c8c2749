package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigil-project/vigil/internal/store"
)

// The team tables (migration 0006): accounts, sessions, API tokens, the
// audit log and public reports.

// isUnique says whether err is PostgreSQL's unique violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

const userColumns = `id, name, role, password_hash, disabled, created`

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	var role string
	if err := row.Scan(&u.ID, &u.Name, &role, &u.PasswordHash, &u.Disabled, &u.Created); err != nil {
		return store.User{}, err
	}
	u.Role, u.Created = store.Role(role), u.Created.UTC()
	return u, nil
}

// CreateUser stores a new account. A taken name is an error wrapping
// store.ErrExists.
func (s *Store) CreateUser(ctx context.Context, nu store.NewUser) (store.User, error) {
	if err := store.CheckNewUser(nu); err != nil {
		return store.User{}, err
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `INSERT INTO users (name, role, password_hash, created) VALUES ($1, $2, $3, $4)
		RETURNING `+userColumns, nu.Name, string(nu.Role), nu.PasswordHash, nu.Created))
	if isUnique(err) {
		return store.User{}, fmt.Errorf("create user %s: %w", nu.Name, store.ErrExists)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("create user %s: %w", nu.Name, err)
	}
	return u, nil
}

// User returns the account of that name, or an error wrapping
// store.ErrNotFound.
func (s *Store) User(ctx context.Context, name string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, notFound("user", name)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}

// UserByID returns the account with that id, or an error wrapping
// store.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, notFound("user", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// Users returns every account, disabled ones included, by name (in
// code-point order, as the SQLite store sorts them).
func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return out, nil
}

// UpdateUser changes an account and returns it as stored. When its role,
// password or disabled state changes, its sessions end in the same
// transaction: a demoted, re-keyed or disabled account keeps no browser
// logged in with its old rights.
func (s *Store) UpdateUser(ctx context.Context, name string, up store.UserUpdate) (store.User, error) {
	if up.Role != nil {
		if _, err := store.ParseRole(string(*up.Role)); err != nil {
			return store.User{}, fmt.Errorf("update user %s: %w", name, err)
		}
	}
	var u store.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1 FOR UPDATE`, name))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("user", name)
		}
		if err != nil {
			return err
		}
		u = old
		if up.Role != nil {
			u.Role = *up.Role
		}
		if up.PasswordHash != nil {
			u.PasswordHash = *up.PasswordHash
		}
		if up.Disabled != nil {
			u.Disabled = *up.Disabled
		}
		if u == old {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $1, password_hash = $2, disabled = $3 WHERE id = $4`,
			string(u.Role), u.PasswordHash, u.Disabled, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", name, err)
	}
	return u, nil
}

// CreateSession stores a session (by the hash of its id), and deletes
// the sessions that expired by its creation, so that the table holds
// live sessions only however long the server runs.
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	if err := store.CheckSession(se); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires <= $1`, se.Created); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, created, expires, csrf) VALUES ($1, $2, $3, $4, $5)`,
			se.IDHash, se.UserID, se.Created, se.Expires, se.CSRF)
		return err
	})
	if isUnique(err) {
		return fmt.Errorf("create session: %w", store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create session for user %d: %w", se.UserID, err)
	}
	return nil
}

// Session returns a live session and its account: an unknown or expired
// session, or one of a disabled account, is an error wrapping
// store.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (store.Session, store.User, error) {
	var se store.Session
	var u store.User
	var role string
	err := s.pool.QueryRow(ctx, `SELECT s.created, s.expires, s.csrf, u.id, u.name, u.role, u.password_hash, u.disabled, u.created
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND s.expires > $2 AND NOT u.disabled`, idHash, now).
		Scan(&se.Created, &se.Expires, &se.CSRF, &u.ID, &u.Name, &role, &u.PasswordHash, &u.Disabled, &u.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, store.User{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("session: %w", err)
	}
	u.Role, u.Created = store.Role(role), u.Created.UTC()
	se.IDHash, se.UserID, se.Created, se.Expires = idHash, u.ID, se.Created.UTC(), se.Expires.UTC()
	return se, u, nil
}

// DeleteSession ends a session; an unknown one is no error (logging out
// twice is logging out).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

const tokenColumns = `id, name, role, hash, creator, created, last_used, revoked`

func scanToken(row pgx.Row) (store.APIToken, error) {
	var t store.APIToken
	var role string
	var used, revoked *time.Time
	if err := row.Scan(&t.ID, &t.Name, &role, &t.Hash, &t.Creator, &t.Created, &used, &revoked); err != nil {
		return store.APIToken{}, err
	}
	t.Role, t.Created, t.LastUsed, t.Revoked = store.Role(role), t.Created.UTC(), parseTime(used), parseTime(revoked)
	return t, nil
}

// CreateToken stores an API token by its hash.
func (s *Store) CreateToken(ctx context.Context, nt store.NewToken) (store.APIToken, error) {
	if err := store.CheckNewToken(nt); err != nil {
		return store.APIToken{}, err
	}
	t, err := scanToken(s.pool.QueryRow(ctx, `INSERT INTO api_tokens (name, role, hash, creator, created) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+tokenColumns, nt.Name, string(nt.Role), nt.Hash, nt.Creator, nt.Created))
	if isUnique(err) {
		return store.APIToken{}, fmt.Errorf("create token %s: %w", nt.Name, store.ErrExists)
	}
	if err != nil {
		return store.APIToken{}, fmt.Errorf("create token %s: %w", nt.Name, err)
	}
	return t, nil
}

// TokenByHash returns the live token with that hash and records now as
// its last use; an unknown or revoked token is an error wrapping
// store.ErrNotFound.
func (s *Store) TokenByHash(ctx context.Context, hash string, now time.Time) (store.APIToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `UPDATE api_tokens SET last_used = $1 WHERE hash = $2 AND revoked IS NULL
		RETURNING `+tokenColumns, now, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.APIToken{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.APIToken{}, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// Tokens returns every token, revoked ones included, by id.
func (s *Store) Tokens(ctx context.Context) ([]store.APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.APIToken, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes a token at the time given; revoking it again keeps
// the first time. An unknown id is an error wrapping store.ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("revoke token %d: no time", id)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked = coalesce(revoked, $1) WHERE id = $2`, at, id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("token", strconv.FormatInt(id, 10))
	}
	return nil
}

// AppendAudit appends an entry to the audit log, chained to the last one,
// and returns it with its ID, Prev and Hash. Appends from every process
// queue on a transaction-level advisory lock, taken before the last entry
// is read, so the chain cannot fork.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	e, err := store.PrepareAudit(e)
	if err != nil {
		return store.AuditEntry{}, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		err := tx.QueryRow(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&e.Prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("last entry: %w", err)
		}
		e.Hash = store.AuditHash(e)
		return tx.QueryRow(ctx, `INSERT INTO audit_log (at, actor, action, target, details, prev, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			e.At, e.Actor, e.Action, e.Target, string(e.Details), e.Prev, e.Hash).Scan(&e.ID)
	})
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return e, nil
}

// Audit calls fn with the entries f selects, oldest first; with f.Limit,
// the first Limit of them. An error from fn stops the walk and is
// returned.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter, fn func(store.AuditEntry) error) error {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+arg(f.Until))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where = append(where, "starts_with(action, "+arg(f.Action)+")")
		} else {
			where = append(where, "action = "+arg(f.Action))
		}
	}
	q := `SELECT id, at, actor, action, target, details, prev, hash FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e store.AuditEntry
		var details string
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &details, &e.Prev, &e.Hash); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		e.At = e.At.UTC()
		if details != "" {
			e.Details = []byte(details)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

const reportColumns = `id, received, what, place, lat, lon, day, link, state, moderated_by, moderated_at, note, duplicate_of, claim_ref,
	EXISTS (SELECT 1 FROM public_report_contacts c WHERE c.report_id = public_reports.id)`

func scanReport(row pgx.Row) (store.PublicReport, error) {
	var r store.PublicReport
	var modAt *time.Time
	if err := row.Scan(&r.ID, &r.Received, &r.What, &r.Place, &r.Lat, &r.Lon, &r.When, &r.Link, &r.State, &r.By, &modAt,
		&r.Note, &r.DuplicateOf, &r.ClaimRef, &r.HasContact); err != nil {
		return store.PublicReport{}, err
	}
	r.Received, r.At = r.Received.UTC(), parseTime(modAt)
	if r.Lat == nil || r.Lon == nil {
		r.Lat, r.Lon = nil, nil
	}
	return r, nil
}

// AddPublicReport stores a report from the public form, pending, and its
// contact apart ("" stores none). It returns the report as stored.
func (s *Store) AddPublicReport(ctx context.Context, r store.PublicReport, contact string) (store.PublicReport, error) {
	if err := store.CheckPublicReport(r, contact); err != nil {
		return store.PublicReport{}, err
	}
	var out store.PublicReport
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO public_reports (received, what, place, lat, lon, day, link, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			r.Received, r.What, r.Place, r.Lat, r.Lon, r.When, r.Link, store.ReportPending).Scan(&id); err != nil {
			return err
		}
		if contact != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO public_report_contacts (report_id, contact) VALUES ($1, $2)`, id, contact); err != nil {
				return fmt.Errorf("contact: %w", err)
			}
		}
		var err error
		out, err = scanReport(tx.QueryRow(ctx, `SELECT `+reportColumns+` FROM public_reports WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("add public report: %w", err)
	}
	return out, nil
}

// PublicReport returns a report (without its contact), or an error
// wrapping store.ErrNotFound.
func (s *Store) PublicReport(ctx context.Context, id int64) (store.PublicReport, error) {
	r, err := scanReport(s.pool.QueryRow(ctx, `SELECT `+reportColumns+` FROM public_reports WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.PublicReport{}, notFound("public report", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("public report %d: %w", id, err)
	}
	return r, nil
}

// PublicReports returns the reports in a state ("" for all), oldest
// first, at most limit of them (0 for all).
func (s *Store) PublicReports(ctx context.Context, state string, limit int) ([]store.PublicReport, error) {
	q := `SELECT ` + reportColumns + ` FROM public_reports WHERE ($1 = '' OR state = $1) ORDER BY id`
	args := []any{state}
	if limit > 0 {
		q, args = q+` LIMIT $2`, append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("public reports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.PublicReport, error) { return scanReport(r) })
	if err != nil {
		return nil, fmt.Errorf("public reports: %w", err)
	}
	return out, nil
}

// PublicReportContact returns the contact a reporter left, for admins;
// a report without one (or no such report) is an error wrapping
// store.ErrNotFound.
func (s *Store) PublicReportContact(ctx context.Context, id int64) (string, error) {
	var c string
	err := s.pool.QueryRow(ctx, `SELECT contact FROM public_report_contacts WHERE report_id = $1`, id).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", notFound("contact of public report", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return "", fmt.Errorf("contact of public report %d: %w", id, err)
	}
	return c, nil
}

// ModerateReport records an analyst's decision on a pending report and
// returns the report as stored. An unknown report is an error wrapping
// store.ErrNotFound; one already decided, store.ErrConflict (the row is
// locked while it is checked, so of two moderators deciding at once the
// second learns of the first).
func (s *Store) ModerateReport(ctx context.Context, id int64, m store.Moderation) (store.PublicReport, error) {
	if err := store.CheckModeration(m); err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	var out store.PublicReport
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM public_reports WHERE id = $1 FOR UPDATE`, id).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("public report", strconv.FormatInt(id, 10))
		}
		if err != nil {
			return err
		}
		if state != store.ReportPending {
			return fmt.Errorf("it is %s, not pending: %w", state, store.ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE public_reports SET state = $1, moderated_by = $2, moderated_at = $3, note = $4,
			duplicate_of = $5, claim_ref = $6 WHERE id = $7`,
			m.State, m.By, m.At, m.Note, m.DuplicateOf, m.ClaimRef, id); err != nil {
			return err
		}
		out, err = scanReport(tx.QueryRow(ctx, `SELECT `+reportColumns+` FROM public_reports WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	return out, nil
}
