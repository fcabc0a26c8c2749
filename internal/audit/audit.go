// Package audit appends the entries of vigil's audit log: who changed
// what, when. The CLI and the server both record through Record, so that
// every change is written the same way whoever makes it; the log itself
// (append-only, hash-chained) is the store's.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// Appender is the store method Record needs; both backends have it.
type Appender interface {
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
}

// Actors that are not a person's account (see store.AuditEntry.Actor).
const (
	System = "system" // vigil on its own: the feed poller while serving, the alert loop
	Public = "public" // the public report form
)

// Actions. Dotted: a prefix ending in "." selects a family
// (store.AuditFilter.Action).
const (
	Import        = "import"  // one file: source, file, counts
	Ingest        = "ingest"  // one file of articles: counts
	Extract       = "extract" // claims read out of articles and stored
	Fuse          = "fuse"    // one fusion run: counts (the decisions are in the incidents' version logs)
	FeedPoll      = "feed.poll"
	FeedAdd       = "feed.add"
	FeedRemove    = "feed.rm"
	IncidentMerge = "incident.merge"
	IncidentSplit = "incident.split"
	IncidentSet   = "incident.set"
	RuleAdd       = "rule.add"
	RuleEdit      = "rule.edit"
	RuleRemove    = "rule.rm"
	UserAdd       = "user.add"
	UserDisable   = "user.disable"
	UserEnable    = "user.enable"
	UserPassword  = "user.passwd"
	UserRole      = "user.role"
	TokenAdd      = "token.add"
	TokenRevoke   = "token.revoke"
	Backup        = "backup"
	Restore       = "restore"
	Export        = "export"      // export --all: a dump of the whole store (rows, with_accounts)
	ImportDump    = "import.dump" // import vigil: a dump restored into an empty store
	Demo          = "demo"
	AlertCheck    = "alert.check" // a check that stored alerts: their ids and rules
	// AlertDeliver is one delivery run that sent or tried something:
	// per channel the items sent and failed, and the alert ids; never a
	// message body or a target (a webhook URL may hold a token).
	AlertDeliver  = "alert.deliver"
	Prune         = "prune" // raw bodies removed by retention: the cutoff and the counts (store.PruneCounts)
	Login         = "login"
	LoginFailed   = "login.failed"
	Logout        = "logout"
	ReportAdd     = "report.add"
	ReportApprove = "report.approve"
	ReportReject  = "report.reject"
	ReportDup     = "report.duplicate"
)

// Record appends one entry: at, actor, action and target as given,
// details marshalled to JSON (nil for none). Never put a secret (a
// password, a token) or a reporter's contact in details.
func Record(ctx context.Context, a Appender, at time.Time, actor, action, target string, details any) error {
	e := store.AuditEntry{At: at, Actor: actor, Action: action, Target: target}
	if details != nil {
		b, err := json.Marshal(details)
		if err != nil {
			return fmt.Errorf("audit %s %s: details: %w", action, target, err)
		}
		e.Details = b
	}
	if _, err := a.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s %s: %w", action, target, err)
	}
	return nil
}

// CLIActor is the actor of changes made on the command line: "cli:" and
// the name of the operating-system user running vigil. It is what the
// system says, not a login: whoever can run vigil on a store's file or
// URL can change it, and the log records as whom.
func CLIActor() string { return "cli:" + osUser() }

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}

// UserActor is the actor of a logged-in account.
func UserActor(name string) string { return "user:" + name }

// TokenActor is the actor of an API token.
func TokenActor(id int64) string { return fmt.Sprintf("token:%d", id) }
