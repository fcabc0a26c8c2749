-- Teams (store/team.go): accounts, sessions, API tokens, the audit log
-- and the public report queue. Times are INTEGER microseconds since 1970
-- UTC, as in the alert tables; 0 stands for "never".

-- Accounts are never deleted, only disabled, so that the audit log's
-- actors stay resolvable.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL
);

-- A logged-in browser: the hash of its cookie's value, never the value.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    csrf    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);

-- API tokens, by the hash of the token; revoked ones are kept (revoked
-- > 0) so that the audit log's "token:ID" actors stay resolvable.
CREATE TABLE api_tokens (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    name      TEXT NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    hash      TEXT NOT NULL UNIQUE,
    creator   TEXT NOT NULL DEFAULT '',
    created   INTEGER NOT NULL,
    last_used INTEGER NOT NULL DEFAULT 0,
    revoked   INTEGER NOT NULL DEFAULT 0
);

-- The audit log: appended under the write lock (BEGIN IMMEDIATE), each
-- entry chained to the one before by its hash (store.AuditHash). details
-- is the compact JSON text exactly as hashed.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '',
    prev    TEXT NOT NULL DEFAULT '',
    hash    TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);

-- Append-only: no UPDATE or DELETE gets through, whoever sends it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- What members of the public sent through the report form: what was
-- seen, never who saw it (no address, agent or fingerprint column).
CREATE TABLE public_reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    received     INTEGER NOT NULL,
    what         TEXT NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    lat          REAL,
    lon          REAL,
    day          TEXT NOT NULL DEFAULT '',
    link         TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'approved', 'rejected', 'duplicate')),
    moderated_by TEXT NOT NULL DEFAULT '',
    moderated_at INTEGER NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    duplicate_of TEXT NOT NULL DEFAULT '',
    claim_ref    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX public_reports_state ON public_reports (state, id);

-- A reporter's optional way to be contacted, apart from the report so
-- that reading, listing or exporting reports never touches it.
CREATE TABLE public_report_contacts (
    report_id INTEGER PRIMARY KEY REFERENCES public_reports (id),
    contact   TEXT NOT NULL
);
