package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/vigil-project/vigil/internal/metrics"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// Store is what evaluation needs of a store.
type Store interface {
	AlertRules(ctx context.Context) ([]store.AlertRule, error)
	SetAlertRuleChecked(ctx context.Context, id int64, t time.Time) error
	VersionsBetween(ctx context.Context, since, until time.Time, fn func(store.VersionChange) error) error
	RegionDays(ctx context.Context, from, to model.Date, country string) ([]store.RegionDay, error)
	ReportIDs(ctx context.Context, incidentIDs []string) (map[string][]string, error)
	Incidents(ctx context.Context, f store.Filter, fn func(model.Incident) error) error
	SaveAlerts(ctx context.Context, as []store.NewAlert) ([]int64, error)
}

// Forecaster gives risk forecasts per region: what forecast rules read.
// The forecasting models of package analyze implement it; evaluation
// without one skips forecast rules and says so.
type Forecaster interface {
	// Forecast returns, for the period of horizon weeks starting after at,
	// each region's risk, using only what was known at at. A country
	// (ISO alpha-2) restricts it to that country's regions, whose history
	// alone is read and backtested; "" forecasts every region.
	Forecast(ctx context.Context, at time.Time, horizonWeeks int, country string) ([]RegionRisk, error)
}

// RegionRisk is one region's forecast for one period.
type RegionRisk struct {
	Country string `json:"country"`
	Admin1  string `json:"admin1,omitempty"` // "" for a whole country
	// Start and End bound the period forecast (both included).
	Start model.Date `json:"start"`
	End   model.Date `json:"end"`
	// Probability of at least one attack in the period.
	Probability float64 `json:"probability"`
	// ExpectedKilled is the expected number killed in the period.
	ExpectedKilled float64 `json:"expected_killed"`
	Model          string  `json:"model"`
}

// Evaluator evaluates every stored rule at a given time.
type Evaluator struct {
	Store      Store
	Forecaster Forecaster // nil: forecast rules are skipped
	Log        *slog.Logger
	// Metrics, when set, are told of every check.
	Metrics *metrics.Metrics
}

// Result is what one evaluation did.
type Result struct {
	Rules int `json:"rules"`
	// Alerts are the alerts raised, new ones only: an alert the rule
	// raised before on the same evidence is not raised again.
	Alerts []store.Alert `json:"alerts"`
	// Skipped names the rules not evaluated, with why.
	Skipped []string `json:"skipped,omitempty"`
}

// candidate is an alert found by a rule, before its reports are looked up.
type candidate struct {
	rule      Rule
	key       string
	title     string
	summary   string
	incidents []string
	details   any
	parts     *Parts // kept in details under TextKey
}

// check evaluates every rule at time at and stores the alerts they raise
// with their deliveries. Rules on changes read the incident versions
// appended since the rule last looked and up to at; rules on regions read
// the incidents dated up to at's day (UTC). A rule that cannot be
// evaluated (a broken spec, no forecaster) is skipped and named in the
// result; a store error stops the check, and running it again raises
// only the alerts it did not store.
func (e *Evaluator) check(ctx context.Context, at time.Time) (Result, error) {
	at = at.UTC()
	stored, err := e.Store.AlertRules(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("check alerts: %w", err)
	}
	res := Result{Rules: len(stored)}
	var changes, regions []Rule
	for _, sr := range stored {
		r, err := decodeRule(sr)
		if err != nil {
			res.Skipped = append(res.Skipped, err.Error())
			continue
		}
		switch r.Kind {
		case KindIncident, KindRevised, KindClaim:
			changes = append(changes, r)
		case KindForecast:
			if e.Forecaster == nil {
				res.Skipped = append(res.Skipped, fmt.Sprintf("rule %d %q: no forecaster to evaluate it with", r.ID, r.Name))
				continue
			}
			regions = append(regions, r)
		default:
			regions = append(regions, r)
		}
	}
	// The region counts are read while the changes are scanned: two
	// independent reads, each on a connection of its own.
	type fetched struct {
		days []store.RegionDay
		err  error
	}
	daysc := make(chan fetched, 1)
	go func() {
		days, err := e.fetchRegionDays(ctx, regions, at)
		daysc <- fetched{days, err}
	}()
	cands, err := e.checkChanges(ctx, changes, at)
	f := <-daysc
	if err == nil {
		err = f.err
	}
	if err != nil {
		return res, fmt.Errorf("check alerts: %w", err)
	}
	rc, skipped, err := e.checkRegions(ctx, regions, f.days, at)
	if err != nil {
		return res, fmt.Errorf("check alerts: %w", err)
	}
	cands = append(cands, rc...)
	res.Skipped = append(res.Skipped, skipped...)
	if res.Alerts, err = e.save(ctx, cands, at); err != nil {
		return res, fmt.Errorf("check alerts: %w", err)
	}
	// Only once every alert is stored does a rule move on: a check that
	// stops half way looks at the same versions again next time, and the
	// alerts already stored are not raised twice.
	for _, r := range changes {
		if r.Checked.Before(at) {
			if err := e.Store.SetAlertRuleChecked(ctx, r.ID, at); err != nil {
				return res, fmt.Errorf("check alerts: %w", err)
			}
		}
	}
	return res, nil
}

