package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// openStore opens a fresh SQLite store with the GTD source.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.EnsureSource(t.Context(), storetest.GTD); err != nil {
		t.Fatal(err)
	}
	return s
}

func addRule(t testing.TB, s interface {
	AddAlertRule(context.Context, store.AlertRule) (int64, error)
}, name string, k alert.Kind, spec alert.Spec, checked time.Time) int64 {
	t.Helper()
	r, err := alert.NewRule(name, k, spec)
	if err != nil {
		t.Fatalf("NewRule(%s): %v", name, err)
	}
	r.Created, r.Checked = checked, checked
	id, err := s.AddAlertRule(t.Context(), r)
	if err != nil {
		t.Fatalf("AddAlertRule: %v", err)
	}
	return id
}

// event is one incident to seed: a GTD reference, its day, region and killed.
type event struct {
	ref     string
	day     model.Date
	admin1  string
	killed  int
	claimed []string
}

func record(e event) model.Record {
	raw := fmt.Sprintf("%s,%s,%s,%d,%v", e.ref, e.day, e.admin1, e.killed, e.claimed)
	return storetest.Record("gtd", e.ref, 0, raw, e.day.Time(), func(c *model.Claim) {
		c.Start, c.End, c.Country, c.Admin1, c.Place = e.day, e.day, "IR", e.admin1, e.admin1
		c.Killed = model.Point(e.killed, model.Exact)
		c.ClaimedBy = e.claimed
	})
}

func seed(t testing.TB, s *sqlite.Store, at time.Time, es ...event) {
	t.Helper()
	recs := make([]model.Record, len(es))
	for i, e := range es {
		recs[i] = record(e)
	}
	if _, err := s.ImportBatch(t.Context(), recs, at); err != nil {
		t.Fatalf("ImportBatch: %v", err)
	}
}

func check(t testing.TB, e *alert.Evaluator, at time.Time) alert.Result {
	t.Helper()
	res, err := e.Check(t.Context(), at)
	if err != nil {
		t.Fatalf("Check(%s): %v", at, err)
	}
	return res
}

func keys(as []store.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Kind+" "+a.Key)
	}
	slices.Sort(out)
	return out
}

