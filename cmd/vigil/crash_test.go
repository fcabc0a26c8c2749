package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/shareddata"
)

// The import guarantee, tested the hard way: `vigil import` killed with
// SIGKILL at random moments, then run again, leaves every row stored
// exactly once, and the store whole. VIGIL_CRASH_KILLS sets how many
// kills per store (default 4; `make soak` runs many more).
func TestImportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 30,000 rows several times")
	}
	bin := buildVigil(t)
	const rows = 30000
	csvPath := filepath.Join(t.TempDir(), "gtd.csv")
	writeGTD(t, shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv"), csvPath, rows)
	kills := crashKills(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for name, fresh := range freshStores(t) {
		t.Run(name, func(t *testing.T) {
			// A first full run tells how long an import takes here, so
			// that the kills land inside the next ones.
			full := timeImport(t, bin, fresh(), csvPath)
			db := fresh()
			killed := 0
			for range kills {
				if killMidway(t, rng, full, bin, db, "import", "gtd", csvPath) {
					killed++
				}
			}
			t.Logf("%s: killed %d of %d imports mid-way (a full import takes %v)", name, killed, kills, full.Round(time.Millisecond))
			out, err := exec.Command(bin, "--db", db, "import", "gtd", csvPath).CombinedOutput()
			if err != nil {
				t.Fatalf("import after the kills: %v\n%s", err, out)
			}
			out, err = exec.Command(bin, "--db", db, "import", "gtd", csvPath).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "new 0, updated 0, unchanged 30000") {
				t.Fatalf("a further import must find everything stored: %v\n%s", err, out)
			}
			var st struct {
				Incidents, Claims, Reports int
				Rejected                   map[string]int `json:"rejected_by_source"`
			}
			out, err = exec.Command(bin, "--db", db, "stats", "--format", "json").Output()
			if err != nil || json.Unmarshal(out, &st) != nil {
				t.Fatalf("stats: %v\n%s", err, out)
			}
			if st.Incidents != rows || st.Claims != rows || st.Reports != rows || len(st.Rejected) != 0 {
				t.Errorf("after %d kills: %d incidents, %d claims, %d reports, rejected %v; want %d each and none rejected",
					killed, st.Incidents, st.Claims, st.Reports, st.Rejected, rows)
			}
			if name == "sqlite" {
				checkSQLite(t, db)
			}
		})
	}
}

func timeImport(t *testing.T, bin, db, csvPath string) time.Duration {
	t.Helper()
	start := time.Now()
	if out, err := exec.Command(bin, "--db", db, "import", "gtd", csvPath).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	return time.Since(start)
}

// writeGTD writes n rows in the GTD layout: the rows of a real GTD file
// repeated with fresh eventids.
func writeGTD(t *testing.T, in, out string, n int) {
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
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(o)
	w.Write(header)
	for i := range n {
		row := append([]string(nil), rows[i%len(rows)]...)
		row[0] = strconv.Itoa(800000000000 + i)
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
}
