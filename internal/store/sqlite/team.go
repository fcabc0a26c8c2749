package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// The team tables (migration 0006): accounts, sessions, API tokens, the
// audit log and public reports. Times are integer microseconds (micros).

// isUnique says whether err is SQLite's unique constraint failure.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

const userColumns = `id, name, role, password_hash, disabled, created`

func scanUser(row interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var role string
	var created int64
	if err := row.Scan(&u.ID, &u.Name, &role, &u.PasswordHash, &u.Disabled, &created); err != nil {
		return store.User{}, err
	}
	u.Role, u.Created = store.Role(role), fromMicros(created)
	return u, nil
}

// CreateUser stores a new account. A taken name is an error wrapping
// store.ErrExists.
func (s *Store) CreateUser(ctx context.Context, nu store.NewUser) (store.User, error) {
	if err := store.CheckNewUser(nu); err != nil {
		return store.User{}, err
	}
	u, err := scanUser(s.write.QueryRowContext(ctx, `INSERT INTO users (name, role, password_hash, created) VALUES (?, ?, ?, ?)
		RETURNING `+userColumns, nu.Name, string(nu.Role), nu.PasswordHash, micros(nu.Created)))
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
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
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
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, notFound("user", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// Users returns every account, disabled ones included, by name.
func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
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
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", name, err)
	}
	defer tx.Rollback()
	old, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, notFound("user", name)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", name, err)
	}
	u := old
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
		return u, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, password_hash = ?, disabled = ? WHERE id = ?`,
		string(u.Role), u.PasswordHash, u.Disabled, u.ID); err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
		return store.User{}, fmt.Errorf("update user %s: end sessions: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
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
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create session for user %d: %w", se.UserID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, micros(se.Created)); err != nil {
		return fmt.Errorf("create session: prune: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created, expires, csrf) VALUES (?, ?, ?, ?, ?)`,
		se.IDHash, se.UserID, micros(se.Created), micros(se.Expires), se.CSRF)
	if isUnique(err) {
		return fmt.Errorf("create session: %w", store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create session for user %d: %w", se.UserID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create session for user %d: %w", se.UserID, err)
	}
	return nil
}

// Session returns a live session and its account: an unknown or expired
// session, or one of a disabled account, is an error wrapping
// store.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (store.Session, store.User, error) {
	var se store.Session
	var created, expires int64
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return s.read.QueryRowContext(ctx, `SELECT s.created, s.expires, s.csrf, u.id, u.name, u.role, u.password_hash, u.disabled, u.created
			FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.id_hash = ? AND s.expires > ? AND u.disabled = 0`, idHash, micros(now)).
			Scan(append([]any{&created, &expires, &se.CSRF}, dest...)...)
	}))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.User{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("session: %w", err)
	}
	se.IDHash, se.UserID, se.Created, se.Expires = idHash, u.ID, fromMicros(created), fromMicros(expires)
	return se, u, nil
}

// scanFunc adapts a function to scanUser's row.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// DeleteSession ends a session; an unknown one is no error (logging out
// twice is logging out).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

const tokenColumns = `id, name, role, hash, creator, created, last_used, revoked`

func scanToken(row interface{ Scan(...any) error }) (store.APIToken, error) {
	var t store.APIToken
	var role string
	var created, used, revoked int64
	if err := row.Scan(&t.ID, &t.Name, &role, &t.Hash, &t.Creator, &created, &used, &revoked); err != nil {
		return store.APIToken{}, err
	}
	t.Role, t.Created, t.LastUsed, t.Revoked = store.Role(role), fromMicros(created), fromMicros(used), fromMicros(revoked)
	return t, nil
}

