// Package store defines what vigil's two storage backends share: the
// types that cross the store boundary, the sentinel errors and the rules
// every backend follows. The backends are concrete types in store/sqlite
// and store/postgres; store/storetest holds the contract suite both pass.
//
// There is no repository interface here on purpose: each consumer (the
// importer, the CLI, the server) declares the few methods it needs.
//
// Every backend stores times to the microsecond (PostgreSQL's precision)
// and gives them back in UTC.
package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// ErrNotFound is returned when the thing asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrSchemaTooNew is returned on open when the database was migrated by a
// newer vigil than this one: running against it could corrupt it.
var ErrSchemaTooNew = errors.New("database schema is newer than this vigil knows")

// BatchCounts says what one ImportBatch did with each record.
//
// The rules, the same for every backend, applied to each record in order
// inside one transaction:
//   - no report of the same source and source_ref is stored: the report,
//     its claim and a one-claim incident (model.IncidentIDFor) with its
//     version 1 are stored: New.
//   - the latest stored report of that source_ref has the same hash, or a
//     higher revision: nothing is written: Unchanged.
//   - otherwise (different content, revision not older): the new report
//     and claim are stored beside the old ones (reports are immutable), the
//     old claim is marked superseded, and the incident is updated from the
//     new claim as a new version: Updated.
//
// A record repeated within one batch is treated as if it came in a later
// batch.
type BatchCounts struct {
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Add adds o to c.
func (c *BatchCounts) Add(o BatchCounts) {
	c.New += o.New
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
}

// PlannedBatch is an import batch that a backend's PlanBatch checked,
// planned and encoded, for its WriteBatch to write: ImportBatch in two
// steps, so that an importer can plan one batch while the last is
// written. WriteBatch checks the plan again inside its transaction, so
// the rules above hold whatever was committed in between.
type PlannedBatch interface {
	// Len is the number of records in the batch.
	Len() int
}

// Rejection is a row that an import could not use. Rejections are keyed by
// source, file and line: re-importing the same file replaces them.
type Rejection struct {
	Source string    `json:"source"`
	File   string    `json:"file"`
	Line   int       `json:"line"`
	Field  string    `json:"field,omitempty"`
	Reason string    `json:"reason"`
	Raw    string    `json:"-"`
	At     time.Time `json:"at"`
}

// ImportRun is the log entry of one import of one file.
type ImportRun struct {
	ID       int64     `json:"id"`
	Source   string    `json:"source"`
	File     string    `json:"file"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Read     int       `json:"read"`
	BatchCounts
	Rejected int    `json:"rejected"`
	Status   string `json:"status"` // "done", "failed", "strict_rejected"
	Error    string `json:"error,omitempty"`
}

// Filter selects incidents. Zero fields do not filter.
type Filter struct {
	Country    string           // ISO alpha-2
	Admin1     string           // exact, case-insensitive
	Actor      string           // case-insensitive substring of perpetrator or any claimed_by
	AttackType model.AttackType // exact
	Status     model.Status     // exact
	Since      model.Date       // incidents whose end is on or after Since
	Until      model.Date       // incidents whose start is on or before Until
	MinKilled  int              // killed.best ≥ MinKilled (incidents with unknown killed are left out when > 0)
	// After is a cursor: only incidents after this one in the sort order
	// (start, id) are returned. Its value is "YYYY-MM-DD/ID" as NextCursor gives.
	After string
	Limit int // 0 for all
	// Desc lists newest first: (start, id) descending, incidents of unknown
	// date last; After then continues towards older incidents.
	Desc bool
}

// Cursor returns the cursor value that continues after inc.
func Cursor(inc model.Incident) string { return inc.Start.String() + "/" + inc.ID }

// ParseCursor splits a cursor made by Cursor into the start date (zero for
// an incident of unknown date) and the incident id.
func ParseCursor(c string) (start model.Date, id string, err error) {
	d, id, ok := strings.Cut(c, "/")
	if !ok || id == "" {
		return model.Date{}, "", fmt.Errorf("cursor %q: want YYYY-MM-DD/ID", c)
	}
	if start, err = model.ParseDate(d); d != "" && err != nil {
		return model.Date{}, "", fmt.Errorf("cursor %q: %w", c, err)
	}
	return start, id, nil
}

// Stats counts what a store holds.
type Stats struct {
	Incidents        int            `json:"incidents"`
	Claims           int            `json:"claims"`
	Reports          int            `json:"reports"`
	ReportsBySource  map[string]int `json:"reports_by_source"`
	RejectedBySource map[string]int `json:"rejected_by_source"`
	// Imports is the number of import runs logged.
	Imports int `json:"imports"`
}

// Version is one appended version of an incident: who changed it, why,
// and what it was after the change.
type Version struct {
	IncidentID string         `json:"incident_id"`
	Version    int            `json:"version"`
	At         time.Time      `json:"at"`
	Author     string         `json:"author"`
	Reason     string         `json:"reason"`
	Incident   model.Incident `json:"incident"`
}

// StoredClaim is a claim as stored, with what the store knows of it.
type StoredClaim struct {
	model.Claim
	IncidentID   string `json:"incident_id"`
	SupersededBy string `json:"superseded_by,omitempty"`
	Origin       string `json:"origin,omitempty"`
	// RawPruned is when retention removed the raw body of the claim's
	// report (the claim itself is kept whole); nil while it is kept.
	RawPruned *time.Time `json:"raw_pruned,omitempty"`
}
