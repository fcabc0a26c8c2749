package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/store"
)

// record appends an audit entry for a change made on the command line.
// The change is done by then, so the entry is written even when ctx was
// cancelled meanwhile (Ctrl-C during an import keeps the batches stored,
// which the entry must count); an error says the change is done, so that
// whoever reads it knows the store holds the change without its entry.
func record(ctx context.Context, env Env, st audit.Appender, action, target string, details any) error {
	if err := audit.Record(context.WithoutCancel(ctx), st, env.Now(), audit.CLIActor(), action, target, details); err != nil {
		return fmt.Errorf("done, but not written to the audit log: %w", err)
	}
	return nil
}

// fuseDetails is what the audit log keeps of a fusion run: its counts.
// Each decision (which claim joined which incident, and why) is already
// an incident version, so the entry points there instead of repeating it.
func fuseDetails(sum fuse.Summary) any {
	return struct {
		fuse.Summary
		Decisions string `json:"decisions"`
	}{sum, "in each incident's version log (vigil incident ID)"}
}

// parseAuditTime reads --since and --until: an RFC 3339 time, or a day,
// month or year as the selection flags take them (Gregorian or Solar
// Hijri, Latin or Persian digits), from its first day's start (since) or
// to its last day's end (until), in UTC.
func parseAuditTime(flag, s string, until bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	first, last, err := parsePeriod(s)
	if err != nil {
		return time.Time{}, usagef("audit: --%s: %v, or an RFC 3339 time (2024-01-03T08:00:00Z)", flag, err)
	}
	if until {
		return last.Time().AddDate(0, 0, 1), nil
	}
	return first.Time(), nil
}

func runAudit(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fs := newFlags(env, "audit", "", &cfg, true, export.Table)
	since := fs.String("since", "", "entries at or after this RFC 3339 time, or from the start of this day, month or year (2024-01-03, 2024-01, 2024; Solar Hijri 1402-10-13, ۱۴۰۲), UTC")
	until := fs.String("until", "", "entries before this RFC 3339 time, or up to the end of this day, month or year (same forms as --since)")
	actor := fs.String("actor", "", "entries of this actor only (user:NAME, token:ID, cli:OSUSER, system, public)")
	action := fs.String("action", "", "entries of this action only; ending in '.' a family (incident.)")
	limit := fs.Int("limit", 0, "at most this many entries, oldest first (0: all)")
	verify := fs.Bool("verify", false, "check the whole log's hash chain instead of listing it; exit 1 at the first broken link")
	var anchors []anchor
	fs.Func("anchor", "with --verify: also check that entry ID still has HASH (ID:HASH, as an earlier --verify printed it and you kept elsewhere); repeatable", func(v string) error {
		a, err := parseAnchor(v)
		anchors = append(anchors, a)
		return err
	})
	pos, err := parse(fs, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("audit takes no arguments, got %q", pos[0])
	}
	if err := tableOrJSON("audit", cfg); err != nil {
		return err
	}
	var f store.AuditFilter
	if f.Since, err = parseAuditTime("since", *since, false); err != nil {
		return err
	}
	if f.Until, err = parseAuditTime("until", *until, true); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("audit: --limit must not be negative")
	}
	f.Actor, f.Action, f.Limit = *actor, *action, *limit
	if *verify && f != (store.AuditFilter{}) {
		return usagef("audit --verify checks the whole log: give it no filter")
	}
	if len(anchors) > 0 && !*verify {
		return usagef("audit: --anchor goes with --verify")
	}
	st, err := openTeamStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if *verify {
		return verifyAudit(ctx, env, st, anchors)
	}
	var entries []store.AuditEntry
	if err := st.Audit(ctx, f, func(e store.AuditEntry) error {
		entries = append(entries, e)
		return nil
	}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if cfg.Format == export.JSON {
		return writeJSONList(env.Stdout, entries)
	}
	if len(entries) == 0 {
		fmt.Fprintln(env.Stdout, "no audit entries match")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tACTOR\tACTION\tTARGET\tDETAILS")
	for _, e := range entries {
		target := e.Target
		if target == "" {
			target = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.Format(time.RFC3339), e.Actor, e.Action, target, e.Details)
	}
	return tw.Flush()
}

// anchor is an entry's hash kept outside the store.
type anchor struct {
	id   int64
	hash string
}

func parseAnchor(v string) (anchor, error) {
	id, hash, ok := strings.Cut(v, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n < 1 || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return anchor{}, fmt.Errorf("%q: want ID:HASH, an entry's id and its 64 hex digits", v)
	}
	return anchor{n, hash}, nil
}

// verifyAudit reads the whole log, as it goes, and checks its chain from
// the first entry, whose Prev must be empty: a log whose start was cut
// off fails. The chain shows an entry changed behind vigil's back, but
// not a log rewritten whole with every hash recomputed: anchors, hashes
// kept elsewhere from an earlier check, show that too.
func verifyAudit(ctx context.Context, env Env, st teamStore, anchors []anchor) error {
	var v store.AuditVerifier
	want := make(map[int64]string, len(anchors))
	for _, a := range anchors {
		want[a.id] = a.hash
	}
	err := st.Audit(ctx, store.AuditFilter{}, func(e store.AuditEntry) error {
		if v.Count() == 0 && e.Prev != "" {
			return fmt.Errorf("the log starts at entry %d, which follows another: entries before it were removed", e.ID)
		}
		if err := v.Add(e); err != nil {
			return err
		}
		if h, ok := want[e.ID]; ok {
			if h != e.Hash {
				return fmt.Errorf("entry %d has hash %.12s…, not the anchor's %.12s…: the log was rewritten", e.ID, e.Hash, h)
			}
			delete(want, e.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit --verify: %d entries good, then %w", v.Count(), err)
	}
	for id := range want {
		return fmt.Errorf("audit --verify: %d entries good, but anchored entry %d is not in the log: the log was cut or rewritten", v.Count(), id)
	}
	if v.Count() == 0 {
		fmt.Fprintln(env.Stdout, "audit log empty: nothing to verify")
		return nil
	}
	last := v.Last()
	fmt.Fprintf(env.Stdout, "audit log verified: %d entries, the last %d at %s; %d anchors hold\n", v.Count(), last.ID, last.At.Format(time.RFC3339), len(anchors))
	fmt.Fprintf(env.Stdout, "keep this anchor elsewhere to check later that the log was not rewritten whole: --anchor %d:%s\n", last.ID, last.Hash)
	return nil
}
