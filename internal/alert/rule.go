// Package alert is vigil's early warning: analysts' rules, evaluated at a
// time passed in (never the clock), raise alerts that carry their
// evidence (the incidents and reports that made them fire); each alert is
// delivered through a persistent outbox by webhook and e-mail and listed
// in an Atom feed.
//
// Rules only evaluate; delivery is separate (Deliverer), so that an alert
// raised is stored with its deliveries in one transaction and a crash
// between raising and delivering loses nothing.
package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Kind is a kind of rule.
type Kind string

// Rule kinds.
const (
	// KindIncident fires for each incident that matches the rule's filter
	// with at least MinKilled killed, when it is new or changed to match.
	KindIncident Kind = "incident"
	// KindSurge fires when a region's count of incidents in the last week
	// (or month) is at least 100% above its average over the preceding
	// month (or year), with at least Floor incidents: ACLED's surge rule.
	KindSurge Kind = "surge"
	// KindHigh fires when a region's killed in the last 30 days is the
	// highest of any 30 days in the preceding year (or three years), and at
	// least Floor: HDX Signals' rule.
	KindHigh Kind = "high"
	// KindForecast fires when a forecast gives a region a probability of
	// at least one attack of Threshold or more.
	KindForecast Kind = "forecast"
	// KindRevised fires when a followed incident's killed or wounded
	// figures are revised or its contested fields change.
	KindRevised Kind = "revised"
	// KindClaim fires when a followed incident gets a new claim of
	// responsibility.
	KindClaim Kind = "claim"
	// KindFollowOn fires after an attack when the Hawkes model fitted to
	// the region's history puts the intensity of a follow-on attack above
	// Multiple times the background rate.
	KindFollowOn Kind = "followon"
)

// Kinds lists the rule kinds.
var Kinds = []Kind{KindIncident, KindSurge, KindHigh, KindForecast, KindRevised, KindClaim, KindFollowOn}

// Channels of delivery.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Spec is a rule's settings, stored as the rule's JSON document. Each
// kind reads the fields its doc comment names; zero fields take the
// defaults documented here.
type Spec struct {
	// Scope of every kind. Region rules (surge, high, forecast, followon)
	// read only Country and Admin1.
	Country    string `json:"country,omitempty"`
	Admin1     string `json:"admin1,omitempty"`
	Actor      string `json:"actor,omitempty"`
	AttackType string `json:"attack_type,omitempty"`
	Status     string `json:"status,omitempty"`
	// MinKilled (incident): killed.best at least this.
	MinKilled int `json:"min_killed,omitempty"`
	// Incidents (revised, claim): the followed incidents; empty follows
	// every incident in scope.
	Incidents []string `json:"incidents,omitempty"`
	// Recent (incident, revised, claim): only incidents that went on
	// within this many days before the evaluation; 0 for any. An import of
	// a historical dataset is then no flood of "new" incidents.
	Recent int `json:"recent,omitempty"`

	// Level (region rules): "admin1" (default) or "country".
	Level string `json:"level,omitempty"`
	// Window (surge): "week" (default) or "month"; Baseline: "month"
	// (default) or "year".
	Window   string `json:"window,omitempty"`
	Baseline string `json:"baseline,omitempty"`
	// Floor (surge: incidents, default 3; high: killed, default 10): the
	// least activity that may fire.
	Floor int `json:"floor,omitempty"`
	// Years (high): 1 (default) or 3.
	Years int `json:"years,omitempty"`
	// Threshold (forecast): the probability, in (0, 1], default 0.5;
	// Horizon: weeks ahead, default 1.
	Threshold float64 `json:"threshold,omitempty"`
	Horizon   int     `json:"horizon,omitempty"`
	// Multiple (followon): how far above the background the fitted
	// intensity must be, default 2; FitYears: the history fitted, default
	// 3; Lookback: days after an attack that it may still alert, default 7.
	Multiple float64 `json:"multiple,omitempty"`
	FitYears int     `json:"fit_years,omitempty"`
	Lookback int     `json:"lookback,omitempty"`

	// Webhooks and Emails are where the rule's alerts go.
	Webhooks []string `json:"webhooks,omitempty"`
	Emails   []string `json:"emails,omitempty"`
}

// Defaults fills in the zero fields that have a default for kind k.
func (s *Spec) Defaults(k Kind) {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	if s.Level == "" {
		s.Level = "admin1"
	}
	switch k {
	case KindSurge:
		if s.Window == "" {
			s.Window = "week"
		}
		if s.Baseline == "" {
			s.Baseline = "month"
		}
		def(&s.Floor, 3)
	case KindHigh:
		def(&s.Floor, 10)
		def(&s.Years, 1)
	case KindForecast:
		if s.Threshold == 0 {
			s.Threshold = 0.5
		}
		def(&s.Horizon, 1)
	case KindFollowOn:
		if s.Multiple == 0 {
			s.Multiple = 2
		}
		def(&s.FitYears, 3)
		def(&s.Lookback, 7)
	}
}