func date(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestChangeRules steps a clock through the Kerman bombing as it was
// reported: first seen with at least 84 killed, then revised to 95 and
// claimed by the Islamic State.
func TestChangeRules(t *testing.T) {
	s := openStore(t)
	t0 := time.Date(2024, 1, 3, 8, 0, 0, 0, time.UTC)
	addRule(t, s, "deadly in Iran", alert.KindIncident, alert.Spec{Country: "IR", MinKilled: 10, Webhooks: []string{"http://127.0.0.1:1/hook"}}, t0)
	addRule(t, s, "figures", alert.KindRevised, alert.Spec{Country: "IR"}, t0)
	addRule(t, s, "claims", alert.KindClaim, alert.Spec{Country: "IR"}, t0)
	e := &alert.Evaluator{Store: s}
	kerman := date("2024-01-03")
	id := model.IncidentIDFor("gtd", "k1")

	t1 := t0.Add(2 * time.Hour)
	seed(t, s, t1, event{ref: "k1", day: kerman, admin1: "Kerman", killed: 84}, event{ref: "small", day: kerman, admin1: "Sistan", killed: 1})
	// Before the import is known: nothing.
	if res := check(t, e, t1.Add(-time.Minute)); len(res.Alerts) != 0 {
		t.Fatalf("check before the import got %v, want none", keys(res.Alerts))
	}
	res := check(t, e, t1.Add(time.Minute))
	if got, want := keys(res.Alerts), []string{"incident incident/" + id}; !slices.Equal(got, want) {
		t.Fatalf("alerts after the first report got %v, want %v", got, want)
	}
	a := res.Alerts[0]
	if !slices.Equal(a.Incidents, []string{id}) || !slices.Equal(a.Reports, []string{"gtd:k1"}) {
		t.Errorf("evidence got incidents %v reports %v, want [%s] [gtd:k1]", a.Incidents, a.Reports, id)
	}
	if !strings.Contains(a.Title, "84 killed") || !strings.Contains(a.Title, "Kerman") {
		t.Errorf("title got %q, want the place and 84 killed", a.Title)
	}
	// The same check again raises nothing: the rule has moved on and the
	// alert is deduplicated anyway.
	if res := check(t, e, t1.Add(time.Minute)); len(res.Alerts) != 0 {
		t.Errorf("second check got %v, want none", keys(res.Alerts))
	}

	t2 := t1.Add(24 * time.Hour)
	k1 := record(event{ref: "k1", day: kerman, admin1: "Kerman", killed: 95, claimed: []string{"Islamic State"}})
	k1.Claim.Killed = &model.Range{Low: 84, Best: 95, High: 103}
	if _, err := s.ImportBatch(t.Context(), []model.Record{k1}, t2); err != nil {
		t.Fatal(err)
	}
	res = check(t, e, t2.Add(time.Hour))
	want := []string{"claim claim/" + id + "/islamic state", "revised revised/" + id + "@2"}
	if got := keys(res.Alerts); !slices.Equal(got, want) {
		t.Fatalf("alerts after the revision got %v, want %v", got, want)
	}
	for _, a := range res.Alerts {
		if a.Kind == "revised" && !strings.Contains(a.Summary, "killed 84 → 84–103 (best 95)") {
			t.Errorf("revised summary got %q, want the change of killed", a.Summary)
		}
		if len(a.Reports) != 1 || a.Reports[0] == "" {
			t.Errorf("%s evidence reports got %v, want the current report", a.Kind, a.Reports)
		}
	}

	stored, err := s.Alerts(t.Context(), 0)
	if err != nil || len(stored) != 3 {
		t.Fatalf("stored alerts got %d, %v; want 3", len(stored), err)
	}
	// Only the incident rule has a webhook: one delivery enqueued.
	out, err := s.Outbox(t.Context())
	if err != nil || len(out) != 1 || out[0].Alert.Key != "incident/"+id {
		t.Fatalf("outbox got %+v, %v; want the incident alert's webhook", out, err)
	}
	wantKey := alert.IdempotencyKey(out[0].Alert.RuleID, out[0].Alert.Key, store.Delivery{Channel: "webhook", Target: "http://127.0.0.1:1/hook"})
	if out[0].IdemKey != wantKey {
		t.Errorf("idempotency key got %q, want %q", out[0].IdemKey, wantKey)
	}
}

// TestFollowedIncident follows one incident only: changes to others do
// not alert.
func TestFollowedIncident(t *testing.T) {
	s := openStore(t)
	t0 := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	day := date("2024-01-03")
	seed(t, s, t0, event{ref: "a", day: day, admin1: "Kerman", killed: 10}, event{ref: "b", day: day, admin1: "Kerman", killed: 10})
	follow := model.IncidentIDFor("gtd", "b")
	addRule(t, s, "follow b", alert.KindRevised, alert.Spec{Incidents: []string{follow}}, t0)
	e := &alert.Evaluator{Store: s}
	t1 := t0.Add(time.Hour)
	seed(t, s, t1, event{ref: "a", day: day, admin1: "Kerman", killed: 20}, event{ref: "b", day: day, admin1: "Kerman", killed: 30})
	res := check(t, e, t1)
	if got, want := keys(res.Alerts), []string{"revised revised/" + follow + "@2"}; !slices.Equal(got, want) {
		t.Errorf("alerts got %v, want %v", got, want)
	}
}

// TestSurge steps the clock a day at a time over a month of calm and a
// week of surge in one province, and a steady neighbour.
func TestSurge(t *testing.T) {
	s := openStore(t)
	seen := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	start := date("2023-05-01")
	var es []event
	// Baseline: one incident every 10 days in Sistan (30 days: 3), and
	// one every 2 days in Khuzestan throughout, from 40 days before.
	for d := 0; d < 30; d += 10 {
		es = append(es, event{ref: fmt.Sprintf("s%d", d), day: start.AddDays(d), admin1: "Sistan", killed: 1})
	}
	for d := -40; d < 44; d += 2 {
		es = append(es, event{ref: fmt.Sprintf("k%d", d), day: start.AddDays(d), admin1: "Khuzestan", killed: 1})
	}
	// The surge: from day 30, one incident a day for a week.
	for d := 30; d < 37; d++ {
		es = append(es, event{ref: fmt.Sprintf("s%d", d), day: start.AddDays(d), admin1: "Sistan", killed: 2})
	}
	seed(t, s, seen, es...)
	addRule(t, s, "surge", alert.KindSurge, alert.Spec{Country: "IR", Floor: 3}, seen)
	e := &alert.Evaluator{Store: s}

	var fired []store.Alert
	firedOn := map[string]model.Date{}
	for d := 20; d < 44; d++ {
		day := start.AddDays(d)
		res := check(t, e, day.Time().Add(23*time.Hour))
		for _, a := range res.Alerts {
			fired = append(fired, a)
			firedOn[a.Key] = day
		}
	}
	// Baseline average for a week: 3 incidents in 30 days = 0.7 a week,
	// so the floor of 3 decides: the third day of the surge (day 32).
	// Sistan's window of day 30–36 crosses a 7-day period boundary at
	// most once, so it may alert in two periods, never more.
	if len(fired) < 1 || len(fired) > 2 {
		t.Fatalf("surge alerts got %d (%v), want 1 or 2", len(fired), keys(fired))
	}
	first := fired[0]
	if got, want := firedOn[first.Key], start.AddDays(32); got != want {
		t.Errorf("first surge alert on %s, want %s", got, want)
	}
	if !strings.Contains(first.Title, "Sistan, IR") || !strings.Contains(first.Title, "3 incidents") {
		t.Errorf("title got %q, want Sistan with 3 incidents", first.Title)
	}
	wantIDs := []string{model.IncidentIDFor("gtd", "s30"), model.IncidentIDFor("gtd", "s31"), model.IncidentIDFor("gtd", "s32")}
	if got := slices.Sorted(slices.Values(first.Incidents)); !slices.Equal(got, slices.Sorted(slices.Values(wantIDs))) {
		t.Errorf("evidence got %v, want %v", got, wantIDs)
	}
	if len(first.Reports) != 3 {
		t.Errorf("evidence reports got %v, want 3", first.Reports)
	}
	for _, a := range fired {
		if strings.Contains(a.Key, "khuzestan") {
			t.Errorf("steady Khuzestan alerted: %s", a.Title)
		}
	}
}

// TestHigh seeds a year of steady killing and a deadly month.
func TestHigh(t *testing.T) {
	s := openStore(t)
	seen := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	start := date("2022-01-01")
	var es []event
	for d := 0; d < 400; d += 5 {
		es = append(es, event{ref: fmt.Sprintf("b%d", d), day: start.AddDays(d), admin1: "Kerman", killed: 2}) // 12 per 30 days, at most
	}
	es = append(es, event{ref: "big", day: start.AddDays(402), admin1: "Kerman", killed: 20})
	seed(t, s, seen, es...)
	addRule(t, s, "1y high", alert.KindHigh, alert.Spec{Country: "IR", Floor: 10}, seen)
	addRule(t, s, "high floor", alert.KindHigh, alert.Spec{Country: "IR", Floor: 100}, seen)
	e := &alert.Evaluator{Store: s}
	// The day before the big attack: 30-day killed as always: no alert.
	if res := check(t, e, start.AddDays(401).Time()); len(res.Alerts) != 0 {
		t.Errorf("before: got %v, want none", keys(res.Alerts))
	}
	res := check(t, e, start.AddDays(402).Time().Add(12*time.Hour))
	if len(res.Alerts) != 1 || res.Alerts[0].RuleName != "1y high" {
		t.Fatalf("got %v, want the 1y high (and not the one with floor 100)", keys(res.Alerts))
	}
	var det struct {
		Killed int `json:"killed_30d"`
		Prev   int `json:"previous_high"`
	}
	if err := json.Unmarshal(res.Alerts[0].Details, &det); err != nil || det.Killed != 30 || det.Prev != 12 {
		t.Errorf("details got %s (%v), want 30 killed over a previous high of 12", res.Alerts[0].Details, err)
	}
	if !slices.Contains(res.Alerts[0].Incidents, model.IncidentIDFor("gtd", "big")) {
		t.Errorf("evidence got %v, want the big attack in it", res.Alerts[0].Incidents)
	}
}

// fixedForecaster returns the same risks whatever the time: a
// deterministic stand-in for the forecasting models.
type fixedForecaster struct {
	risks []alert.RegionRisk
	asked []string // horizon/country of each call
}

// Forecast gives the fixed risks of country (all of them for "").
func (f *fixedForecaster) Forecast(_ context.Context, at time.Time, h int, country string) ([]alert.RegionRisk, error) {
	f.asked = append(f.asked, fmt.Sprintf("%d/%s", h, country))
	var out []alert.RegionRisk
	for _, r := range f.risks {
		if country == "" || r.Country == country {
			out = append(out, r)
		}
	}
	for i := range out {
		out[i].Start = model.DateOf(at).AddDays(1)
		out[i].End = out[i].Start.AddDays(7*h - 1)
	}
	return out, nil
}

func TestForecastRule(t *testing.T) {
	s := openStore(t)
	at := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	seed(t, s, at.Add(-time.Hour), event{ref: "k", day: date("2024-01-03"), admin1: "Kerman", killed: 95})
	addRule(t, s, "risk", alert.KindForecast, alert.Spec{Country: "IR", Threshold: 0.6, Horizon: 2}, at)
	e := &alert.Evaluator{Store: s}
	if res := check(t, e, at); len(res.Skipped) != 1 || len(res.Alerts) != 0 {
		t.Errorf("without a forecaster got skipped %v alerts %v, want the rule skipped", res.Skipped, keys(res.Alerts))
	}
	f := &fixedForecaster{risks: []alert.RegionRisk{
		{Country: "IR", Admin1: "Kerman", Probability: 0.7, ExpectedKilled: 12, Model: "hawkes"},
		{Country: "IR", Admin1: "Tehran", Probability: 0.59, Model: "hawkes"},
		{Country: "IQ", Admin1: "Anbar", Probability: 0.9, Model: "hawkes"},
	}}
	e.Forecaster = f
	res := check(t, e, at)
	if len(res.Alerts) != 1 || !strings.Contains(res.Alerts[0].Title, "Kerman") || !strings.Contains(res.Alerts[0].Title, "70%") {
		t.Fatalf("got %v, want Kerman at 70%% only", keys(res.Alerts))
	}
	if !slices.Equal(f.asked, []string{"2/IR"}) {
		t.Errorf("forecaster asked for %v, want [2/IR]: horizon 2, Iran only", f.asked)
	}
	if got := res.Alerts[0].Incidents; !slices.Equal(got, []string{model.IncidentIDFor("gtd", "k")}) {
		t.Errorf("evidence got %v, want the Kerman incident of the last 28 days", got)
	}
	if res := check(t, e, at); len(res.Alerts) != 0 {
		t.Errorf("same period again got %v, want none", keys(res.Alerts))
	}

	// A world rule and a second Iran rule on the same horizon: one more
	// forecast (the world's), Iran's is not made twice, and the world
	// rule sees Anbar.
	addRule(t, s, "world", alert.KindForecast, alert.Spec{Threshold: 0.8, Horizon: 2}, at)
	addRule(t, s, "iran again", alert.KindForecast, alert.Spec{Country: "ir", Threshold: 0.6, Horizon: 2}, at)
	f.asked = nil
	res = check(t, e, at.Add(7*24*time.Hour))
	slices.Sort(f.asked)
	if !slices.Equal(f.asked, []string{"2/", "2/IR"}) {
		t.Errorf("forecaster asked for %v, want [2/ 2/IR]: one forecast per horizon and country", f.asked)
	}
	var anbar bool
	for _, a := range res.Alerts {
		anbar = anbar || strings.Contains(a.Title, "Anbar")
	}
	if !anbar {
		t.Errorf("world rule alerts %v, want Anbar at 90%%", keys(res.Alerts))
	}
}

// TestFollowOn fits the Hawkes model to three years of a simulated
// self-exciting history and checks the window after a new attack.
func TestFollowOn(t *testing.T) {
	s := openStore(t)
	rng := rand.New(rand.NewPCG(7, 8))
	origin := date("2021-01-01")
	// μ 0.04 a day, each attack adding 0.6 expected follow-ons with a
	// half-life of about 1.4 days.
	ts := analyze.SimulateHawkes(0.04, 0.3, 0.5, 3*365-30, rng)
	var es []event
	for i, x := range ts {
		es = append(es, event{ref: fmt.Sprintf("h%d", i), day: origin.AddDays(int(x)), admin1: "Sistan", killed: 1})
	}
	attack := origin.AddDays(3*365 - 10)
	es = append(es, event{ref: "attack", day: attack, admin1: "Sistan", killed: 11})
	seed(t, s, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), es...)
	addRule(t, s, "follow-on", alert.KindFollowOn, alert.Spec{Country: "IR", Multiple: 2, Lookback: 7}, time.Time{})
	e := &alert.Evaluator{Store: s}

	at := attack.Time().Add(23 * time.Hour)
	res := check(t, e, at)
	if len(res.Skipped) != 0 {
		t.Fatalf("skipped: %v", res.Skipped)
	}
	var a *store.Alert
	for i := range res.Alerts {
		if strings.HasSuffix(res.Alerts[i].Key, "/"+attack.String()) {
			a = &res.Alerts[i]
		}
	}
	if a == nil {
		t.Fatalf("alerts got %v, want one for the attack of %s", keys(res.Alerts), attack)
	}
	var det struct {
		Until time.Time `json:"until"`
		Ratio float64   `json:"intensity_ratio"`
		Beta  float64   `json:"beta"`
		Mu    float64   `json:"mu_per_day"`
	}
	if err := json.Unmarshal(a.Details, &det); err != nil {
		t.Fatal(err)
	}
	var parts struct {
		Text alert.Parts `json:"text"`
	}
	if err := json.Unmarshal(a.Details, &parts); err != nil || parts.Text.Template != "followon" || !parts.Text.Until.Equal(det.Until) ||
		parts.Text.Ratio != det.Ratio || parts.Text.Date != attack {
		t.Errorf("parts got %+v (%v), want followon of %s until %s", parts.Text, err, attack, det.Until)
	}
	if !det.Until.After(at) || det.Ratio <= 2 {
		t.Errorf("window got until %s ratio %.2f, want open after %s with ratio > 2", det.Until, det.Ratio, at)
	}
	if !slices.Contains(a.Incidents, model.IncidentIDFor("gtd", "attack")) {
		t.Errorf("evidence got %v, want the attack", a.Incidents)
	}
	// Once the window has closed (and past the lookback), nothing more.
	later := det.Until.Add(8 * 24 * time.Hour)
	if res := check(t, e, later); slices.ContainsFunc(res.Alerts, func(x store.Alert) bool { return x.Key == a.Key }) {
		t.Errorf("at %s the window of %s alerted again", later, attack)
	}
	// A check at the window's end does not raise it: it is over.
	s2 := openStore(t)
	seed(t, s2, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), es...)
	addRule(t, s2, "follow-on", alert.KindFollowOn, alert.Spec{Country: "IR", Multiple: 2, Lookback: 7}, time.Time{})
	res = check(t, &alert.Evaluator{Store: s2}, det.Until.Add(time.Minute))
	if slices.ContainsFunc(res.Alerts, func(x store.Alert) bool { return strings.HasSuffix(x.Key, "/"+attack.String()) }) {
		t.Errorf("a check after the window closed (%s) alerted for %s", det.Until, attack)
	}
}

