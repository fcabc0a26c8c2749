package fuse

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/model"
)

// Author is the author of the incident versions that fusion writes.
const Author = "fuse"

// NarrowSpan is the longest blocking window, in days, that a store looks
// up as a range of its block index; longer windows (month- and
// year-precise claims) are marked wide and looked up apart.
const NarrowSpan = 45

// StoredClaim is a claim as fusion keeps it in a store.
type StoredClaim struct {
	Evidence
	// Ref is the source's own reference of the report: a dataset's row
	// id or an article's URL.
	Ref string `json:"ref"`
	// IncidentID is the incident the claim belongs to.
	IncidentID string `json:"incident_id"`
	// Link is the link that joined the claim to its incident; nil for an
	// incident's first claim and for claims an analyst placed.
	Link *Link `json:"link,omitempty"`
	// Superseded is set on a claim that a newer report of the same
	// reference replaced: it is no longer fused.
	Superseded bool `json:"superseded,omitempty"`
}

// Placement is a claim placed in an incident, with its blocking window
// (days since 1970-01-01), as a store indexes it.
type Placement struct {
	StoredClaim
	WinLo, WinHi int
	// Size is the number of claims of the incident: a store looking up
	// candidates need not fetch the other claims of a one-claim incident.
	Size int
}

// IncidentVersion is a new version of an incident that fusion writes.
type IncidentVersion struct {
	Incident model.Incident
	Reason   string
	// Create is set when no incident row of that id exists: a new
	// incident, or one that was retired and comes back (its version
	// numbers continue).
	Create bool
}

// Retirement retires an incident merged into another: a final version
// (Doc, with MergedInto set) is appended, the incident row goes and the
// store remembers where it went. Its claims, superseded ones included,
// move to Into.
type Retirement struct {
	ID, Into string
	Doc      model.Incident
	Reason   string
}

// Change is what one fusion step writes, in one transaction.
type Change struct {
	At     time.Time
	Author string
	// Incidents are created or given a new version, before the claims move.
	Incidents []IncidentVersion
	// Placements place claims in incidents and mark them fused.
	Placements []Placement
	// Done marks claims fused without placing them (superseded claims)
	// and drops any placement they had.
	Done []string
	// Retired are retired after the claims moved.
	Retired []Retirement
	// Purge lists incidents whose superseded claims (replaced by a newer
	// report of the same reference) leave the placements; PurgeAll does
	// it for every incident.
	Purge    []string
	PurgeAll bool
	// Model, when set, becomes the model incremental fusion scores with.
	Model *Model
	// Constraint, when set, is recorded as an analyst's correction.
	Constraint *Constraint
	// Carried are analysts' settings of incidents retired by this change,
	// recorded again for the incidents they went into (CarriedFrom set):
	// a setting follows its incident when that is merged away.
	Carried []Constraint
}