// CreateToken stores an API token by its hash.
func (s *Store) CreateToken(ctx context.Context, nt store.NewToken) (store.APIToken, error) {
	if err := store.CheckNewToken(nt); err != nil {
		return store.APIToken{}, err
	}
	t, err := scanToken(s.write.QueryRowContext(ctx, `INSERT INTO api_tokens (name, role, hash, creator, created) VALUES (?, ?, ?, ?, ?)
		RETURNING `+tokenColumns, nt.Name, string(nt.Role), nt.Hash, nt.Creator, micros(nt.Created)))
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
	t, err := scanToken(s.write.QueryRowContext(ctx, `UPDATE api_tokens SET last_used = ? WHERE hash = ? AND revoked = 0
		RETURNING `+tokenColumns, micros(now), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIToken{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.APIToken{}, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// Tokens returns every token, revoked ones included, by id.
func (s *Store) Tokens(ctx context.Context) ([]store.APIToken, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []store.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
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
	res, err := s.write.ExecContext(ctx, `UPDATE api_tokens SET revoked = CASE WHEN revoked = 0 THEN ? ELSE revoked END WHERE id = ?`,
		micros(at), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return notFound("token", strconv.FormatInt(id, 10))
	}
	return nil
}

// AppendAudit appends an entry to the audit log, chained to the last one,
// and returns it with its ID, Prev and Hash. The writer's transactions
// begin IMMEDIATE, so the last entry is read under the database's write
// lock: two processes appending at once queue, and the chain cannot fork.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	e, err := store.PrepareAudit(e)
	if err != nil {
		return store.AuditEntry{}, err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("audit %s: %w", e.Action, err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&e.Prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return store.AuditEntry{}, fmt.Errorf("audit %s: last entry: %w", e.Action, err)
	}
	e.Hash = store.AuditHash(e)
	if err := tx.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor, action, target, details, prev, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		micros(e.At), e.Actor, e.Action, e.Target, string(e.Details), e.Prev, e.Hash).Scan(&e.ID); err != nil {
		return store.AuditEntry{}, fmt.Errorf("audit %s: %w", e.Action, err)
	}
	if err := tx.Commit(); err != nil {
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
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, micros(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, micros(f.Until))
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where, args = append(where, "substr(action, 1, ?) = ?"), append(args, len(f.Action), f.Action)
		} else {
			where, args = append(where, "action = ?"), append(args, f.Action)
		}
	}
	q := `SELECT id, at, actor, action, target, details, prev, hash FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e store.AuditEntry
		var at int64
		var details string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &details, &e.Prev, &e.Hash); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		e.At = fromMicros(at)
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

func scanReport(row interface{ Scan(...any) error }) (store.PublicReport, error) {
	var r store.PublicReport
	var received, modAt int64
	var lat, lon sql.NullFloat64
	if err := row.Scan(&r.ID, &received, &r.What, &r.Place, &lat, &lon, &r.When, &r.Link, &r.State, &r.By, &modAt,
		&r.Note, &r.DuplicateOf, &r.ClaimRef, &r.HasContact); err != nil {
		return store.PublicReport{}, err
	}
	r.Received, r.At = fromMicros(received), fromMicros(modAt)
	if lat.Valid && lon.Valid {
		r.Lat, r.Lon = &lat.Float64, &lon.Float64
	}
	return r, nil
}

// AddPublicReport stores a report from the public form, pending, and its
// contact apart ("" stores none). It returns the report as stored.
func (s *Store) AddPublicReport(ctx context.Context, r store.PublicReport, contact string) (store.PublicReport, error) {
	if err := store.CheckPublicReport(r, contact); err != nil {
		return store.PublicReport{}, err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("add public report: %w", err)
	}
	defer tx.Rollback()
	var lat, lon any
	if r.Lat != nil {
		lat, lon = *r.Lat, *r.Lon
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO public_reports (received, what, place, lat, lon, day, link, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		micros(r.Received), r.What, r.Place, lat, lon, r.When, r.Link, store.ReportPending).Scan(&id); err != nil {
		return store.PublicReport{}, fmt.Errorf("add public report: %w", err)
	}
	if contact != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO public_report_contacts (report_id, contact) VALUES (?, ?)`, id, contact); err != nil {
			return store.PublicReport{}, fmt.Errorf("add public report: contact: %w", err)
		}
	}
	out, err := scanReport(tx.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM public_reports WHERE id = ?`, id))
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("add public report: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return store.PublicReport{}, fmt.Errorf("add public report: %w", err)
	}
	return out, nil
}

// PublicReport returns a report (without its contact), or an error
// wrapping store.ErrNotFound.
func (s *Store) PublicReport(ctx context.Context, id int64) (store.PublicReport, error) {
	r, err := scanReport(s.read.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM public_reports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	q, args := `SELECT `+reportColumns+` FROM public_reports`, []any{}
	if state != "" {
		q, args = q+` WHERE state = ?`, append(args, state)
	}
	q += ` ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("public reports: %w", err)
	}
	defer rows.Close()
	var out []store.PublicReport
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("public reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public reports: %w", err)
	}
	return out, nil
}

// PublicReportContact returns the contact a reporter left, for admins;
// a report without one (or no such report) is an error wrapping
// store.ErrNotFound.
func (s *Store) PublicReportContact(ctx context.Context, id int64) (string, error) {
	var c string
	err := s.read.QueryRowContext(ctx, `SELECT contact FROM public_report_contacts WHERE report_id = ?`, id).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("contact of public report", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return "", fmt.Errorf("contact of public report %d: %w", id, err)
	}
	return c, nil
}

// ModerateReport records an analyst's decision on a pending report and
// returns the report as stored. An unknown report is an error wrapping
// store.ErrNotFound; one already decided, store.ErrConflict (two
// moderators deciding at once: the second learns of the first).
func (s *Store) ModerateReport(ctx context.Context, id int64, m store.Moderation) (store.PublicReport, error) {
	if err := store.CheckModeration(m); err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	defer tx.Rollback()
	var state string
	err = tx.QueryRowContext(ctx, `SELECT state FROM public_reports WHERE id = ?`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return store.PublicReport{}, notFound("public report", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	if state != store.ReportPending {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: it is %s, not pending: %w", id, state, store.ErrConflict)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE public_reports SET state = ?, moderated_by = ?, moderated_at = ?, note = ?,
		duplicate_of = ?, claim_ref = ? WHERE id = ?`,
		m.State, m.By, micros(m.At), m.Note, m.DuplicateOf, m.ClaimRef, id); err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	r, err := scanReport(tx.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM public_reports WHERE id = ?`, id))
	if err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return store.PublicReport{}, fmt.Errorf("moderate report %d: %w", id, err)
	}
	return r, nil
}
