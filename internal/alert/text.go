package alert

import (
	"fmt"
	"strings"

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
