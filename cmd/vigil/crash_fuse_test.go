package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/shareddata"
)

// The fusion guarantee, tested the hard way: `vigil fuse` killed with
// SIGKILL at random moments, then run to the end, leaves every claim in
// exactly one incident, every incident whole (its versions numbered
// without a gap, its document the last version), and the same grouping
// of claims into incidents as a run that was never interrupted. The
// data: the GTD rows of the United States, repeated at shifted places so
// that there is work enough to interrupt, and a second account of the
// same attacks from another source (a CSV with slightly different
// figures), which fusion must join to them. VIGIL_CRASH_KILLS sets the
// kills per store (default 4).
func TestFuseSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and fuses 11,000 claims several times")
	}
	bin := buildVigil(t)
	dir := t.TempDir()
	gtdPath, wirePath, mapPath := filepath.Join(dir, "gtd.csv"), filepath.Join(dir, "wire.csv"), filepath.Join(dir, "wire.toml")
	claims := writeTwoAccounts(t, shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv"), gtdPath, wirePath, mapPath, 12)
	kills := crashKills(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	run := func(t *testing.T, db string, args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"--db", db}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("vigil %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	load := func(t *testing.T, db string) {
		run(t, db, "import", "gtd", "--no-fuse", gtdPath)
		run(t, db, "import", "csv", "--no-fuse", "--map", mapPath, wirePath)
	}
	for name, fresh := range freshStores(t) {
		t.Run(name, func(t *testing.T) {
			ref := fresh()
			load(t, ref)
			start := time.Now()
			run(t, ref, "fuse")
			full := time.Since(start)
			want := grouping(t, bin, ref)
			if len(want.groups) >= claims || len(want.groups) == 0 {
				t.Fatalf("reference: %d claims in %d incidents: fusion joined nothing, the test proves nothing", claims, len(want.groups))
			}

			db := fresh()
			load(t, db)
			killed := 0
			for range kills {
				if killMidway(t, rng, full, bin, db, "fuse") {
					killed++
				}
			}
			t.Logf("%s: killed %d of %d fusion runs mid-way (a whole run takes %v); %d claims, %d incidents",
				name, killed, kills, full.Round(time.Millisecond), claims, len(want.groups))
			run(t, db, "fuse")
			if out := run(t, db, "fuse"); !strings.Contains(out, "fused 0 claims") {
				t.Errorf("a further fuse must find nothing left to fuse:\n%s", out)
			}
			got := grouping(t, bin, db)
			if got.claims != claims {
				t.Errorf("after %d kills: %d claims in incidents, want %d, each once", killed, got.claims, claims)
			}
			if missing, extra := diffGroups(want.groups, got.groups); len(missing)+len(extra) > 0 {
				t.Errorf("after %d kills the grouping differs from an uninterrupted run: %d groups missing (e.g. %v), %d not in it (e.g. %v)",
					killed, len(missing), first(missing), len(extra), first(extra))
			}
			for _, bad := range got.broken {
				t.Errorf("incident not whole after the kills: %s", bad)
			}
		})
	}
}

// groups is what fusion made of the claims: each incident's claims, as a
// sorted list of source:ref, keyed by that list.
type groups struct {
	groups map[string]bool
	claims int
	broken []string
}

// grouping reads every incident with its claims and versions through the
// command line and checks each is whole.
func grouping(t *testing.T, bin, db string) groups {
	t.Helper()
	cmd := exec.Command(bin, "--db", db, "incidents", "--claims", "--format", "json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("incidents: %v", err)
	}
	var incs []struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
		Claims  []struct {
			Source, Ref string
		} `json:"claims"`
	}
	if err := json.Unmarshal(out, &incs); err != nil {
		t.Fatalf("incidents: %v", err)
	}
	g := groups{groups: map[string]bool{}}
	seen := map[string]string{}
	for _, inc := range incs {
		var ks []string
		for _, c := range inc.Claims {
			k := c.Source + ":" + c.Ref
			if other, ok := seen[k]; ok {
				g.broken = append(g.broken, fmt.Sprintf("claim %s in both %s and %s", k, other, inc.ID))
			}
			seen[k] = inc.ID
			ks = append(ks, k)
		}
		if len(ks) == 0 {
			g.broken = append(g.broken, inc.ID+" has no claim")
		}
		slices.Sort(ks)
		g.groups[strings.Join(ks, " ")] = true
		g.claims += len(ks)
	}
	// Versions of a sample: numbered 1..n without a gap, the incident's
	// own version the last. (All of them would take minutes through the
	// command line; the sample is spread over the store.)
	for i := 0; i < len(incs); i += max(1, len(incs)/40) {
		inc := incs[i]
		out, err := exec.Command(bin, "--db", db, "incident", inc.ID, "--history", "--format", "json").Output()
		if err != nil {
			t.Fatalf("incident %s --history: %v", inc.ID, err)
		}
		var h struct {
			Versions []struct {
				Version int `json:"version"`
			}
		}
		if err := json.Unmarshal(out, &h.Versions); err != nil {
			t.Fatalf("incident %s --history: %v\n%.300s", inc.ID, err, out)
		}
		for j, v := range h.Versions {
			if v.Version != j+1 {
				g.broken = append(g.broken, fmt.Sprintf("%s: version %d at place %d", inc.ID, v.Version, j+1))
				break
			}
		}
		if n := len(h.Versions); n == 0 || h.Versions[n-1].Version != inc.Version {
			g.broken = append(g.broken, fmt.Sprintf("%s: document at version %d, history %v", inc.ID, inc.Version, h.Versions))
		}
	}
	return g
}

