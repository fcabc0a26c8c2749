package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// TestIncidentShowsPrunedBody: after a prune, an incident's page in the
// API still answers 200 with every claim whole, each marked raw_pruned
// with the prune's time (validated against the OpenAPI document), and
// the answer is not a stale cached one.
func TestIncidentShowsPrunedBody(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			p, ok := st.(interface {
				PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error)
			})
			if !ok {
				t.Fatalf("%T cannot prune", st)
			}
			a := newAPI(t, st)
			var list struct {
				Incidents []model.Incident `json:"incidents"`
			}
			a.json(a.get("/api/incidents?limit=5"), &list)
			if len(list.Incidents) == 0 {
				t.Fatal("the demo lists no incidents")
			}
			id := list.Incidents[0].ID
			var before, after incidentDetail
			a.json(a.get("/api/incidents/"+id), &before)
			for _, c := range before.Claims {
				if c.RawPruned != nil {
					t.Errorf("claim %s before any prune: raw_pruned %v", c.ID, c.RawPruned)
				}
			}
			at := demoTime.Add(100 * 24 * time.Hour)
			if c, err := p.PruneRaw(t.Context(), store.PruneOptions{Before: demoTime.Add(time.Hour), At: at}); err != nil || c.Reports == 0 {
				t.Fatalf("PruneRaw: %+v, %v; want the demo's reports", c, err)
			}
			// newAPI's server reads the generation on every request
			// (GenerationTTL 0): a prune that did not move it would get
			// the cached answer from before.
			ans := a.get("/api/incidents/" + id)
			if ans.status != 200 {
				t.Fatalf("incident %s after the prune: status %d, want 200", id, ans.status)
			}
			a.json(ans, &after)
			if len(after.Claims) != len(before.Claims) || len(after.Claims) == 0 {
				t.Fatalf("incident %s after the prune: %d claims, want the %d before", id, len(after.Claims), len(before.Claims))
			}
			if facts := a.get("/facts/" + id); facts.status != 200 || !strings.Contains(string(facts.body), "report as received removed on 14 April 2024") {
				t.Errorf("facts page of %s after the prune: status %d, want 200 and the day the body went:\n%.2000s", id, facts.status, facts.body)
			}
			for i, c := range after.Claims {
				if c.RawPruned == nil || !c.RawPruned.Equal(at) || c.Text != before.Claims[i].Text || c.ID != before.Claims[i].ID {
					t.Errorf("claim %s after the prune: raw_pruned %v, text %q; want pruned at %s and the claim as before", c.ID, c.RawPruned, c.Text, at)
				}
			}
		})
	}
}

// TestBrowserPrunedBody: the dashboard's incident page says of each
// source whose report body was pruned that it was, and when.
func TestBrowserPrunedBody(t *testing.T) {
	var id string
	b := newBrowser(t, func(st testStore) {
		incs := demoIncidents(t, st)
		id = incs[0].ID
		p := st.(interface {
			PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error)
		})
		if _, err := p.PruneRaw(t.Context(), store.PruneOptions{Before: demoTime.Add(time.Hour), At: time.Date(2024, 4, 14, 12, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	})
	b.do(t, chromedp.Navigate(b.base+"/incident/"+id))
	b.waitFor(t, "pruned source", `[...document.querySelectorAll('#sources li .pruned')].some((e) => e.textContent.includes('report as received removed on 14 Apr'))`)
}
