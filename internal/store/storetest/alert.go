package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// AlertBackend is a store under test with the alert methods that
// store/sqlite and store/postgres share.
type AlertBackend interface {
	Backend
	AddAlertRule(ctx context.Context, r store.AlertRule) (int64, error)
	AlertRules(ctx context.Context) ([]store.AlertRule, error)
	UpdateAlertRule(ctx context.Context, r store.AlertRule) error
	DeleteAlertRule(ctx context.Context, id int64) error
	SetAlertRuleChecked(ctx context.Context, id int64, t time.Time) error
	VersionsBetween(ctx context.Context, since, until time.Time, fn func(store.VersionChange) error) error
	RegionDays(ctx context.Context, from, to model.Date, country string) ([]store.RegionDay, error)
	ReportIDs(ctx context.Context, incidentIDs []string) (map[string][]string, error)
	SaveAlerts(ctx context.Context, as []store.NewAlert) ([]int64, error)
	Alerts(ctx context.Context, limit int) ([]store.Alert, error)
	LeaseOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutboxItem, error)
	FinishOutbox(ctx context.Context, id int64, r store.OutboxResult) error
	LastDelivered(ctx context.Context, ruleID int64, d store.Delivery) (time.Time, error)
	Outbox(ctx context.Context) ([]store.OutboxItem, error)
}

// testAlerts checks the alert tables: rules, versions since a time,
// region counts, alerts deduplicated with their evidence, and the outbox's
// lease, finish and lease expiry.
func testAlerts(t *testing.T, b Backend) {
	ab, ok := b.(AlertBackend)
	if !ok {
		t.Fatalf("%T does not have the alert methods", b)
	}
	t.Run("Rules", func(t *testing.T) { testAlertRules(t, ab) })
	t.Run("Versions", func(t *testing.T) { testVersionsBetween(t, ab) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, ab) })
}

