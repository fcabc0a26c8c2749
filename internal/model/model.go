// Package model holds vigil's core concepts: sources, reports, claims and
// incidents, with the ranges, precisions and taxonomy they are made of.
//
// The package has no I/O and depends on nothing else in vigil; every other
// package points down to it.
package model

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// SourceKind tells how a source's reports arrive.
type SourceKind string

// Source kinds.
const (
	KindDataset SourceKind = "dataset" // a curated incident dataset (GTD, ACLED, UCDP, GDELT, a CSV)
	KindFeed    SourceKind = "feed"    // an RSS/Atom/JSON feed or a saved article
	KindForm    SourceKind = "form"    // a person-facing report form
)

// Source is a dataset, a feed or a form. Reliability is a prior in [0,1]
// that fusion weighs claims by.
type Source struct {
	Name        string     `json:"name"` // short stable key: "gtd", "acled", "ucdp", "gdelt", "csv:demo"
	Kind        SourceKind `json:"kind"`
	Title       string     `json:"title,omitempty"`
	Reliability float64    `json:"reliability"`
}

// Report is one row of a dataset, one article or one form submission, kept
// as received. A report is identified by its source and the source's own
// reference; re-importing the same content is a no-op.
type Report struct {
	ID        string `json:"id"`
	Source    string `json:"source"`
	SourceRef string `json:"source_ref"` // the source's own id: GTD eventid, ACLED event_id_cnty, UCDP id, GDELT GLOBALEVENTID
	// Raw is the row or document exactly as read (after decoding to UTF-8
	// for text formats that were not UTF-8).
	Raw []byte `json:"-"`
	// Hash is the hex SHA-256 of Raw; an unchanged hash means an unchanged report.
	Hash string `json:"hash"`
	// Revision orders versions of the same report where the source edits
	// rows in place (ACLED's timestamp). Zero when the source has none.
	Revision  int64      `json:"revision,omitempty"`
	Origin    string     `json:"origin,omitempty"` // file:line it was read from
	Fetched   time.Time  `json:"fetched"`
	Published *time.Time `json:"published,omitempty"`
	// Pruned is when retention removed Raw (store.PruneOptions); nil
	// while the report is kept whole. Hash still describes the removed
	// bytes.
	Pruned *time.Time `json:"pruned,omitempty"`
}

