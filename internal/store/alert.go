package store

import (
	"encoding/json"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// AlertRule is an analyst's alert rule as stored. The store keeps Spec as
// an opaque JSON document: package alert owns its meaning, so that a new
// kind of rule needs no migration.
type AlertRule struct {
	ID      int64           `json:"id"`
	Name    string          `json:"name"`
	Kind    string          `json:"kind"`
	Spec    json.RawMessage `json:"spec"`
	Created time.Time       `json:"created"`
	// Checked is the time up to which the rule has seen incident changes:
	// the next evaluation looks at versions appended after it.
	Checked time.Time `json:"checked"`
}

// Alert is one firing of a rule, with its evidence trail: the incidents
// and reports that made it fire. (RuleID, Key) is unique: the same rule
// and evidence never alert twice.
type Alert struct {
	ID       int64  `json:"id"`
	RuleID   int64  `json:"rule_id"`
	RuleName string `json:"rule_name"`
	Kind     string `json:"kind"`
	// Key identifies the evidence within the rule (an incident and
	// version, a region and period); it is what deduplicates.
	Key       string          `json:"key"`
	At        time.Time       `json:"at"`
	Title     string          `json:"title"`
	Summary   string          `json:"summary"`
	Incidents []string        `json:"incidents"`
	Reports   []string        `json:"reports"`
	Details   json.RawMessage `json:"details,omitempty"`
}

// Delivery names where an alert is to be delivered: a channel ("webhook",
// "email") and its target (a URL, an address), with the idempotency key
// that every attempt of the delivery carries, fixed when it is enqueued
// so that it is the same before and after a restart.
type Delivery struct {
	Channel string `json:"channel"`
	Target  string `json:"target"`
	IdemKey string `json:"idempotency_key"`
}

// NewAlert is an alert to store with the deliveries to enqueue for it.
type NewAlert struct {
	Alert
	Deliveries []Delivery
}

// Outbox item states.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxDead      = "dead" // gave up after too many failed attempts
)

// OutboxItem is one delivery of one alert to one target.
type OutboxItem struct {
	ID int64 `json:"id"`
	Delivery
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LeaseUntil  time.Time `json:"lease_until"`
	Delivered   time.Time `json:"delivered,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Alert       Alert     `json:"alert"`
}

// OutboxResult is what became of a leased outbox item.
type OutboxResult struct {
	State string // OutboxPending (try again at NextAttempt), OutboxDelivered or OutboxDead
	// Failed counts the attempt as failed (a deferral for grouping does not).
	Failed      bool
	At          time.Time // when it was delivered
	NextAttempt time.Time // for OutboxPending
	Error       string
}

// VersionChange is an appended incident version with the version before
// it (nil for an incident's first version): what the rules on changes
// compare.
type VersionChange struct {
	Version
	Previous *model.Incident
}

// RegionDay counts the incidents of one region that started on one day,
// and their killed (best figures, unknown as 0). Admin1 is case-folded as
// the store's Admin1 filter compares it.
type RegionDay struct {
	Country   string
	Admin1    string
	Day       model.Date
	Incidents int
	Killed    int
}