func testAlertRules(t *testing.T, b AlertBackend) {
	ctx := t.Context()
	r := store.AlertRule{Name: "Kerman", Kind: "incident", Spec: json.RawMessage(`{"min_killed":10}`), Created: at1, Checked: at2}
	id, err := b.AddAlertRule(ctx, r)
	if err != nil {
		t.Fatalf("AddAlertRule: %v", err)
	}
	id2, err := b.AddAlertRule(ctx, store.AlertRule{Name: "surge", Kind: "surge", Spec: json.RawMessage(`{}`), Created: at1, Checked: at1})
	if err != nil {
		t.Fatalf("AddAlertRule: %v", err)
	}
	if err := b.SetAlertRuleChecked(ctx, id2, at3); err != nil {
		t.Fatalf("SetAlertRuleChecked: %v", err)
	}
	rules, err := b.AlertRules(ctx)
	if err != nil {
		t.Fatalf("AlertRules: %v", err)
	}
	if len(rules) != 2 || rules[0].ID != id || rules[1].ID != id2 {
		t.Fatalf("AlertRules got %+v, want ids %d, %d", rules, id, id2)
	}
	got := rules[0]
	var spec map[string]int
	if err := json.Unmarshal(got.Spec, &spec); err != nil || spec["min_killed"] != 10 {
		t.Errorf("rule spec got %s (%v), want min_killed 10", got.Spec, err)
	}
	if got.Name != r.Name || got.Kind != r.Kind || !got.Created.Equal(at1) || !got.Checked.Equal(stored(at2)) {
		t.Errorf("rule got %+v, want %+v", got, r)
	}
	if !rules[1].Checked.Equal(at3) {
		t.Errorf("checked got %s, want %s", rules[1].Checked, at3)
	}
	edited := rules[0]
	edited.Name, edited.Spec, edited.Checked = "Kerman deadly", json.RawMessage(`{"min_killed":50}`), at3
	if err := b.UpdateAlertRule(ctx, edited); err != nil {
		t.Fatalf("UpdateAlertRule: %v", err)
	}
	rules, _ = b.AlertRules(ctx)
	if g := rules[0]; g.Name != "Kerman deadly" || !strings.Contains(string(g.Spec), "50") || !g.Checked.Equal(stored(at2)) || !g.Created.Equal(at1) {
		t.Errorf("after update got %+v, want the new name and spec, the old times", g)
	}
	if err := b.UpdateAlertRule(ctx, store.AlertRule{ID: 999999, Name: "x", Kind: "incident", Spec: json.RawMessage(`{}`)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateAlertRule of an unknown rule got %v, want ErrNotFound", err)
	}
	if err := b.DeleteAlertRule(ctx, id); err != nil {
		t.Fatalf("DeleteAlertRule: %v", err)
	}
	if err := b.DeleteAlertRule(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteAlertRule twice got %v, want ErrNotFound", err)
	}
	if rules, _ := b.AlertRules(ctx); len(rules) != 1 {
		t.Errorf("after delete: %d rules, want 1", len(rules))
	}
}

func testVersionsBetween(t *testing.T, b AlertBackend) {
	ctx := t.Context()
	ensure(t, b, GTD)
	kerman := model.Date{Year: 2024, Month: time.January, Day: 3}
	mustImport(t, b, at1,
		Record("gtd", "1", 0, "r1", fetched, func(c *model.Claim) {
			c.Start, c.End, c.Country, c.Admin1, c.Killed = kerman, kerman, "IR", "Kerman", model.Point(84, model.AtLeast)
		}),
		Record("gtd", "2", 0, "r2", fetched, func(c *model.Claim) {
			c.Start, c.End, c.Country, c.Admin1, c.Killed = kerman, kerman, "IR", "Kerman", model.Point(1, model.Exact)
		}),
		// Known only to the month: left out of the region counts.
		Record("gtd", "3", 0, "r3", fetched, func(c *model.Claim) {
			c.Start, c.End, c.DatePrecision = model.Date{Year: 2024, Month: 1, Day: 1}, model.Date{Year: 2024, Month: 1, Day: 31}, model.PrecisionMonth
		}))
	mustImport(t, b, at2, Record("gtd", "1", 0, "r1 revised", fetched, func(c *model.Claim) {
		c.Start, c.End, c.Country, c.Admin1, c.Killed = kerman, kerman, "IR", "Kerman", model.Point(95, model.Exact)
		c.ClaimedBy = []string{"Islamic State"}
	}))

	var got []store.VersionChange
	collect := func(since, until time.Time) {
		got = nil
		if err := b.VersionsBetween(ctx, since, until, func(v store.VersionChange) error {
			got = append(got, v)
			return nil
		}); err != nil {
			t.Fatalf("VersionsBetween: %v", err)
		}
	}
	collect(at1, at3)
	if len(got) != 1 || got[0].IncidentID != incidentOf("gtd", "1") || got[0].Version.Version != 2 {
		t.Fatalf("VersionsBetween(at1, at3] got %+v, want version 2 of gtd:1", got)
	}
	v := got[0]
	if v.Previous == nil || v.Previous.Killed.Best != 84 || v.Incident.Killed.Best != 95 || !slices.Equal(v.Incident.ClaimedBy, []string{"Islamic State"}) {
		t.Errorf("change got previous %+v, current %+v; want killed 84 → 95 and a claim", v.Previous, v.Incident)
	}
	if !v.At.Equal(stored(at2)) {
		t.Errorf("version at got %s, want %s", v.At, stored(at2))
	}
	collect(at1.Add(-time.Second), at1)
	if len(got) != 3 {
		t.Fatalf("VersionsBetween around at1 got %d versions, want 3", len(got))
	}
	for _, v := range got {
		if v.Previous != nil || v.Version.Version != 1 {
			t.Errorf("first version %s got previous %v, version %d", v.IncidentID, v.Previous, v.Version.Version)
		}
	}
	// The bounds are exact: (at2, …] leaves at2 out even within its millisecond.
	collect(stored(at2), at3)
	if len(got) != 0 {
		t.Errorf("VersionsBetween(at2, at3] got %d versions, want 0", len(got))
	}
	collect(stored(at2).Add(-time.Microsecond), stored(at2))
	if len(got) != 1 {
		t.Errorf("VersionsBetween(at2-1µs, at2] got %d versions, want 1", len(got))
	}

	days, err := b.RegionDays(ctx, kerman.AddDays(-7), kerman, "ir")
	if err != nil {
		t.Fatalf("RegionDays: %v", err)
	}
	if len(days) != 1 || days[0].Incidents != 2 || days[0].Killed != 96 || days[0].Day != kerman || days[0].Country != "IR" {
		t.Errorf("RegionDays got %+v, want one Kerman day of 2 incidents, 96 killed", days)
	}
	if days, _ := b.RegionDays(ctx, kerman.AddDays(1), kerman.AddDays(9), ""); len(days) != 0 {
		t.Errorf("RegionDays after got %+v, want none", days)
	}
	reps, err := b.ReportIDs(ctx, []string{incidentOf("gtd", "1"), "nope"})
	if err != nil {
		t.Fatalf("ReportIDs: %v", err)
	}
	if want := []string{"gtd:1"}; len(reps) != 1 || len(reps[incidentOf("gtd", "1")]) != 1 {
		t.Errorf("ReportIDs got %v, want one current report like %v", reps, want)
	}
}

// saveAlert stores one alert through SaveAlerts.
func saveAlert(t *testing.T, b AlertBackend, a store.Alert, ds []store.Delivery) (int64, bool, error) {
	t.Helper()
	ids, err := b.SaveAlerts(t.Context(), []store.NewAlert{{Alert: a, Deliveries: ds}})
	if err != nil {
		return 0, false, err
	}
	if len(ids) != 1 {
		t.Fatalf("SaveAlerts of one alert returned %d ids", len(ids))
	}
	return ids[0], ids[0] != 0, nil
}

func testOutbox(t *testing.T, b AlertBackend) {
	ctx := t.Context()
	a := store.Alert{RuleID: 7, RuleName: "r", Kind: "incident", Key: "i1", At: at1, Title: "Kerman: 95 killed",
		Summary: "s", Incidents: []string{"i1"}, Reports: []string{"gtd:1"}, Details: json.RawMessage(`{"killed":95}`)}
	ds := []store.Delivery{{Channel: "webhook", Target: "http://x/hook", IdemKey: "k1"}, {Channel: "email", Target: "a@example.org", IdemKey: "k2"}}
	id, created, err := saveAlert(t, b, a, ds)
	if err != nil || !created || id == 0 {
		t.Fatalf("SaveAlert got %d, %v, %v; want a new alert", id, created, err)
	}
	// Same rule and key: not again, and nothing enqueued.
	if _, created, err := saveAlert(t, b, a, []store.Delivery{{Channel: "webhook", Target: "http://x/hook", IdemKey: "k3"}}); err != nil || created {
		t.Fatalf("SaveAlert again got created %v, %v; want false", created, err)
	}
	// The same key under another rule is another alert.
	a2 := a
	a2.RuleID, a2.At, a2.Incidents, a2.Reports, a2.Details = 8, at2, nil, nil, nil
	if _, created, err := saveAlert(t, b, a2, nil); err != nil || !created {
		t.Fatalf("SaveAlert other rule got %v, %v; want created", created, err)
	}
	// In one batch: a new alert, an old key, and the same new key twice.
	b3 := a
	b3.RuleID, b3.Key = 9, "b3"
	batchIDs, err := b.SaveAlerts(ctx, []store.NewAlert{{Alert: b3}, {Alert: a}, {Alert: b3}})
	if err != nil || len(batchIDs) != 3 || batchIDs[0] == 0 || batchIDs[1] != 0 || batchIDs[2] != 0 {
		t.Fatalf("SaveAlerts batch got %v, %v; want only the first stored", batchIDs, err)
	}
	alerts, err := b.Alerts(ctx, 0)
	if err != nil {
		t.Fatalf("Alerts: %v", err)
	}
	alerts = slices.DeleteFunc(alerts, func(x store.Alert) bool { return x.RuleID == 9 })
	if len(alerts) != 2 || alerts[0].RuleID != 8 || alerts[1].ID != id {
		t.Fatalf("Alerts got %+v, want the rule 8 alert then %d", alerts, id)
	}
	if g := alerts[1]; !slices.Equal(g.Incidents, a.Incidents) || !slices.Equal(g.Reports, a.Reports) || !g.At.Equal(at1) || g.Title != a.Title {
		t.Errorf("alert got %+v, want %+v", g, a)
	}
	var det map[string]int
	if err := json.Unmarshal(alerts[1].Details, &det); err != nil || det["killed"] != 95 {
		t.Errorf("details got %s, want killed 95", alerts[1].Details)
	}
	if alerts[0].Incidents == nil || len(alerts[0].Incidents) != 0 {
		t.Errorf("empty evidence got %#v, want []", alerts[0].Incidents)
	}

	now := at1.Add(time.Minute)
	items, err := b.LeaseOutbox(ctx, now, time.Minute, 1)
	if err != nil || len(items) != 1 {
		t.Fatalf("LeaseOutbox limit 1 got %v, %v; want one item", items, err)
	}
	first := items[0]
	if first.IdemKey != "k1" || first.Alert.ID != id || first.Channel != "webhook" || !first.LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Errorf("leased got %+v, want the webhook delivery of %d", first, id)
	}
	items, err = b.LeaseOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(items) != 1 || items[0].IdemKey != "k2" {
		t.Fatalf("second lease got %+v, %v; want only k2 (k1 is leased)", items, err)
	}
	// The deliverer of k2 dies; k1 is delivered.
	if err := b.FinishOutbox(ctx, first.ID, store.OutboxResult{State: store.OutboxDelivered, At: now}); err != nil {
		t.Fatalf("FinishOutbox: %v", err)
	}
	if items, _ := b.LeaseOutbox(ctx, now.Add(30*time.Second), time.Minute, 10); len(items) != 0 {
		t.Errorf("lease within the lease got %+v, want none", items)
	}
	items, err = b.LeaseOutbox(ctx, now.Add(time.Minute), time.Minute, 10)
	if err != nil || len(items) != 1 || items[0].IdemKey != "k2" {
		t.Fatalf("lease after expiry got %+v, %v; want k2 again", items, err)
	}
	retry := now.Add(5 * time.Minute)
	if err := b.FinishOutbox(ctx, items[0].ID, store.OutboxResult{State: store.OutboxPending, Failed: true, NextAttempt: retry, Error: "503"}); err != nil {
		t.Fatalf("FinishOutbox failed: %v", err)
	}
	if items, _ := b.LeaseOutbox(ctx, retry.Add(-time.Second), time.Minute, 10); len(items) != 0 {
		t.Errorf("lease before the retry time got %+v, want none", items)
	}
	items, err = b.LeaseOutbox(ctx, retry, time.Minute, 10)
	if err != nil || len(items) != 1 || items[0].Attempts != 1 || items[0].LastError != "503" {
		t.Fatalf("lease at retry got %+v, %v; want k2 with 1 attempt and its error", items, err)
	}
	if err := b.FinishOutbox(ctx, items[0].ID, store.OutboxResult{State: store.OutboxDead, Failed: true, Error: "gave up"}); err != nil {
		t.Fatalf("FinishOutbox dead: %v", err)
	}
	if items, _ := b.LeaseOutbox(ctx, retry.Add(time.Hour), time.Minute, 10); len(items) != 0 {
		t.Errorf("lease after dead got %+v, want none", items)
	}
	last, err := b.LastDelivered(ctx, 7, store.Delivery{Channel: "webhook", Target: "http://x/hook"})
	if err != nil || !last.Equal(now) {
		t.Errorf("LastDelivered got %s, %v; want %s", last, err, now)
	}
	if last, _ := b.LastDelivered(ctx, 7, store.Delivery{Channel: "email", Target: "a@example.org"}); !last.IsZero() {
		t.Errorf("LastDelivered of the dead one got %s, want zero", last)
	}
	all, err := b.Outbox(ctx)
	if err != nil || len(all) != 2 || all[0].State != store.OutboxDelivered || all[1].State != store.OutboxDead || all[1].Attempts != 2 {
		t.Errorf("Outbox got %+v, %v; want delivered and dead (2 attempts)", all, err)
	}
	if err := b.FinishOutbox(ctx, 999999, store.OutboxResult{State: store.OutboxDelivered}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishOutbox unknown got %v, want ErrNotFound", err)
	}
}