func TestBadRules(t *testing.T) {
	tests := []struct {
		kind alert.Kind
		spec alert.Spec
		want string
	}{
		{"nope", alert.Spec{}, "rule kind"},
		{alert.KindSurge, alert.Spec{Window: "day"}, "window"},
		{alert.KindSurge, alert.Spec{Window: "month", Baseline: "month"}, "baseline"},
		{alert.KindHigh, alert.Spec{Years: 2}, "years"},
		{alert.KindForecast, alert.Spec{Threshold: 1.5}, "threshold"},
		{alert.KindFollowOn, alert.Spec{Country: "IR", Multiple: 0.5}, "multiple"},
		{alert.KindFollowOn, alert.Spec{}, "country"},
		{alert.KindIncident, alert.Spec{Webhooks: []string{"ftp://x"}}, "webhooks"},
		{alert.KindIncident, alert.Spec{Emails: []string{"not an address"}}, "emails"},
		{alert.KindIncident, alert.Spec{AttackType: "stabbing"}, "attack_type"},
		{alert.KindIncident, alert.Spec{Country: "Iran"}, "country"},
	}
	for _, tc := range tests {
		_, err := alert.NewRule("r", tc.kind, tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewRule(%s, %+v) got %v, want an error naming %s", tc.kind, tc.spec, err, tc.want)
		}
	}
	// A rule broken in the database is skipped, the others still run.
	s := openStore(t)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.AddAlertRule(t.Context(), store.AlertRule{Name: "broken", Kind: "surge", Spec: json.RawMessage(`{"window":"day"}`)}); err != nil {
		t.Fatal(err)
	}
	addRule(t, s, "ok", alert.KindIncident, alert.Spec{}, at)
	seed(t, s, at.Add(time.Hour), event{ref: "x", day: date("2024-01-01"), admin1: "Kerman", killed: 1})
	res := check(t, &alert.Evaluator{Store: s}, at.Add(2*time.Hour))
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "broken") || len(res.Alerts) != 1 {
		t.Errorf("got skipped %v alerts %v, want broken skipped and one alert", res.Skipped, keys(res.Alerts))
	}
}

