package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/shareddata"
)

// jsonIncident is an incident as `incident --format json` and
// `incidents --format json --claims` print it.
type jsonIncident struct {
	ID        string       `json:"id"`
	Version   int          `json:"version"`
	Start     string       `json:"start"`
	Killed    *model.Range `json:"killed"`
	Contested []string     `json:"contested"`
	Rules     map[string]string
	Timeline  map[string][]model.FigureRevision
	Claims    []struct {
		ID     string `json:"id"`
		Source string `json:"source"`
		Ref    string `json:"ref"`
		Link   *struct {
			Probability float64 `json:"probability"`
		} `json:"link"`
	} `json:"claims"`
}

func incidentsWithClaims(t *testing.T, db string, args ...string) []jsonIncident {
	t.Helper()
	out := mustVigil(t, db, append([]string{"incidents", "--format", "json", "--claims"}, args...)...)
	var got []jsonIncident
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("incidents --claims is not a JSON array: %v\n%.300s", err, out)
	}
	return got
}

func incidentJSON(t *testing.T, db, id string) jsonIncident {
	t.Helper()
	var inc jsonIncident
	if err := json.Unmarshal([]byte(mustVigil(t, db, "incident", id, "--format", "json")), &inc); err != nil {
		t.Fatal(err)
	}
	return inc
}

// claimTableEvents imports the shared claim table and returns the
// Tehran 2017 and Ahvaz 2018 incidents.
func claimTableEvents(t *testing.T, db string) (tehran, ahvaz jsonIncident) {
	t.Helper()
	table := shareddata.Path(t, "news", "claims", "casualty_claims_tehran2017_ahvaz2018.csv")
	out := mustVigil(t, db, "import", "claims", table)
	if !strings.Contains(out, "36 claims") {
		t.Errorf("import output does not report the fusion of 36 claims:\n%s", out)
	}
	incs := incidentsWithClaims(t, db, "--country", "IR")
	if len(incs) != 2 {
		t.Fatalf("the claim table gave %d incidents, want 2 (Tehran 2017 and Ahvaz 2018)", len(incs))
	}
	for _, inc := range incs {
		switch inc.Start {
		case "2017-06-07":
			tehran = inc
		case "2018-09-22":
			ahvaz = inc
		}
	}
	if tehran.ID == "" || ahvaz.ID == "" {
		t.Fatalf("incidents on %s and %s, want 2017-06-07 and 2018-09-22", incs[0].Start, incs[1].Start)
	}
	return tehran, ahvaz
}

func TestFuseClaimTable(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			tehran, ahvaz := claimTableEvents(t, db)
			for _, tc := range []struct {
				inc     jsonIncident
				settled int // the toll the authorities settled on
			}{{tehran, 17}, {ahvaz, 25}} {
				k := tc.inc.Killed
				if k == nil || k.Low > tc.settled || k.High < tc.settled {
					t.Errorf("%s killed %v does not contain %d", tc.inc.Start, k, tc.settled)
				}
				if !slices.Contains(tc.inc.Contested, "killed") {
					t.Errorf("%s contested = %v, want killed", tc.inc.Start, tc.inc.Contested)
				}
			}
			if n := len(tehran.Claims) + len(ahvaz.Claims); n != 36 {
				t.Errorf("--claims lists %d claims, want the table's 36", n)
			}
			for _, c := range append(tehran.Claims, ahvaz.Claims...) {
				if !strings.HasPrefix(c.Source, "claims:") || !strings.HasPrefix(c.Ref, "http") {
					t.Errorf("claim %s: source %q ref %q, want the claim table and the page's URL", c.ID, c.Source, c.Ref)
				}
			}
			d := incidentJSON(t, db, tehran.ID)
			if len(d.Claims) != len(tehran.Claims) || d.Rules["killed"] == "" || len(d.Timeline["killed"]) < 10 {
				t.Errorf("incident JSON: %d claims (want %d), killed rule %q, %d killed revisions (want ≥ 10)",
					len(d.Claims), len(tehran.Claims), d.Rules["killed"], len(d.Timeline["killed"]))
			}
			links := 0
			for _, c := range d.Claims {
				if c.Link != nil {
					links++
					if c.Link.Probability < 0.9 {
						t.Errorf("claim %s joined with probability %.3f, under the threshold", c.ID, c.Link.Probability)
					}
				}
			}
			if links != len(d.Claims)-1 {
				t.Errorf("%d links for %d claims, want one per claim but the first", links, len(d.Claims))
			}
			why := mustVigil(t, db, "incident", tehran.ID, "--why")
			for _, want := range []string{"probability", "date", "same_day", "place", "first claim of the incident"} {
				if !strings.Contains(why, want) {
					t.Errorf("--why lacks %q:\n%.600s", want, why)
				}
			}
			text := mustVigil(t, db, "incident", tehran.ID)
			for _, want := range []string{"killed timeline", "rules:", "contested"} {
				if !strings.Contains(text, want) {
					t.Errorf("incident text lacks %q", want)
				}
			}
			// The one-claim incidents the import made are retired, saying where they went.
			retired := 0
			for _, c := range tehran.Claims {
				old := model.IncidentIDFor(c.Source, c.Ref)
				if old == tehran.ID {
					continue
				}
				_, _, err := vigil(t, db, "incident", old)
				if err == nil || !strings.Contains(err.Error(), "merged into "+tehran.ID) {
					t.Errorf("vigil incident %s (a retired incident) = %v, want it to say merged into %s", old, err, tehran.ID)
				}
				retired++
			}
			if retired == 0 {
				t.Error("no retired incident checked")
			}
		})
	}
}