// save looks up the candidates' reports and stores them as alerts.
func (e *Evaluator) save(ctx context.Context, cands []candidate, at time.Time) ([]store.Alert, error) {
	var ids []string
	seen := map[string]bool{}
	for _, c := range cands {
		for _, id := range c.incidents {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	reports, err := e.Store.ReportIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	batch := make([]store.NewAlert, 0, len(cands))
	for _, c := range cands {
		a := store.Alert{RuleID: c.rule.ID, RuleName: c.rule.Name, Kind: string(c.rule.Kind), Key: c.key, At: at,
			Title: c.title, Summary: c.summary, Incidents: c.incidents, Reports: []string{}}
		if a.Incidents == nil {
			a.Incidents = []string{}
		}
		for _, id := range c.incidents {
			a.Reports = append(a.Reports, reports[id]...)
		}
		if m, ok := c.details.(map[string]any); ok && c.parts != nil {
			m[TextKey] = c.parts
		}
		if c.details != nil {
			b, err := json.Marshal(c.details)
			if err != nil {
				return nil, fmt.Errorf("alert %s: details: %w", c.key, err)
			}
			a.Details = b
		}
		ds := c.rule.deliveries()
		for i := range ds {
			ds[i].IdemKey = IdempotencyKey(a.RuleID, a.Key, ds[i])
		}
		batch = append(batch, store.NewAlert{Alert: a, Deliveries: ds})
	}
	created, err := e.Store.SaveAlerts(ctx, batch)
	if err != nil {
		return nil, err
	}
	var out []store.Alert
	for i, id := range created {
		if id == 0 {
			continue
		}
		a := batch[i].Alert
		a.ID = id
		out = append(out, a)
		if e.Log != nil {
			e.Log.Info("alert", "rule", a.RuleName, "key", a.Key, "title", a.Title)
		}
	}
	return out, nil
}

// IdempotencyKey is the key every attempt to deliver a rule's alert to
// one target carries: made from what identifies the alert, not from a
// row id or a clock, so that it is the same before and after a restart.
func IdempotencyKey(ruleID int64, key string, d store.Delivery) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s", ruleID, key, d.Channel, d.Target)
	return "vigil-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// checkChanges evaluates the rules on incident changes over one pass of
// the versions appended since the earliest of them last looked.
func (e *Evaluator) checkChanges(ctx context.Context, rules []Rule, at time.Time) ([]candidate, error) {
	var since time.Time
	var active []Rule
	for _, r := range rules {
		if !r.Checked.Before(at) {
			continue
		}
		if len(active) == 0 || r.Checked.Before(since) {
			since = r.Checked
		}
		active = append(active, r)
	}
	if len(active) == 0 {
		return nil, nil
	}
	today := model.DateOf(at)
	var out []candidate
	err := e.Store.VersionsBetween(ctx, since, at, func(vc store.VersionChange) error {
		for _, r := range active {
			if !vc.At.After(r.Checked) || !r.Spec.matches(vc.Incident) || !recent(vc.Incident, r.Spec.Recent, today) {
				continue
			}
			switch r.Kind {
			case KindIncident:
				out = append(out, newIncident(r, vc))
			case KindRevised:
				if c, ok := revised(r, vc); ok {
					out = append(out, c)
				}
			case KindClaim:
				out = append(out, newClaims(r, vc)...)
			}
		}
		return nil
	})
	return out, err
}

// recent reports whether an incident went on within days before today
// (its end, or its start when the end is unknown); days 0 takes any.
func recent(inc model.Incident, days int, today model.Date) bool {
	if days == 0 {
		return true
	}
	end := inc.End
	if end.IsZero() {
		end = inc.Start
	}
	return !end.IsZero() && !end.Before(today.AddDays(-days))
}

// newIncident is the alert of an incident new to the rule: one per
// incident, whatever later versions bring.
func newIncident(r Rule, vc store.VersionChange) candidate {
	inc := vc.Incident
	title := fmt.Sprintf("%s %s in %s", inc.Start, attackName(inc.AttackType), placeName(inc))
	if inc.Killed != nil {
		title += ": " + inc.Killed.String() + " killed"
	}
	return candidate{rule: r, key: "incident/" + inc.ID, title: title,
		summary:   incidentLine(inc),
		parts:     incidentParts("incident", inc),
		incidents: []string{inc.ID},
		details: map[string]any{"incident_id": inc.ID, "version": vc.Version.Version, "start": inc.Start,
			"country": inc.Country, "admin1": inc.Admin1, "attack_type": inc.AttackType, "killed": inc.Killed,
			"wounded": inc.Wounded, "status": inc.Status}}
}

// revised finds a change of the killed or wounded figures or of the
// contested fields between a version and the one before it.
func revised(r Rule, vc store.VersionChange) (candidate, bool) {
	prev, cur := vc.Previous, vc.Incident
	if prev == nil {
		return candidate{}, false
	}
	var what []string
	if !sameRange(prev.Killed, cur.Killed) {
		what = append(what, fmt.Sprintf("killed %s → %s", orUnknown(prev.Killed), orUnknown(cur.Killed)))
	}
	if !sameRange(prev.Wounded, cur.Wounded) {
		what = append(what, fmt.Sprintf("wounded %s → %s", orUnknown(prev.Wounded), orUnknown(cur.Wounded)))
	}
	added, removed := diff(prev.Contested, cur.Contested)
	if len(added) > 0 {
		what = append(what, fmt.Sprintf("now contested: %v", added))
	}
	if len(removed) > 0 {
		what = append(what, fmt.Sprintf("no longer contested: %v", removed))
	}
	if len(what) == 0 {
		return candidate{}, false
	}
	verb := "revised"
	if len(added) > 0 {
		verb = "contested"
	}
	parts := incidentParts(verb, cur)
	parts.PrevKilled, parts.PrevWounded = prev.Killed, prev.Wounded
	parts.KilledChanged, parts.WoundedChanged = !sameRange(prev.Killed, cur.Killed), !sameRange(prev.Wounded, cur.Wounded)
	parts.Contested, parts.Uncontested = added, removed
	return candidate{rule: r, key: fmt.Sprintf("revised/%s@%d", cur.ID, vc.Version.Version),
		title:     fmt.Sprintf("Figures %s: %s %s in %s", verb, cur.Start, attackName(cur.AttackType), placeName(cur)),
		summary:   joinLines(what) + "\n" + incidentLine(cur),
		parts:     parts,
		incidents: []string{cur.ID},
		details: map[string]any{"incident_id": cur.ID, "version": vc.Version.Version, "reason": vc.Reason,
			"previous": map[string]any{"killed": prev.Killed, "wounded": prev.Wounded, "contested": prev.Contested},
			"current":  map[string]any{"killed": cur.Killed, "wounded": cur.Wounded, "contested": cur.Contested}}}, true
}

// newClaims finds the claims of responsibility that a version adds: one
// alert per group claiming, once.
func newClaims(r Rule, vc store.VersionChange) []candidate {
	var before []string
	if vc.Previous != nil {
		before = vc.Previous.ClaimedBy
	}
	added, _ := diff(before, vc.Incident.ClaimedBy)
	var out []candidate
	inc := vc.Incident
	for _, g := range added {
		parts := incidentParts("claim", inc)
		parts.Group = g
		out = append(out, candidate{rule: r, key: "claim/" + inc.ID + "/" + foldName(g), parts: parts,
			title:     fmt.Sprintf("%s claimed responsibility: %s %s in %s", g, inc.Start, attackName(inc.AttackType), placeName(inc)),
			summary:   incidentLine(inc),
			incidents: []string{inc.ID},
			details:   map[string]any{"incident_id": inc.ID, "claimed_by": g, "version": vc.Version.Version}})
	}
	return out
}

func sameRange(a, b *model.Range) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Low == b.Low && a.Best == b.Best && a.High == b.High && a.Qualifier == b.Qualifier
}

func orUnknown(r *model.Range) string {
	if r == nil {
		return "unknown"
	}
	return r.String()
}

// diff returns the names in b and not in a, and in a and not in b,
// comparing case-insensitively.
func diff(a, b []string) (added, removed []string) {
	has := func(l []string, s string) bool {
		return slices.ContainsFunc(l, func(x string) bool { return foldName(x) == foldName(s) })
	}
	for _, s := range b {
		if !has(a, s) && !has(added, s) {
			added = append(added, s)
		}
	}
	for _, s := range a {
		if !has(b, s) {
			removed = append(removed, s)
		}
	}
	return added, removed
}