// Claim is what one report says about one event.
type Claim struct {
	ID       string `json:"id"`
	ReportID string `json:"report_id"`
	Source   string `json:"source"`

	Start         Date          `json:"start"`
	End           Date          `json:"end"`
	DatePrecision DatePrecision `json:"date_precision"`

	Country        string         `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Admin1         string         `json:"admin1,omitempty"`
	Admin2         string         `json:"admin2,omitempty"`
	Place          string         `json:"place,omitempty"`
	Lat            *float64       `json:"lat,omitempty"`
	Lon            *float64       `json:"lon,omitempty"`
	PlacePrecision PlacePrecision `json:"place_precision"`

	AttackType AttackType `json:"attack_type"`
	TargetType TargetType `json:"target_type,omitempty"`
	Weapon     WeaponType `json:"weapon,omitempty"`

	Perpetrator string   `json:"perpetrator,omitempty"`
	ClaimedBy   []string `json:"claimed_by,omitempty"`

	Killed  *Range `json:"killed,omitempty"`
	Wounded *Range `json:"wounded,omitempty"`

	Suicide *bool `json:"suicide,omitempty"`
	Sites   int   `json:"sites,omitempty"` // coordinated sites; 0 when unknown
	// Related lists the source's references of events it says belong to
	// the same coordinated attack (GTD "related").
	Related []string `json:"related,omitempty"`

	// Text is the span of the report that states these facts (a GTD
	// summary, ACLED notes, an article sentence).
	Text string `json:"text,omitempty"`
	// Codes keeps the source's original codes by their column names, so
	// nothing is lost by mapping onto vigil's taxonomy.
	Codes map[string]string `json:"codes,omitempty"`
	// Flags records anomalies kept as given rather than "fixed", such as
	// FlagRangeOrder.
	Flags []string `json:"flags,omitempty"`
}

// Claim flags.
const (
	// FlagKilledRangeOrder marks killed figures given with low ≤ best ≤ high broken.
	FlagKilledRangeOrder = "killed_range_out_of_order"
	// FlagWoundedRangeOrder marks wounded figures given with low ≤ best ≤ high broken.
	FlagWoundedRangeOrder = "wounded_range_out_of_order"
	// FlagDoubtTerrorism marks rows the source itself doubts are terrorism (GTD doubtterr).
	FlagDoubtTerrorism = "doubt_terrorism"
	// FlagUnsuccessful marks attacks the source records as failed (GTD success=0).
	FlagUnsuccessful = "unsuccessful"
	// FlagAdmin1FromPoint marks an admin-1 region vigil found from the
	// claim's coordinates (reverse geocoding), not one the source gave.
	FlagAdmin1FromPoint = "admin1_from_point"
)

// Status is how far an incident is verified.
type Status string

// Incident statuses.
const (
	StatusConfirmed  Status = "confirmed"
	StatusProbable   Status = "probable"
	StatusUnverified Status = "unverified"
	StatusDisputed   Status = "disputed"
	StatusRetracted  Status = "retracted"
)

// Statuses lists the valid statuses.
var Statuses = []Status{StatusConfirmed, StatusProbable, StatusUnverified, StatusDisputed, StatusRetracted}

// Incident is the fused event: the claims' fields reconciled, with
// uncertainty kept as ranges and each change appended as a version.
type Incident struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Status  Status `json:"status"`

	Start         Date          `json:"start"`
	End           Date          `json:"end"`
	DatePrecision DatePrecision `json:"date_precision"`

	Country        string         `json:"country,omitempty"`
	Admin1         string         `json:"admin1,omitempty"`
	Place          string         `json:"place,omitempty"`
	Lat            *float64       `json:"lat,omitempty"`
	Lon            *float64       `json:"lon,omitempty"`
	PlacePrecision PlacePrecision `json:"place_precision"`

	AttackType AttackType `json:"attack_type"`
	TargetType TargetType `json:"target_type,omitempty"`
	Weapon     WeaponType `json:"weapon,omitempty"`

	Perpetrator string   `json:"perpetrator,omitempty"`
	ClaimedBy   []string `json:"claimed_by"`

	Suicide *bool `json:"suicide,omitempty"`
	Sites   int   `json:"sites,omitempty"`

	Killed  *Range `json:"killed"`
	Wounded *Range `json:"wounded"`

	Contested []string `json:"contested"`
	Sources   int      `json:"sources"`

	FirstSeen time.Time `json:"first_seen"`
	Updated   time.Time `json:"updated"`

	// Claims are the ids of the claims fused into this incident.
	Claims []string `json:"claims,omitempty"`

	// The fields below are filled in by fusion (internal/fuse); an
	// incident made from one claim by an import has none of them yet.

	// AttackersKilled is kept apart from Killed, which counts victims.
	AttackersKilled *Range `json:"attackers_killed,omitempty"`
	// Rules says, per field, which reconciliation rule produced it, or
	// which analyst set it.
	Rules map[string]string `json:"rules,omitempty"`
	// Timeline holds each figure's published values ("killed",
	// "wounded") in time order: how the figures changed, and who said so.
	Timeline map[string][]FigureRevision `json:"timeline,omitempty"`
	// Group names the coordinated attack (event group) this incident is a
	// part of, by the id of the group's first incident; empty when alone.
	Group string `json:"group,omitempty"`
	// GroupReasons say why the incident is in its group.
	GroupReasons []string `json:"group_reasons,omitempty"`
	// MergedInto is set on the last version of an incident that fusion or
	// an analyst merged into another: the id of that incident.
	MergedInto string `json:"merged_into,omitempty"`
}

// FigureRevision is one published value of a figure on an incident's
// timeline: when it was published, the value, and who said it.
type FigureRevision struct {
	Time   time.Time `json:"time"`
	Value  Range     `json:"value"`
	Source string    `json:"source"`
	// Voice is who spoke within the source (a cited agency in a claim table).
	Voice   string `json:"voice,omitempty"`
	Class   string `json:"class"`
	ClaimID string `json:"claim_id"`
	// Superseded: a later figure of the same voice replaced it.
	Superseded bool `json:"superseded,omitempty"`
	// Claimant: the perpetrator's own figure.
	Claimant  bool `json:"claimant,omitempty"`
	Retracted bool `json:"retracted,omitempty"`
}

// IncidentFromClaim makes the one-claim incident that stands for a claim
// until fusion links it with others.
func IncidentFromClaim(id string, c Claim, seen time.Time) Incident {
	inc := Incident{
		ID:             id,
		Version:        1,
		Status:         StatusUnverified,
		Start:          c.Start,
		End:            c.End,
		DatePrecision:  c.DatePrecision,
		Country:        c.Country,
		Admin1:         c.Admin1,
		Place:          c.Place,
		Lat:            c.Lat,
		Lon:            c.Lon,
		PlacePrecision: c.PlacePrecision,
		AttackType:     c.AttackType,
		TargetType:     c.TargetType,
		Weapon:         c.Weapon,
		Perpetrator:    c.Perpetrator,
		ClaimedBy:      c.ClaimedBy,
		Suicide:        c.Suicide,
		Sites:          c.Sites,
		Killed:         c.Killed.Fused(),
		Wounded:        c.Wounded.Fused(),
		Sources:        1,
		FirstSeen:      seen,
		Updated:        seen,
		Claims:         []string{c.ID},
	}
	if inc.ClaimedBy == nil {
		inc.ClaimedBy = []string{}
	}
	inc.Contested = []string{}
	return inc
}

// Record is one report with the claim read from it: what a structured
// dataset row yields.
type Record struct {
	Report Report
	Claim  Claim
}

// ReportID returns the id of the report with a source's reference and
// revision; revisions keep an edited row's earlier versions apart.
func ReportID(source, ref string, revision int64) string {
	if revision == 0 {
		return source + ":" + ref
	}
	return source + ":" + ref + "@" + strconv.FormatInt(revision, 10)
}

// ClaimID returns the id of the n-th claim (from 1) of a report.
func ClaimID(reportID string, n int) string {
	return reportID + "#" + strconv.Itoa(n)
}

// IncidentIDFor returns the id of the incident first made from a source's
// report: stable across revisions of the report and across stores, so that
// re-importing into a fresh store gives the same ids.
func IncidentIDFor(source, ref string) string {
	sum := sha256.Sum256([]byte(source + "\x00" + ref))
	return "i" + hex.EncodeToString(sum[:6])
}
