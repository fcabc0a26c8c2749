package alert

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// foldName is how names compare: case and surrounding space ignored.
func foldName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// attackName is an attack type as people read it.
func attackName(a model.AttackType) string {
	if a == "" || a == model.AttackType("unknown") {
		return "attack"
	}
	return strings.ReplaceAll(string(a), "_", " ")
}

// placeName names an incident's place: "Kerman, Kerman, IR".
func placeName(inc model.Incident) string {
	var parts []string
	if inc.Place != "" {
		parts = append(parts, inc.Place)
	}
	if inc.Admin1 != "" && !strings.EqualFold(inc.Admin1, inc.Place) {
		parts = append(parts, inc.Admin1)
	}
	if inc.Country != "" {
		parts = append(parts, inc.Country)
	}
	if len(parts) == 0 {
		return "an unknown place"
	}
	return strings.Join(parts, ", ")
}

// regionName names a region: "Kerman, IR" or "IR".
func regionName(country, admin1 string) string {
	if admin1 == "" {
		return country
	}
	return admin1 + ", " + country
}

// incidentLine is one line about an incident for an alert's summary.
func incidentLine(inc model.Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s in %s", inc.ID, inc.Start, attackName(inc.AttackType), placeName(inc))
	if inc.Perpetrator != "" {
		fmt.Fprintf(&b, " by %s", inc.Perpetrator)
	}
	if inc.Killed != nil {
		fmt.Fprintf(&b, "; killed %s", inc.Killed)
	}
	if inc.Wounded != nil {
		fmt.Fprintf(&b, "; wounded %s", inc.Wounded)
	}
	if len(inc.ClaimedBy) > 0 {
		fmt.Fprintf(&b, "; claimed by %s", strings.Join(inc.ClaimedBy, ", "))
	}
	if len(inc.Contested) > 0 {
		fmt.Fprintf(&b, "; contested: %s", strings.Join(inc.Contested, ", "))
	}
	fmt.Fprintf(&b, " (%s, %d source", inc.Status, inc.Sources)
	if inc.Sources != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	return b.String()
}

func joinLines(l []string) string { return strings.Join(l, "\n") }

// TextKey is the key of an alert's details under which its Parts are
// kept.
const TextKey = "text"

// Parts are what an alert's title says, kept apart from the English
// sentence stored as its title so that a reader's language can write the
// title again (the dashboard's Persian inbox). Which fields are set
// depends on Template, one per kind of rule: incident, revised,
// contested, claim, surge, high, forecast, followon.
type Parts struct {
	Template string `json:"template"`
	// The incident of incident, revised, contested and claim alerts.
	Date        model.Date       `json:"date,omitzero"`
	AttackType  model.AttackType `json:"attack_type,omitempty"`
	Place       string           `json:"place,omitempty"`
	Admin1      string           `json:"admin1,omitempty"`
	Country     string           `json:"country,omitempty"`
	Killed      *model.Range     `json:"killed,omitempty"`
	Wounded     *model.Range     `json:"wounded,omitempty"`
	Perpetrator string           `json:"perpetrator,omitempty"`
	Status      model.Status     `json:"status,omitempty"`
	Sources     int              `json:"sources,omitempty"`
	// claim: the group claiming; revised: the figures before and the
	// contested fields added and removed.
	Group          string       `json:"group,omitempty"`
	PrevKilled     *model.Range `json:"prev_killed,omitempty"`
	PrevWounded    *model.Range `json:"prev_wounded,omitempty"`
	KilledChanged  bool         `json:"killed_changed,omitempty"`
	WoundedChanged bool         `json:"wounded_changed,omitempty"`
	Contested      []string     `json:"contested,omitempty"`
	Uncontested    []string     `json:"uncontested,omitempty"`
	// Region rules: the region (Admin1 and Country), the period's end
	// and the figures compared.
	To         model.Date `json:"to,omitzero"`
	Count      int        `json:"count,omitempty"`
	WindowDays int        `json:"window_days,omitempty"`
	Baseline   float64    `json:"baseline_average,omitempty"` // per window
	Years      int        `json:"years,omitempty"`
	PrevHigh   int        `json:"previous_high,omitempty"`
	// forecast: the riskiest period; followon: the attack day and until
	// when the intensity stays above Multiple times the background.
	From        model.Date `json:"from,omitzero"`
	Probability float64    `json:"probability,omitempty"`
	Model       string     `json:"model,omitempty"`
	Expected    float64    `json:"expected_killed,omitempty"`
	Ratio       float64    `json:"ratio,omitempty"`
	Multiple    float64    `json:"multiple,omitempty"`
	Until       time.Time  `json:"until,omitzero"`
}

// incidentParts are the parts every alert about one incident has.
func incidentParts(template string, inc model.Incident) *Parts {
	return &Parts{Template: template, Date: inc.Start, AttackType: inc.AttackType, Place: inc.Place, Admin1: inc.Admin1,
		Country: inc.Country, Killed: inc.Killed, Wounded: inc.Wounded, Perpetrator: inc.Perpetrator, Status: inc.Status,
		Sources: inc.Sources}
}
