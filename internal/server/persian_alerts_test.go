package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

func TestFaAlertTitle(t *testing.T) {
	k95 := &model.Range{Low: 84, Best: 95, High: 103}
	kerman := alert.Parts{Date: model.DateOf(time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)), AttackType: model.Bombing,
		Place: "Kerman", Admin1: "Kerman", Country: "IR", Killed: k95, Status: model.StatusConfirmed, Sources: 13}
	with := func(p alert.Parts, f func(*alert.Parts)) alert.Parts { f(&p); return p }
	tests := []struct {
		p    alert.Parts
		want []string
	}{
		{with(kerman, func(p *alert.Parts) { p.Template = "incident" }), []string{"۱۳ دی ۱۴۰۲", "بمب\u200cگذاری", "کرمان", "۹۵ (۸۴–۱۰۳) کشته"}},
		{with(kerman, func(p *alert.Parts) { p.Template = "contested" }), []string{"ارقام مورد اختلاف شد", "کرمان"}},
		{with(kerman, func(p *alert.Parts) { p.Template = "claim"; p.Group = "Islamic State" }), []string{"Islamic State مسئولیت را پذیرفت", "۱۳ دی ۱۴۰۲"}},
		{alert.Parts{Template: "surge", Admin1: "Sistan and Baluchestan", Country: "IR", To: model.DateOf(time.Date(2024, 1, 28, 0, 0, 0, 0, time.UTC)),
			Count: 6, WindowDays: 7, Baseline: 1.5}, []string{"افزایش ناگهانی", "سیستان", "۶ رویداد", "۷ روز", "۸ بهمن ۱۴۰۲", "۴٫۰ برابر", "۱٫۵"}},
		{alert.Parts{Template: "high", Admin1: "Kerman", Country: "IR", Count: 95, PrevHigh: 12, Years: 3, To: model.DateOf(time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC))},
			[]string{"۹۵ کشته", "۳ سال", "۱۲"}},
		{alert.Parts{Template: "forecast", Admin1: "Balochistan", Country: "PK", Probability: 0.425, Model: "baseline",
			From: model.DateOf(time.Date(2024, 2, 5, 0, 0, 0, 0, time.UTC)), To: model.DateOf(time.Date(2024, 2, 11, 0, 0, 0, 0, time.UTC)), Expected: 3.2},
			[]string{"خطر در", "(PK)", "۴۳٪", "۱۶ بهمن ۱۴۰۲", "۳٫۲"}},
		{alert.Parts{Template: "followon", Admin1: "Kerman", Country: "IR", Ratio: 4.2, Multiple: 2,
			Date: model.DateOf(time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)), Until: time.Date(2024, 1, 9, 6, 30, 0, 0, time.UTC)},
			[]string{"حمله‌های پیاپی", "۴٫۲ برابر", "۲ برابر", "۱۹ دی ۱۴۰۲ ۰۶:۳۰"}},
	}
	for _, tc := range tests {
		got := faAlertTitle(tc.p)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: got %q, want it to say %q", tc.p.Template, got, w)
			}
		}
		if strings.ContainsAny(got, "0123456789") && tc.p.Template != "claim" {
			t.Errorf("%s: got %q, with Latin digits", tc.p.Template, got)
		}
	}
	if got := faAlertTitle(alert.Parts{Template: "from-a-newer-vigil"}); got != "" {
		t.Errorf("unknown template: got %q, want \"\" (shown as stored)", got)
	}
}

type alertSaver interface {
	SaveAlerts(ctx context.Context, as []store.NewAlert) ([]int64, error)
}

