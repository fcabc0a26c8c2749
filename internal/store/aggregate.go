package store

import (
	"fmt"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
)

// Dimension is what an aggregate groups incidents by.
type Dimension string

// Aggregate dimensions.
const (
	// ByWeek groups by the ISO week of the start date, keyed by its Monday (YYYY-MM-DD).
	ByWeek Dimension = "week"
	// ByMonth groups by the month of the start date (YYYY-MM).
	ByMonth Dimension = "month"
	// ByCountry groups by country code.
	ByCountry Dimension = "country"
	// ByAdmin1 groups by country and province; the province is matched
	// case-insensitively, as the Admin1 filter does, and named as one of
	// its incidents spells it.
	ByAdmin1 Dimension = "admin1"
	// ByActor groups by the perpetrator named (not the claimants).
	ByActor Dimension = "actor"
	// ByType groups by attack type.
	ByType Dimension = "type"
)

// Dimensions lists the valid dimensions.
var Dimensions = []Dimension{ByWeek, ByMonth, ByCountry, ByAdmin1, ByActor, ByType}

// ParseDimensions parses a comma-separated list of at most two distinct
// dimensions, at most one of them a period (week or month).
func ParseDimensions(s string) ([]Dimension, error) {
	var out []Dimension
	periods := 0
	for _, p := range strings.Split(s, ",") {
		d := Dimension(strings.TrimSpace(p))
		ok := false
		for _, v := range Dimensions {
			ok = ok || d == v
		}
		if !ok {
			return nil, fmt.Errorf("dimension %q: want week, month, country, admin1, actor or type", d)
		}
		for _, seen := range out {
			if seen == d {
				return nil, fmt.Errorf("dimension %q given twice", d)
			}
		}
		if d == ByWeek || d == ByMonth {
			periods++
		}
		out = append(out, d)
	}
	if len(out) > 2 {
		return nil, fmt.Errorf("dimensions %q: at most two", s)
	}
	if periods > 1 {
		return nil, fmt.Errorf("dimensions %q: week and month together", s)
	}
	return out, nil
}

// Bucket is one group of an aggregate: the keys of the dimensions asked
// for (the others empty) and what its incidents add up to. An empty key
// in a dimension asked for means unknown (an undated incident, no
// perpetrator named).
type Bucket struct {
	Period     string           `json:"period,omitempty"` // week: its Monday, YYYY-MM-DD; month: YYYY-MM
	Country    string           `json:"country,omitempty"`
	Admin1     string           `json:"admin1,omitempty"`
	Actor      string           `json:"actor,omitempty"`
	AttackType model.AttackType `json:"attack_type,omitempty"`
	Count      int              `json:"count"`
	// Killed adds up the best estimates; incidents of unknown toll add 0.
	Killed int `json:"killed"`
}

// Row is the part of an incident that aggregates and filters read, as
// the store keeps it for its queries: Admin1 case-folded, Actors the
// lower-cased perpetrator and claimant names one a line, KilledBest -1
// when unknown, dates zero when unknown (End is Start when the source
// gave no end).
type Row struct {
	ID          string
	Start, End  model.Date
	Country     string
	Admin1      string
	Admin1Name  string // as the incident spells it
	AttackType  model.AttackType
	Status      model.Status
	KilledBest  int
	Perpetrator string
	Actors      string
}
