package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// This file holds what a team's use of vigil stores: accounts, sessions,
// API tokens, the append-only audit log and the public report queue.
//
// Every backend implements these methods (the server and the CLI declare
// the subsets they use):
//
//	CreateUser(ctx, NewUser) (User, error)                      // ErrExists on a taken name
//	User(ctx, name string) (User, error)                         // ErrNotFound
//	UserByID(ctx, id int64) (User, error)                        // ErrNotFound
//	Users(ctx) ([]User, error)                                   // by name
//	UpdateUser(ctx, name string, UserUpdate) (User, error)       // ErrNotFound; ends the user's sessions when role, password or disabled change
//	CreateSession(ctx, Session) error
//	Session(ctx, idHash string, now time.Time) (Session, User, error) // ErrNotFound when unknown, expired, or the user is disabled
//	DeleteSession(ctx, idHash string) error
//	CreateToken(ctx, NewToken) (APIToken, error)
//	TokenByHash(ctx, hash string, now time.Time) (APIToken, error)    // ErrNotFound when unknown or revoked; records LastUsed
//	Tokens(ctx) ([]APIToken, error)                              // by id, revoked ones included
//	RevokeToken(ctx, id int64, at time.Time) error               // ErrNotFound
//	AppendAudit(ctx, AuditEntry) (AuditEntry, error)             // fills ID, Prev and Hash
//	Audit(ctx, AuditFilter, fn func(AuditEntry) error) error     // oldest first
//	AddPublicReport(ctx, PublicReport, contact string) (PublicReport, error) // fills ID; contact "" stores none
//	PublicReport(ctx, id int64) (PublicReport, error)            // ErrNotFound
//	PublicReports(ctx, state string, limit int) ([]PublicReport, error) // state "" for all; oldest first
//	PublicReportContact(ctx, id int64) (string, error)           // admins only; ErrNotFound when none
//	ModerateReport(ctx, id int64, Moderation) (PublicReport, error) // ErrNotFound; ErrConflict unless pending
//
// The audit log cannot be changed through vigil: no method updates or
// deletes an entry, and each backend refuses UPDATE and DELETE on it
// with a trigger, so that a bug elsewhere cannot rewrite history either.

// ErrConflict is returned when a change is refused because of the state
// of what it would change (moderating a report that is not pending).
var ErrConflict = errors.New("conflict")

// Role is what an account or a token may do. Roles are ordered: each
// may do all that the ones below it may.
type Role string

// The roles.
const (
	RoleViewer  Role = "viewer"  // reads
	RoleAnalyst Role = "analyst" // merges, splits and corrects incidents, moderates reports, manages feeds and alert rules
	RoleAdmin   Role = "admin"   // manages users and tokens
)

// ParseRole checks a role's name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleViewer, RoleAnalyst, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want admin, analyst or viewer", s)
}

// rank orders the roles; unknown roles rank below viewer.
func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleAnalyst:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Allows says whether r may do what needs the role need.
func (r Role) Allows(need Role) bool { return r.rank() > 0 && r.rank() >= need.rank() }

// User is an account. Accounts are never deleted, only disabled, so that
// the audit log's actors stay resolvable.
type User struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	// PasswordHash is the argon2id hash in PHC string form; it never
	// leaves the process.
	PasswordHash string `json:"-"`
}

// NewUser is an account to create.
type NewUser struct {
	Name         string
	Role         Role
	PasswordHash string
	Created      time.Time
}

// UserUpdate changes an account; nil fields are left as they are.
type UserUpdate struct {
	Role         *Role
	PasswordHash *string
	Disabled     *bool
}

// Session is a logged-in browser. The store keeps only the hash of the
// cookie's value, so that a copy of the database opens no session.
type Session struct {
	IDHash  string    `json:"-"`
	UserID  int64     `json:"user_id"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// CSRF is the token every form of this session must carry back.
	CSRF string `json:"-"`
}

// APIToken is a bearer token for the API, scoped to a role. Only its
// hash is stored: the token itself is shown once, when it is made.
type APIToken struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Hash     string    `json:"-"`
	Created  time.Time `json:"created"`
	Creator  string    `json:"creator"`
	LastUsed time.Time `json:"last_used,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
}

// NewToken is a token to store.
type NewToken struct {
	Name    string
	Role    Role
	Hash    string
	Creator string
	Created time.Time
}

// AuditEntry is one line of the audit log: who did what to what, when.
// Entries are chained: Hash covers the entry and Prev (the previous
// entry's Hash), so that an edit made behind vigil's back shows.
type AuditEntry struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	// Actor is who acted: "user:NAME", "token:ID", "cli:OSUSER",
	// "public" or "system".
	Actor string `json:"actor"`
	// Action is what was done, dotted: "import", "fuse",
	// "incident.merge", "report.approve", "feed.add", "rule.add",
	// "user.add", "token.revoke", "login", "login.failed", …
	Action string `json:"action"`
	// Target is what it was done to: an incident id, a feed name, a user
	// name, a file; "" when nothing in particular.
	Target  string          `json:"target,omitempty"`
	Details json.RawMessage `json:"details,omitempty"`
	Prev    string          `json:"prev,omitempty"`
	Hash    string          `json:"hash"`
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	Since  time.Time
	Until  time.Time
	Actor  string // exact
	Action string // exact, or a prefix ending in "." ("incident.")
	Limit  int    // 0 for all
}

// Public report states.
const (
	ReportPending   = "pending"
	ReportApproved  = "approved"
	ReportRejected  = "rejected"
	ReportDuplicate = "duplicate"
)

// PublicReport is what a member of the public sent through the report
// form. It holds what was seen, never who saw it: the optional contact is
// stored apart (PublicReportContact), shown to admins only and never
// exported; no address, agent or fingerprint is stored.
type PublicReport struct {
	ID       int64     `json:"id"`
	Received time.Time `json:"received"`
	What     string    `json:"what"`
	Place    string    `json:"place,omitempty"`
	Lat      *float64  `json:"lat,omitempty"`
	Lon      *float64  `json:"lon,omitempty"`
	// When is the day it happened as the reporter gave it (YYYY-MM-DD).
	When       string `json:"when,omitempty"`
	Link       string `json:"link,omitempty"`
	HasContact bool   `json:"-"`
	// Moderation holds the report's state: pending until an analyst
	// decides.
	Moderation
}

// Moderation is an analyst's decision on a public report.
type Moderation struct {
	State       string    `json:"state"`
	By          string    `json:"moderated_by,omitempty"`
	At          time.Time `json:"moderated_at,omitzero"`
	Note        string    `json:"note,omitempty"`
	DuplicateOf string    `json:"duplicate_of,omitempty"` // an incident id
	// ClaimRef is the source_ref of the claim an approved report became
	// (source "public").
	ClaimRef string `json:"claim_ref,omitempty"`
}