// snapshot is the incidents of a store as claim sets with their figures:
// what must not depend on the path fusion took.
func snapshot(t *testing.T, db string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, inc := range incidentsWithClaims(t, db) {
		var ids []string
		for _, c := range inc.Claims {
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		out[strings.Join(ids, " ")] = fmt.Sprintf("killed %v contested %v", inc.Killed, inc.Contested)
	}
	return out
}

func diffSnapshots(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d incidents, want %d", what, len(got), len(want))
	}
	n := 0
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			if n++; n <= 5 {
				t.Errorf("%s: incident of claims %.120s: got %q, want %q", what, k, g, v)
			}
		}
	}
}

// TestFuseIncrementalEqualsAll imports the four shared datasets and the
// claim table one file at a time (the claim table fused incrementally
// against a store of 6,363 claims), then re-fuses everything from scratch,
// and imports the same files without fusing into a second store fused
// once: all three give the same incidents.
func TestFuseIncrementalEqualsAll(t *testing.T) {
	files := [][2]string{
		{"gtd", shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv")},
		{"acled", shareddata.Path(t, "acled", "acled_2020-04-27_to_2020-05-09_outside_middle_east.csv")},
		{"ucdp", shareddata.Path(t, "ucdp", "ged191_myanmar_bangladesh.csv")},
		{"gdelt", shareddata.Path(t, "gdelt", "20191024143000.export.CSV")},
		{"claims", shareddata.Path(t, "news", "claims", "casualty_claims_tehran2017_ahvaz2018.csv")},
	}
	others := stores(t)
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var last string
			for _, f := range files {
				last = mustVigil(t, db, "import", f[0], f[1])
			}
			if !strings.Contains(last, "fused 36 claims") || strings.Contains(last, "re-fused") {
				t.Fatalf("the claim table was not fused incrementally:\n%s", last)
			}
			incremental := snapshot(t, db)
			out := mustVigil(t, db, "fuse", "--all")
			if !strings.Contains(out, "0 versions written, 0 incidents merged") {
				t.Errorf("fuse --all after incremental fusion changed something: %s", out)
			}
			diffSnapshots(t, "fuse --all after incremental", snapshot(t, db), incremental)

			other := others[name]
			for _, f := range files {
				mustVigil(t, other, "import", "--no-fuse", f[0], f[1])
			}
			mustVigil(t, other, "fuse", "--all")
			diffSnapshots(t, "one fuse --all", snapshot(t, other), incremental)
		})
	}
}

func TestFuseCorrections(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			tehran, ahvaz := claimTableEvents(t, db)
			for _, args := range [][]string{
				{"incident", "merge", tehran.ID, ahvaz.ID},
				{"incident", "set", tehran.ID, "killed", "17"},
				{"incident", "split", tehran.ID, "--claims", tehran.Claims[0].ID},
				{"incident", "set", tehran.ID, "colour", "red", "--reason", "x"},
				{"incident", "set", tehran.ID, "killed", "many", "--reason", "x"},
			} {
				if _, _, err := vigil(t, db, args...); ExitCode(err) != 2 {
					t.Errorf("vigil %v: exit %d (%v), want 2", args, ExitCode(err), err)
				}
			}
			mustVigil(t, db, "incident", "set", tehran.ID, "killed", "17", "--reason", "the toll officials settled on", "--author", "tester")
			inc := incidentJSON(t, db, tehran.ID)
			if inc.Killed.Best != 17 || inc.Killed.Low != 17 || !strings.HasPrefix(inc.Rules["killed"], "set by tester") {
				t.Fatalf("after set: killed %v rule %q", inc.Killed, inc.Rules["killed"])
			}
			mustVigil(t, db, "incident", "merge", tehran.ID, ahvaz.ID, "--reason", "test merge", "--author", "tester")
			if _, _, err := vigil(t, db, "incident", ahvaz.ID); err == nil || !strings.Contains(err.Error(), "merged into "+tehran.ID) {
				t.Errorf("merged incident: %v, want it to say merged into %s", err, tehran.ID)
			}
			if n := len(incidentJSON(t, db, tehran.ID).Claims); n != 36 {
				t.Errorf("after merge %d claims, want 36", n)
			}
			mustVigil(t, db, "fuse", "--all")
			if got := incidentsWithClaims(t, db, "--country", "IR"); len(got) != 1 || len(got[0].Claims) != 36 {
				t.Errorf("fuse --all undid the merge: %d incidents", len(got))
			}
			args := []string{"incident", "split", tehran.ID, "--reason", "different events", "--author", "tester"}
			for _, c := range ahvaz.Claims {
				args = append(args, "--claims", c.ID)
			}
			out := mustVigil(t, db, args...)
			if !strings.Contains(out, fmt.Sprintf("split %d claims", len(ahvaz.Claims))) {
				t.Errorf("split: %s", out)
			}
			want := snapshot(t, db)
			mustVigil(t, db, "fuse", "--all")
			diffSnapshots(t, "fuse --all after split", snapshot(t, db), want)
			mustVigil(t, db, "import", "gdelt", shareddata.Path(t, "gdelt", "20191024143000.export.CSV"))
			inc = incidentJSON(t, db, tehran.ID)
			if inc.Killed.Best != 17 || len(inc.Claims) != len(tehran.Claims) {
				t.Errorf("after fuse --all and an import: killed %v, %d claims; want the analyst's 17 and %d claims",
					inc.Killed, len(inc.Claims), len(tehran.Claims))
			}
			hist := mustVigil(t, db, "incident", tehran.ID, "--history")
			for _, want := range []string{"tester", "set killed = 17", "killed: ", "merge of " + ahvaz.ID, "split: ", "created"} {
				if !strings.Contains(hist, want) {
					t.Errorf("--history lacks %q:\n%s", want, hist)
				}
			}
		})
	}
}