// Constraint is an analyst's correction, which fusion respects from then
// on: claims merged stay together, claims split stay apart, a field set
// keeps its value whatever the claims say.
type Constraint struct {
	// Kind is "merge", "split" or "set".
	Kind string `json:"kind"`
	// Incident is the incident merged into, split from, or set.
	Incident string `json:"incident"`
	// Claims are the claims kept together (merge) or split out (split).
	Claims []string `json:"claims,omitempty"`
	// Others are, for a split, the claims that stayed.
	Others []string `json:"others,omitempty"`
	// NewIncident is, for a split, the incident the claims went to.
	NewIncident string `json:"new_incident,omitempty"`
	// Merged are, for a merge, the incidents merged into Incident.
	Merged []string `json:"merged,omitempty"`
	// Field and Value are, for a set, the field and its value as given.
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`
	// CarriedFrom is, for a set carried to the incident that another was
	// merged into, the incident it was first given for.
	CarriedFrom string `json:"carried_from,omitempty"`

	Author string    `json:"author"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Retired says where a retired incident went.
type Retired struct {
	ID         string    `json:"id"`
	MergedInto string    `json:"merged_into"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
}

// Store is what fusion needs of a store; store/sqlite and store/postgres
// implement it. Claims come back with their slim documents (Slim).
type Store interface {
	// FuseSources returns every known source by name.
	FuseSources(ctx context.Context) (map[string]model.Source, error)
	// FuseCounts returns how many claims wait to be fused, and how many
	// are placed, counted up to unfused+1 only: enough to compare, and
	// cheap in a store of millions.
	FuseCounts(ctx context.Context) (fused, unfused int, err error)
	// UnfusedClaims returns up to limit claims not yet fused, current and
	// superseded (marked), in a fixed order (by id, or as stored).
	UnfusedClaims(ctx context.Context, limit int) ([]StoredClaim, error)
	// CandidateClaims returns every current fused claim of the incidents
	// that hold a claim whose window overlaps [lo, hi] in a country (or
	// without a country; in every country when country is ""): the
	// incidents a new claim may join, whole, for the guard.
	CandidateClaims(ctx context.Context, country string, lo, hi int) ([]StoredClaim, error)
	// IncidentClaims returns the current fused claims of some incidents.
	IncidentClaims(ctx context.Context, ids []string) ([]StoredClaim, error)
	// AllClaims calls fn with every current claim, fused or not, from its
	// full document, in the order they were stored.
	AllClaims(ctx context.Context, fn func(StoredClaim) error) error
	// FuseIncidents returns the current documents of the live incidents
	// among ids.
	FuseIncidents(ctx context.Context, ids []string) (map[string]model.Incident, error)
	// LastVersions returns, for ids with versions (live or retired), the
	// number of their last version.
	LastVersions(ctx context.Context, ids []string) (map[string]int, error)
	// Constraints returns the analysts' corrections in the order given.
	Constraints(ctx context.Context) ([]Constraint, error)
	// Successors returns, for the claims among ids that a newer report of
	// the same reference replaced, the current claim that replaced them
	// (at the end of the chain of revisions): the analysts' corrections
	// name claims, and must hold for their later revisions too.
	Successors(ctx context.Context, ids []string) (map[string]string, error)
	// FuseModel returns the model of the last full re-fusion, nil if none.
	FuseModel(ctx context.Context) (*Model, error)
	// ApplyFusion writes a change in one transaction.
	ApplyFusion(ctx context.Context, ch *Change) error
}

// maxText is how much of a claim's text Slim keeps: enough words for the
// text similarity of an article's lead.
const maxText = 1000

// slimCodes are the codes fusion reads.
var slimCodes = []string{CodeSourceClass, CodeVoice, CodeClaimant, CodeRetracted, CodeUnconfirmed, CodeDenied,
	CodeKilledInclAttackers, CodeAttackersKilled, codeURL, codeCitedSource, codeFigureSource,
	codeAttackersIncluded, codeKilledNote, codeInjuredNote, "duplicate_of"}

// Slim returns the claim as fusion keeps it: the codes fusion reads and
// its text clipped to maxText bytes (at a rune boundary). Incremental
// fusion and re-fusion both see claims this way, so that they agree.
func Slim(c model.Claim) model.Claim {
	keep := map[string]string{}
	for _, k := range slimCodes {
		if v, ok := c.Codes[k]; ok {
			keep[k] = v
		}
	}
	if k := killedInclAttackers[c.Source]; k != "" {
		if v, ok := c.Codes[k]; ok {
			keep[k] = v
		}
	}
	if len(keep) == 0 {
		keep = nil
	}
	c.Codes = keep
	if len(c.Text) > maxText {
		cut := maxText
		for cut > 0 && !utf8.RuneStart(c.Text[cut]) {
			cut--
		}
		c.Text = strings.Clone(c.Text[:cut]) // not the whole decoded text behind it
	}
	c.Related = slices.Clone(c.Related)
	c.Flags = slices.Clone(c.Flags)
	return c
}

// ClaimWindow returns a claim's blocking window in days since
// 1970-01-01, exactly as Fuse computes it; a store indexes placements by it.
func ClaimWindow(c model.Claim) (lo, hi int) {
	p := prepare(&c, model.Source{})
	return p.winLo, p.winHi
}

func cloneIncident(inc model.Incident) model.Incident {
	inc.ClaimedBy = slices.Clone(inc.ClaimedBy)
	inc.Contested = slices.Clone(inc.Contested)
	inc.Claims = slices.Clone(inc.Claims)
	inc.Rules = maps.Clone(inc.Rules)
	inc.Timeline = maps.Clone(inc.Timeline)
	inc.GroupReasons = slices.Clone(inc.GroupReasons)
	return inc
}

// Start is what an incremental run reads first: the counts of FuseCounts,
// the run's Setup, and its first batch of unfused claims.
type Start struct {
	Fused, Unfused int
	Setup          Setup
	// Batch is UnfusedClaims(limit), read only when the run goes on one
	// batch at a time (0 < Unfused < Fused); empty otherwise.
	Batch []StoredClaim
}

// Starter is a Store that reads a run's Start in one round trip instead
// of three (FuseCounts, the setup, UnfusedClaims): store/postgres, where
// each round trip of an attach counts. Optional.
type Starter interface {
	FuseStart(ctx context.Context, limit int) (Start, error)
}

// Lookup is where a new claim looks for the incidents it may join: its
// country (or "" for every country) and blocking window, as
// CandidateClaims takes them, and the claim and the incident it came
// with.
type Lookup struct {
	Country string
	Lo, Hi  int
	// Claim and Incident let a store skip the lookup, returning no
	// candidates, when Incident holds a current fused claim other than
	// Claim: the claim is then a newer report of a fused one and stays
	// in its incident, and fusion, which can tell from the incident's
	// claims, does not use the candidates (nor the empty list).
	Claim, Incident string
}

// NeighbourhoodReader is a Store that reads the neighbourhood of a batch
// of new claims in one round trip: the claims of their own incidents and
// the candidates of each window, which a Store without it reads with one
// IncidentClaims and one CandidateClaims each. Optional (store/postgres).
type NeighbourhoodReader interface {
	// Neighbourhood returns IncidentClaims(incs), and CandidateClaims of
	// each window, in the order of windows.
	Neighbourhood(ctx context.Context, incs []string, windows []Lookup) (members []StoredClaim, cands [][]StoredClaim, err error)
}