func diffGroups(want, got map[string]bool) (missing, extra []string) {
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

func first(s []string) []string { return s[:min(3, len(s))] }

// writeTwoAccounts writes reps copies of the GTD file's rows (fresh
// eventids, each copy 2.5 degrees further north and in a province of its
// own, so that the copies are different attacks), and a second account
// of the rows with a known day from another source, in a CSV with its
// mapping: the same day and place, the figure one higher where there is
// one. It returns the number of rows of both.
func writeTwoAccounts(t *testing.T, in, gtdOut, wireOut, mapOut string, reps int) int {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rec)
	}
	g, err := os.Create(gtdOut)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	wf, err := os.Create(wireOut)
	if err != nil {
		t.Fatal(err)
	}
	defer wf.Close()
	gw, ww := csv.NewWriter(g), csv.NewWriter(wf)
	gw.Write(header)
	ww.Write([]string{"id", "date", "country", "province", "city", "lat", "lon", "killed", "perpetrator"})
	n := 0
	for k := range reps {
		for i, row := range rows {
			row = slices.Clone(row)
			row[0] = strconv.Itoa(800000000000 + k*100000 + i)
			if k > 0 {
				row[col["provstate"]] = fmt.Sprintf("%s %d", row[col["provstate"]], k)
				if lat, err := strconv.ParseFloat(row[col["latitude"]], 64); err == nil {
					row[col["latitude"]] = strconv.FormatFloat(lat+2.5*float64(k), 'f', 6, 64)
				}
			}
			gw.Write(row)
			n++
			y, m, d := row[col["iyear"]], row[col["imonth"]], row[col["iday"]]
			if m == "0" || d == "0" {
				continue
			}
			yi, _ := strconv.Atoi(y)
			mi, _ := strconv.Atoi(m)
			di, _ := strconv.Atoi(d)
			killed := row[col["nkill"]]
			if v, err := strconv.Atoi(killed); err == nil {
				killed = strconv.Itoa(v + 1)
			}
			ww.Write([]string{fmt.Sprintf("w%d-%d", k, i), fmt.Sprintf("%04d-%02d-%02d", yi, mi, di), "US",
				row[col["provstate"]], row[col["city"]], row[col["latitude"]], row[col["longitude"]], killed, row[col["gname"]]})
			n++
		}
	}
	gw.Flush()
	ww.Flush()
	if err := gw.Error(); err != nil {
		t.Fatal(err)
	}
	if err := ww.Error(); err != nil {
		t.Fatal(err)
	}
	mapping := `source = "wire"
title = "a second account of the same attacks"
reliability = 0.6
id = "id"
[columns]
date = "date"
country = "country"
admin1 = "province"
place = "city"
lat = "lat"
lon = "lon"
killed = "killed"
perpetrator = "perpetrator"
[dates]
formats = ["2006-01-02"]
`
	if err := os.WriteFile(mapOut, []byte(mapping), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}