// Validate checks a spec for kind k, with defaults filled in, naming the
// field at fault.
func (s Spec) Validate(k Kind) error {
	if !slices.Contains(Kinds, k) {
		return fmt.Errorf("rule kind %q: want one of %s", k, kindList())
	}
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if s.Country != "" && len(s.Country) != 2 {
		bad("country", "%q is not an ISO 3166-1 alpha-2 code", s.Country)
	}
	if s.AttackType != "" && !model.AttackType(s.AttackType).Valid() {
		bad("attack_type", "unknown attack type %q", s.AttackType)
	}
	if s.Status != "" && !slices.Contains(model.Statuses, model.Status(s.Status)) {
		bad("status", "unknown status %q", s.Status)
	}
	if s.MinKilled < 0 {
		bad("min_killed", "%d is negative", s.MinKilled)
	}
	if s.Recent < 0 {
		bad("recent", "%d is negative", s.Recent)
	}
	if s.Level != "admin1" && s.Level != "country" {
		bad("level", "%q: want admin1 or country", s.Level)
	}
	switch k {
	case KindSurge:
		if s.Window != "week" && s.Window != "month" {
			bad("window", "%q: want week or month", s.Window)
		}
		if s.Baseline != "month" && s.Baseline != "year" {
			bad("baseline", "%q: want month or year", s.Baseline)
		}
		if s.Window == "month" && s.Baseline == "month" {
			bad("baseline", "a month's window needs a year's baseline")
		}
		if s.Floor < 1 {
			bad("floor", "%d: want at least 1", s.Floor)
		}
	case KindHigh:
		if s.Years != 1 && s.Years != 3 {
			bad("years", "%d: want 1 or 3", s.Years)
		}
		if s.Floor < 1 {
			bad("floor", "%d: want at least 1", s.Floor)
		}
	case KindForecast:
		if !(s.Threshold > 0 && s.Threshold <= 1) {
			bad("threshold", "%g: want a probability in (0, 1]", s.Threshold)
		}
		if s.Horizon < 1 || s.Horizon > 4 {
			bad("horizon", "%d: want 1 to 4 weeks", s.Horizon)
		}
	case KindFollowOn:
		// One fit per evaluation, with a background rate per region: the
		// regions of one country keep it to a few dozen parameters.
		if s.Country == "" {
			bad("country", "a follow-on rule needs one")
		}
		if !(s.Multiple > 1) {
			bad("multiple", "%g: want more than 1", s.Multiple)
		}
		if s.FitYears < 1 || s.FitYears > 20 {
			bad("fit_years", "%d: want 1 to 20", s.FitYears)
		}
		if s.Lookback < 1 || s.Lookback > 365 {
			bad("lookback", "%d: want 1 to 365 days", s.Lookback)
		}
	}
	for _, u := range s.Webhooks {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("webhooks", "%q is not an http(s) URL", u)
		}
	}
	for _, a := range s.Emails {
		if _, err := mail.ParseAddress(a); err != nil || strings.ContainsAny(a, "\r\n") {
			bad("emails", "%q is not an e-mail address", a)
		}
	}
	return errors.Join(errs...)
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Rule is a stored rule with its spec decoded.
type Rule struct {
	store.AlertRule
	Kind Kind
	Spec Spec
}

// NewRule makes the stored form of a rule, with defaults filled in and
// validated.
func NewRule(name string, k Kind, s Spec) (store.AlertRule, error) {
	if strings.TrimSpace(name) == "" {
		return store.AlertRule{}, fmt.Errorf("rule: name: empty")
	}
	s.Defaults(k)
	if err := s.Validate(k); err != nil {
		return store.AlertRule{}, fmt.Errorf("rule %q: %w", name, err)
	}
	// "Name <a@example.org>" is kept as the bare address SMTP wants.
	s.Emails = slices.Clone(s.Emails)
	for i, a := range s.Emails {
		if p, err := mail.ParseAddress(a); err == nil {
			s.Emails[i] = p.Address
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return store.AlertRule{}, fmt.Errorf("rule %q: %w", name, err)
	}
	return store.AlertRule{Name: name, Kind: string(k), Spec: b}, nil
}

// decodeRule reads a stored rule, with the defaults of its kind.
func decodeRule(r store.AlertRule) (Rule, error) {
	out := Rule{AlertRule: r, Kind: Kind(r.Kind)}
	if err := json.Unmarshal(r.Spec, &out.Spec); err != nil {
		return Rule{}, fmt.Errorf("rule %d %q: spec: %w", r.ID, r.Name, err)
	}
	out.Spec.Defaults(out.Kind)
	if err := out.Spec.Validate(out.Kind); err != nil {
		return Rule{}, fmt.Errorf("rule %d %q: %w", r.ID, r.Name, err)
	}
	return out, nil
}

// deliveries lists where the rule's alerts go.
func (r Rule) deliveries() []store.Delivery {
	var ds []store.Delivery
	for _, u := range r.Spec.Webhooks {
		ds = append(ds, store.Delivery{Channel: ChannelWebhook, Target: u})
	}
	for _, a := range r.Spec.Emails {
		ds = append(ds, store.Delivery{Channel: ChannelEmail, Target: a})
	}
	return ds
}

// matches reports whether an incident is in the rule's scope: the same
// tests as store.Filter's, made in Go on a version's document.
func (s Spec) matches(inc model.Incident) bool {
	if s.Country != "" && !strings.EqualFold(inc.Country, s.Country) {
		return false
	}
	if s.Admin1 != "" && !strings.EqualFold(strings.TrimSpace(inc.Admin1), strings.TrimSpace(s.Admin1)) {
		return false
	}
	if s.AttackType != "" && string(inc.AttackType) != s.AttackType {
		return false
	}
	if s.Status != "" && string(inc.Status) != s.Status {
		return false
	}
	if s.MinKilled > 0 && (inc.Killed == nil || inc.Killed.Best < s.MinKilled) {
		return false
	}
	if s.Actor != "" {
		a := strings.ToLower(s.Actor)
		found := strings.Contains(strings.ToLower(inc.Perpetrator), a)
		for _, c := range inc.ClaimedBy {
			found = found || strings.Contains(strings.ToLower(c), a)
		}
		if !found {
			return false
		}
	}
	if len(s.Incidents) > 0 && !slices.Contains(s.Incidents, inc.ID) {
		return false
	}
	return true
}
