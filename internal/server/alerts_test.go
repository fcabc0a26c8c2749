package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

func TestAlertInbox(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			all := demoIncidents(t, st)
			a := newAPI(t, st)

			var empty alertAnswer
			a.json(a.get("/api/alerts"), &empty)
			if empty.Alerts == nil || len(empty.Alerts) != 0 {
				t.Errorf("no alerts: got %+v, want an empty list", empty.Alerts)
			}

			// Three alerts an hour apart; the newest names an incident
			// fusion no longer holds and a report that does not exist.
			kerman := all[len(all)-1]
			reps, err := st.(interface {
				ReportIDs(ctx context.Context, ids []string) (map[string][]string, error)
			}).ReportIDs(t.Context(), []string{kerman.ID})
			if err != nil || len(reps[kerman.ID]) == 0 {
				t.Fatalf("ReportIDs(%s): %v %v", kerman.ID, reps, err)
			}
			base := time.Date(2024, 1, 5, 13, 0, 0, 0, time.UTC)
			mk := func(i int, incs, reports []string) store.NewAlert {
				return store.NewAlert{Alert: store.Alert{RuleID: 1, RuleName: "killed ≥ 10", Kind: "incident",
					Key: "k" + string(rune('a'+i)), At: base.Add(time.Duration(i) * time.Hour), Title: "alert " + string(rune('A'+i)),
					Summary: "s", Incidents: incs, Reports: reports, Details: json.RawMessage(`{"killed":95}`)}}
			}
			saver := st.(interface {
				SaveAlerts(ctx context.Context, as []store.NewAlert) ([]int64, error)
			})
			if _, err := saver.SaveAlerts(t.Context(), []store.NewAlert{
				mk(0, []string{all[0].ID}, nil),
				mk(2, []string{"i-merged-away", kerman.ID}, append(reps[kerman.ID], "no-such-report")),
				mk(1, []string{all[1].ID}, nil),
			}); err != nil {
				t.Fatal(err)
			}

			var got alertAnswer
			a.json(a.get("/api/alerts"), &got)
			var titles []string
			for _, al := range got.Alerts {
				titles = append(titles, al.Title)
			}
			if strings.Join(titles, ",") != "alert C,alert B,alert A" {
				t.Fatalf("inbox got %v, want newest first: alert C, alert B, alert A", titles)
			}
			newest := got.Alerts[0]
			ev := newest.Evidence
			if len(ev.Incidents) != 2 || !ev.Incidents[0].Missing || ev.Incidents[1].ID != kerman.ID ||
				ev.Incidents[1].Start != kerman.Start || ev.Incidents[1].Admin1 != kerman.Admin1 || ev.Incidents[1].Missing {
				t.Errorf("evidence incidents got %+v, want the missing one then %s of %s in %s", ev.Incidents, kerman.ID, kerman.Start, kerman.Admin1)
			}
			if n := len(reps[kerman.ID]); len(ev.Reports) != n+1 || ev.Reports[0].Source == "" || ev.Reports[0].SourceRef == "" ||
				ev.Reports[0].Missing || !ev.Reports[n].Missing {
				t.Errorf("evidence reports got %+v, want %d with their source and ref, then a missing one", ev.Reports, n)
			}
			if len(newest.Incidents) != 2 || len(newest.Reports) != len(reps[kerman.ID])+1 {
				t.Errorf("alert ids got %v %v, want every id kept", newest.Incidents, newest.Reports)
			}

			var one alertAnswer
			a.json(a.get("/api/alerts?limit=1"), &one)
			if len(one.Alerts) != 1 || one.Alerts[0].Title != "alert C" {
				t.Errorf("limit=1 got %+v, want the newest alert only", one.Alerts)
			}
			for _, c := range []struct{ path, want string }{
				{"/api/alerts?limit=0", "limit"},
				{"/api/alerts?limit=501", "limit"},
				{"/api/alerts?since=2024-01-01", "unknown parameter"},
			} {
				if ans := a.get(c.path); ans.status != http.StatusBadRequest || !strings.Contains(string(ans.body), c.want) {
					t.Errorf("%s: got %d %s, want 400 naming %q", c.path, ans.status, ans.body, c.want)
				}
			}
		})
	}
}

func TestWebAddress(t *testing.T) {
	for _, c := range []struct{ ref, want string }{
		{"https://www.bbc.com/news/world-middle-east-67873003", "https://www.bbc.com/news/world-middle-east-67873003"},
		{"http://irna.ir/x?id=1", "http://irna.ir/x?id=1"},
		{"201701010001", ""},
		{"javascript:alert(1)", ""},
		{"file:///etc/passwd", ""},
		{"https://", ""},
		{"/relative/path", ""},
	} {
		if got := webAddress(c.ref); got != c.want {
			t.Errorf("webAddress(%q) got %q, want %q", c.ref, got, c.want)
		}
	}
}