// TestModelForecaster runs a forecast rule on the forecasting models: a
// province attacked every few days is forecast at risk, one attacked
// once a year is not.
func TestModelForecaster(t *testing.T) {
	s := openStore(t)
	start := date("2021-01-01")
	var es []event
	for d := 0; d < 3*365; d += 3 {
		es = append(es, event{ref: fmt.Sprintf("s%d", d), day: start.AddDays(d), admin1: "Sistan", killed: 1})
	}
	for y := range 3 {
		es = append(es, event{ref: fmt.Sprintf("t%d", y), day: start.AddDays(365*y + 100), admin1: "Tehran", killed: 1})
	}
	at := start.AddDays(3 * 365).Time()
	seed(t, s, at.Add(-time.Hour), es...)
	addRule(t, s, "risk", alert.KindForecast, alert.Spec{Threshold: 0.5, Horizon: 2}, at)
	e := &alert.Evaluator{Store: s, Forecaster: &alert.ModelForecaster{Store: s}}
	res := check(t, e, at)
	if len(res.Skipped) != 0 || len(res.Alerts) != 1 {
		t.Fatalf("got alerts %v skipped %v, want one for Sistan", keys(res.Alerts), res.Skipped)
	}
	a := res.Alerts[0]
	var det struct {
		Forecast alert.RegionRisk `json:"forecast"`
	}
	if err := json.Unmarshal(a.Details, &det); err != nil {
		t.Fatal(err)
	}
	f := det.Forecast
	if f.Admin1 != "Sistan" || f.Probability < 0.5 || f.Probability > 1 || !model.DateOf(at).Before(f.Start) || f.Model == "" {
		t.Errorf("forecast got %+v, want Sistan at ≥ 50%% for a week after %s", f, model.DateOf(at))
	}
	if len(a.Incidents) < 8 {
		t.Errorf("evidence got %d incidents, want Sistan's of the last 28 days (9 or 10)", len(a.Incidents))
	}
}

