package store

import (
	"fmt"
	"time"
)

// Retention: raw report bodies can be pruned after some days, while
// everything that says what happened and where it came from stays.
//
// PruneRaw(ctx, PruneOptions) (PruneCounts, error), which both backends
// implement, removes, for every report received (reports.fetched: when
// the file was read or the article fetched) before the cutoff and not
// pruned yet:
//   - the report's raw body (the row or document as received): Report
//     then returns it with an empty Raw and Pruned set to the prune's
//     time, and Claims marks its claims RawPruned;
//   - when the report is an article, the article's text (Article returns
//     it empty; the title, URL, language and content hash stay);
//
// and the raw bytes of import rejections recorded before the cutoff.
//
// What stays: sources; each report's id, source, reference, revision,
// hash, origin and times (so that re-importing a pruned row is still
// "unchanged", and a re-fetched article still a duplicate); every claim
// and its document (stored beside the raw rows in the same compressed
// chunk: a prune writes the chunk again with the pruned bodies' bytes
// turned to zeros, every other byte where it was, so that no claim's
// document moves); incidents, versions, fusion state, alerts and the
// audit log.
//
// A prune is idempotent: a second prune with the same cutoff finds
// nothing and writes nothing. A dry run counts what a prune would remove
// and writes nothing. A prune that removed something is logged in
// prune_runs (LastPrune); who asked is the caller's audit entry.

// PruneOptions says what PruneRaw removes.
type PruneOptions struct {
	// Before is the cutoff: bodies of reports received strictly before
	// it are removed.
	Before time.Time
	// At is the time of the prune, recorded on each pruned report.
	At time.Time
	// DryRun counts without changing anything.
	DryRun bool
	// Vacuum, on SQLite, rebuilds the file after the prune so that it
	// shrinks (and switches it to incremental auto-vacuum, after which
	// every prune gives its freed pages back to the file system). It
	// needs free disk space the size of the database. PostgreSQL ignores
	// it: its autovacuum reuses the space.
	Vacuum bool
}

// PruneCounts says what one PruneRaw removed, or in a dry run would.
type PruneCounts struct {
	Before time.Time `json:"before"`
	DryRun bool      `json:"dry_run,omitempty"`
	// Reports is how many reports lost their raw body; Articles how many
	// of them were articles whose text went too.
	Reports  int `json:"reports"`
	Articles int `json:"articles"`
	// Rejections is how many rejected rows lost their raw bytes.
	Rejections int `json:"rejections"`
	// Bytes is the raw bodies', articles' text and rejected rows' bytes
	// removed, as received (before compression).
	Bytes int64 `json:"bytes"`
	// Chunks is how many raw chunks were rewritten (or would be).
	Chunks int `json:"chunks"`
	// FreedBytes is what the database file gave back to the file
	// system (SQLite in incremental auto-vacuum, or with Vacuum);
	// FreeBytes is what it holds free for later writes to reuse (SQLite
	// without either). Both 0 on PostgreSQL and in a dry run.
	FreedBytes int64 `json:"freed_bytes,omitempty"`
	FreeBytes  int64 `json:"free_bytes,omitempty"`
}

// Empty reports whether the prune found nothing to remove.
func (c PruneCounts) Empty() bool {
	return c.Reports == 0 && c.Articles == 0 && c.Rejections == 0
}

// PruneRun is a prune as logged in prune_runs.
type PruneRun struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	PruneCounts
}

// CheckPruneOptions refuses options a backend cannot apply.
func CheckPruneOptions(o PruneOptions) error {
	switch {
	case o.Before.IsZero():
		return fmt.Errorf("prune: no cutoff")
	case o.At.IsZero():
		return fmt.Errorf("prune: no time")
	case o.Before.After(o.At):
		return fmt.Errorf("prune: cutoff %s is after the prune's time %s", o.Before.UTC().Format(time.RFC3339), o.At.UTC().Format(time.RFC3339))
	}
	return nil
}

// RetentionCutoff returns the cutoff of a retention of days days at now:
// bodies received more than days×24 hours before now go.
func RetentionCutoff(now time.Time, days int) time.Time {
	return now.Add(-time.Duration(days) * 24 * time.Hour)
}