func TestPersianAlertInbox(t *testing.T) {
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	all := demoIncidents(t, st)
	a := newAPI(t, st)
	kerman := all[len(all)-1]
	parts := alert.Parts{Template: "contested", Date: kerman.Start, AttackType: kerman.AttackType, Place: kerman.Place, Admin1: kerman.Admin1,
		Country: kerman.Country, Killed: &model.Range{Low: 84, Best: 95, High: 103}, PrevKilled: model.Point(84, model.AtLeast), KilledChanged: true,
		Contested: []string{"killed"}, Status: model.StatusConfirmed, Sources: 3}
	det, _ := json.Marshal(map[string]any{"incident_id": kerman.ID, alert.TextKey: parts})
	at := time.Date(2024, 1, 5, 13, 0, 0, 0, time.UTC)
	if _, err := st.(alertSaver).SaveAlerts(t.Context(), []store.NewAlert{
		{Alert: store.Alert{RuleID: 1, RuleName: "old", Kind: "incident", Key: "old", At: at, Title: "Old English title", Summary: "old summary",
			Incidents: []string{kerman.ID}, Reports: []string{}, Details: json.RawMessage(`{"killed":95}`)}},
		{Alert: store.Alert{RuleID: 1, RuleName: "revisions", Kind: "revised", Key: "new", At: at.Add(time.Hour), Title: "Figures contested: …",
			Summary: "killed ≥84 → 84–103 (best 95)", Incidents: []string{kerman.ID}, Reports: []string{}, Details: det}},
	}); err != nil {
		t.Fatal(err)
	}
	var fa, en alertAnswer
	a.json(a.get("/api/alerts?lang=fa"), &fa)
	a.json(a.get("/api/alerts"), &en)
	if len(fa.Alerts) != 2 || len(en.Alerts) != 2 {
		t.Fatalf("inbox: got %d and %d alerts, want 2", len(fa.Alerts), len(en.Alerts))
	}
	nw, old := fa.Alerts[0].Display, fa.Alerts[1].Display
	if nw.Lang != "fa" || !strings.Contains(nw.Title, "ارقام مورد اختلاف شد") || !strings.Contains(nw.Summary, "کشته: دست\u200cکم ۸۴ ← ۹۵ (۸۴–۱۰۳)") ||
		!strings.Contains(nw.Summary, "اکنون مورد اختلاف: کشته") {
		t.Errorf("Persian display of a new alert: got %+v", nw)
	}
	if old.Lang != "en" || old.Title != "Old English title" || old.Summary != "old summary" {
		t.Errorf("Persian display of an old alert: got %+v, want it as stored", old)
	}
	if d := en.Alerts[0].Display; d.Lang != "en" || d.Title != "Figures contested: …" {
		t.Errorf("English display: got %+v, want the stored title", d)
	}
	if ans := a.get("/api/alerts?lang=de"); ans.status != 400 {
		t.Errorf("lang=de: got %d, want 400", ans.status)
	}
}

// BenchmarkDisplayAlertFa is the cost of writing one alert in Persian
// for the inbox (a province looked up in the gazetteer).
func BenchmarkDisplayAlertFa(b *testing.B) {
	p := alert.Parts{Template: "surge", Admin1: "Sistan and Baluchestan", Country: "IR", Count: 6, WindowDays: 7, Baseline: 1.5,
		To: model.DateOf(time.Date(2024, 1, 28, 0, 0, 0, 0, time.UTC))}
	det, _ := json.Marshal(map[string]any{alert.TextKey: p})
	it := alertItem{Alert: store.Alert{Title: "Surge…", Details: det, Incidents: []string{"a", "b"}},
		Evidence: evidence{Incidents: []evidenceIncident{{ID: "a", Start: p.To, Country: "IR", Admin1: "Kerman", Place: "Kerman", Killed: model.Point(3, model.Exact)}}}}
	for b.Loop() {
		if d := displayAlert("fa", it); d.Lang != "fa" {
			b.Fatal(d)
		}
	}
}

// FuzzDisplayAlert: whatever an alert's details hold (they are JSON
// written by any vigil, old or new), the Persian inbox shows it without
// failing: in Persian from well-formed parts, else as stored.
func FuzzDisplayAlert(f *testing.F) {
	for _, s := range []string{`{"text":{"template":"incident","date":"2024-01-03","killed":{"low":1,"best":2,"high":3}}}`,
		`{"text":{"template":"surge","count":-5,"baseline_average":0}}`, `{"text":{"template":"forecast","probability":1e308}}`,
		`{"text":{"template":"followon","until":"0001-01-01T00:00:00Z"}}`, `{"text":5}`, `null`, `{"killed":95}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, details []byte) {
		it := alertItem{Alert: store.Alert{Title: "stored", Summary: "s", Details: details, Incidents: []string{"a"}}}
		d := displayAlert("fa", it)
		switch {
		case d.Lang == "en" && (d.Title != "stored" || d.Summary != "s"):
			t.Fatalf("details %q: shown in English as %+v, want as stored", details, d)
		case d.Lang == "fa" && d.Title == "":
			t.Fatalf("details %q: an empty Persian title", details)
		case d.Lang != "en" && d.Lang != "fa":
			t.Fatalf("details %q: lang %q", details, d.Lang)
		}
	})
}