// TestFollowOnTooFew: a handful of attacks is no basis for a Hawkes fit;
// the rule says so instead of alerting on a meaningless window.
func TestFollowOnTooFew(t *testing.T) {
	s := openStore(t)
	var es []event
	for i := range 10 {
		es = append(es, event{ref: fmt.Sprintf("e%d", i), day: date("2023-01-01").AddDays(30 * i), admin1: "Kerman", killed: 5})
	}
	seed(t, s, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), es...)
	addRule(t, s, "follow-on", alert.KindFollowOn, alert.Spec{Country: "IR"}, time.Time{})
	res := check(t, &alert.Evaluator{Store: s}, date("2023-10-28").Time())
	if len(res.Alerts) != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "too few") {
		t.Errorf("got alerts %v skipped %v, want the rule skipped for too few events", keys(res.Alerts), res.Skipped)
	}
}

// TestRecent: importing a historical dataset does not alert as if its
// incidents were new.
func TestRecent(t *testing.T) {
	s := openStore(t)
	t0 := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	addRule(t, s, "recent", alert.KindIncident, alert.Spec{Recent: 30}, t0)
	addRule(t, s, "any", alert.KindIncident, alert.Spec{}, t0)
	seed(t, s, t0.Add(time.Hour),
		event{ref: "old", day: date("2017-06-07"), admin1: "Tehran", killed: 17},
		event{ref: "edge", day: date("2023-12-11"), admin1: "Kerman", killed: 1},
		event{ref: "past", day: date("2023-12-10"), admin1: "Kerman", killed: 1},
		event{ref: "new", day: date("2024-01-03"), admin1: "Kerman", killed: 95})
	res := check(t, &alert.Evaluator{Store: s}, t0.Add(2*time.Hour))
	var recentKeys, anyKeys []string
	for _, a := range res.Alerts {
		if a.RuleName == "recent" {
			recentKeys = append(recentKeys, a.Key)
		} else {
			anyKeys = append(anyKeys, a.Key)
		}
	}
	want := []string{"incident/" + model.IncidentIDFor("gtd", "edge"), "incident/" + model.IncidentIDFor("gtd", "new")}
	slices.Sort(recentKeys)
	slices.Sort(want)
	if !slices.Equal(recentKeys, want) || len(anyKeys) != 4 {
		t.Errorf("recent rule got %v (want %v); unlimited rule got %d (want 4)", recentKeys, want, len(anyKeys))
	}
}
