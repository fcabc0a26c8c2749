package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/storetest"
	"github.com/vigil-project/vigil/internal/testpg"
)

// vigil runs one command in-process and returns its stdout, stderr and error.
func vigil(t *testing.T, db string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "VIGIL_DB" {
				return db
			}
			return ""
		},
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	err := Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

func mustVigil(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, stderr, err := vigil(t, db, args...)
	if err != nil {
		t.Fatalf("vigil %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// stores returns a fresh SQLite file and, when a PostgreSQL server is
// given in VIGIL_TEST_POSTGRES, a fresh database on it: the same command
// line tests run on both.
func stores(t *testing.T) map[string]string {
	t.Helper()
	dbs := map[string]string{"sqlite": filepath.Join(t.TempDir(), "vigil.db")}
	if testpg.Available(t) {
		dbs["postgres"] = testpg.Database(t, "vigil_cli")
	}
	return dbs
}

// seedSynthetic stores n synthetic GTD incidents, first seen on
// 2026-01-01, in the store at db, for the alert tests to raise alerts on.
func seedSynthetic(t *testing.T, db string, n int) {
	t.Helper()
	ctx := t.Context()
	s, err := openStore(ctx, db)
	if err != nil {
		t.Fatalf("open %s: %v", db, err)
	}
	defer s.Close()
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if _, err := s.ImportBatch(ctx, storetest.Synthetic("gtd", 0, n, seen), seen); err != nil {
		t.Fatalf("seed %d incidents: %v", n, err)
	}
}

func statsOf(t *testing.T, db string) store.Stats {
	t.Helper()
	var s store.Stats
	if err := json.Unmarshal([]byte(mustVigil(t, db, "stats", "--format", "json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func incidentsJSON(t *testing.T, db string, args ...string) []map[string]any {
	t.Helper()
	out := mustVigil(t, db, append([]string{"incidents", "--format", "json"}, args...)...)
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("incidents --format json is not a JSON array: %v\n%.300s", err, out)
	}
	return got
}

func TestImportGTDTwice(t *testing.T) {
	gtd := shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv")
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := vigil(t, db, "import", "gtd", gtd)
			if err != nil {
				t.Fatal(err)
			}
			if stderr != "" {
				t.Errorf("stderr is not a terminal, yet the import wrote to it: %q", stderr)
			}
			if !strings.Contains(out, "read 475, new 475, updated 0, unchanged 0, rejected 0") {
				t.Errorf("first import summary = %q, want read 475, new 475", out)
			}
			out = mustVigil(t, db, "import", "gtd", gtd)
			if !strings.Contains(out, "read 475, new 0, updated 0, unchanged 475, rejected 0") {
				t.Errorf("second import summary = %q, want 0 new, 475 unchanged", out)
			}
			s := statsOf(t, db)
			if s.Incidents != 475 || s.Claims != 475 || s.ReportsBySource["gtd"] != 475 {
				t.Errorf("stats = %+v, want 475 incidents, claims and gtd reports", s)
			}
			if got := incidentsJSON(t, db, "--country", "US", "--since", "2017-01-01"); len(got) == 0 {
				t.Error("no US incidents since 2017")
			} else {
				for _, inc := range got {
					if inc["country"] != "US" || inc["start"].(string) < "2017-01-01" && inc["end"].(string) < "2017-01-01" {
						t.Errorf("incident outside the filter: %v %v", inc["country"], inc["start"])
					}
				}
			}
		})
	}
}

func TestWrongKind(t *testing.T) {
	acled := filepath.Join("testdata", "acled_v1.csv")
	db := filepath.Join(t.TempDir(), "v.db")
	_, _, err := vigil(t, db, "import", "gtd", acled)
	if err == nil || ExitCode(err) != 1 {
		t.Fatalf("import gtd of an ACLED file: err = %v, want a failure with exit code 1", err)
	}
	for _, col := range []string{"eventid", "iyear", "nkill"} {
		if !strings.Contains(err.Error(), col) {
			t.Errorf("error %q does not name the expected column %s", err, col)
		}
	}
	if s := statsOf(t, db); s.Incidents != 0 {
		t.Errorf("a refused file stored %d incidents", s.Incidents)
	}
}

func TestACLEDUpdateInPlace(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			out := mustVigil(t, db, "import", "acled", "testdata/acled_v1.csv")
			if !strings.Contains(out, "new 2, updated 0, unchanged 0") {
				t.Errorf("v1: %s", out)
			}
			out = mustVigil(t, db, "import", "acled", "testdata/acled_v2.csv")
			if !strings.Contains(out, "new 0, updated 1, unchanged 1") {
				t.Errorf("v2 (one row edited with a newer timestamp): %s", out)
			}
			out = mustVigil(t, db, "import", "acled", "testdata/acled_v0.csv")
			if !strings.Contains(out, "new 0, updated 0, unchanged 1") {
				t.Errorf("v0 (an older revision): %s", out)
			}
			incs := incidentsJSON(t, db, "--admin1", "Kerman")
			if len(incs) != 1 {
				t.Fatalf("got %d Kerman incidents, want 1 (an update must not add a duplicate)", len(incs))
			}
			k := incs[0]["killed"].(map[string]any)
			// v1 import, v2 fusion, v3 the update, v4 its fusion.
			if k["best"] != 95.0 || incs[0]["version"] != 4.0 {
				t.Errorf("after the update killed = %v version = %v, want best 95 in version 4", k, incs[0]["version"])
			}
			id := incs[0]["id"].(string)
			var d struct {
				ClaimDetails []store.StoredClaim `json:"claim_details"`
				Versions     []store.Version     `json:"versions"`
			}
			if err := json.Unmarshal([]byte(mustVigil(t, db, "incident", id, "--format", "json")), &d); err != nil {
				t.Fatal(err)
			}
			if len(d.ClaimDetails) != 2 || len(d.Versions) != 4 {
				t.Fatalf("incident has %d claims and %d versions, want 2 and 4 (history kept)", len(d.ClaimDetails), len(d.Versions))
			}
			var authors []string
			for _, v := range d.Versions {
				authors = append(authors, v.Author)
			}
			if got := strings.Join(authors, ","); got != "import,fuse,import,fuse" {
				t.Errorf("version authors = %s, want import,fuse,import,fuse", got)
			}
			if d.ClaimDetails[0].SupersededBy == "" || d.ClaimDetails[0].Killed.Best != 84 {
				t.Errorf("first claim = %+v, want the 84 figure, superseded", d.ClaimDetails[0])
			}
			text := mustVigil(t, db, "incident", id)
			for _, want := range []string{"killed", "95", "acled_v1.csv:2", "superseded", "v4"} {
				if !strings.Contains(text, want) {
					t.Errorf("incident text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

func TestRejectedRowsAndStrict(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	_, _, err := vigil(t, db, "import", "acled", "--strict", "testdata/acled_bad.csv")
	if err == nil || ExitCode(err) != 1 {
		t.Fatalf("--strict with bad rows: err = %v, want exit 1", err)
	}
	if s := statsOf(t, db); s.Incidents != 0 {
		t.Fatalf("--strict stored %d incidents, want none", s.Incidents)
	}
	out, _, err := vigil(t, db, "import", "acled", "testdata/acled_bad.csv")
	if err != nil {
		t.Fatalf("rejected rows must not fail an import without --strict: %v", err)
	}
	for _, want := range []string{"read 3, new 1", "rejected 2", "acled_bad.csv:3: fatalities", "acled_bad.csv:4"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	s := statsOf(t, db)
	if s.Incidents != 1 || s.RejectedBySource["acled"] != 2 {
		t.Errorf("stats = %+v, want 1 incident and 2 acled rejections", s)
	}
	out = mustVigil(t, db, "rejections")
	if !strings.Contains(out, "acled_bad.csv:3: fatalities") {
		t.Errorf("rejections = %s", out)
	}
}

func TestDemo(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			out := mustVigil(t, db, "demo")
			if !strings.Contains(out, "rejected 0") || !strings.Contains(out, "Kerman") {
				t.Errorf("demo output:\n%s", out)
			}
			incs := incidentsJSON(t, db, "--country", "IR", "--since", "2017-01-01", "--actor", "islamic state")
			if len(incs) < 6 {
				t.Fatalf("demo has %d Islamic State incidents in Iran, want at least 6 (Tehran ×2, Ahvaz, Shah Cheragh ×2, Kerman)", len(incs))
			}
			var kerman map[string]any
			for _, inc := range incs {
				if inc["start"] == "2024-01-03" {
					kerman = inc
				}
			}
			if kerman == nil {
				t.Fatal("no incident on 2024-01-03")
			}
			k := kerman["killed"].(map[string]any)
			if k["low"] != 84.0 || k["best"] != 95.0 || k["high"] != 103.0 {
				t.Errorf("Kerman killed = %v, want 84/95/103", k)
			}
			out = mustVigil(t, db, "demo")
			if !strings.Contains(out, "new 0") {
				t.Errorf("second demo import must add nothing:\n%s", out)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	mustVigil(t, db, "demo")
	csvOut := mustVigil(t, db, "incidents", "--format", "csv")
	if !strings.HasPrefix(csvOut, "id,version,status,start,end") {
		t.Errorf("csv header: %.80s", csvOut)
	}
	geo := mustVigil(t, db, "incidents", "--format", "geojson")
	var fc struct {
		Type     string
		Features []json.RawMessage
	}
	if err := json.Unmarshal([]byte(geo), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
		t.Errorf("geojson: %v %s %d", err, fc.Type, len(fc.Features))
	}
	table := mustVigil(t, db, "incidents", "--limit", "3")
	if lines := strings.Count(table, "\n"); lines != 4 {
		t.Errorf("table with --limit 3 has %d lines, want header + 3:\n%s", lines, table)
	}
}

func TestUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"import"},
		{"import", "xyz", "f.csv"},
		{"import", "csv", "f.csv"},
		{"incidents", "--format", "xml"},
		{"incidents", "--since", "yesterday"},
		{"incidents", "--country", "Atlantis"},
		{"incidents", "--type", "arson"},
		{"incident"},
	} {
		_, _, err := vigil(t, db, args...)
		if ExitCode(err) != 2 {
			t.Errorf("vigil %v: exit code %d (%v), want 2", args, ExitCode(err), err)
		}
	}
	_, _, err := vigil(t, db, "incident", "i000000000000")
	if err == nil || ExitCode(err) != 1 || !strings.Contains(err.Error(), "no such incident") {
		t.Errorf("unknown incident: %v", err)
	}
	var ue *UsageError
	if _, _, err := vigil(t, db, "incidents", "extra"); !errors.As(err, &ue) {
		t.Errorf("a stray argument: %v, want a usage error", err)
	}
}

// TestGeoJSONReadByOGR checks the GeoJSON export with GDAL's ogrinfo, the
// library QGIS reads files through.
func TestGeoJSONReadByOGR(t *testing.T) {
	ogr, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo not installed in CI: scripts/test.sh installs gdal-bin")
		}
		t.Skip("ogrinfo not installed (apt-get install gdal-bin, or run make test)")
	}
	db := filepath.Join(t.TempDir(), "v.db")
	mustVigil(t, db, "demo")
	path := filepath.Join(t.TempDir(), "incidents.geojson")
	geo, stderr, err := vigil(t, db, "incidents", "--format", "geojson")
	if err != nil {
		t.Fatal(err, stderr)
	}
	if err := os.WriteFile(path, []byte(geo), 0o644); err != nil {
		t.Fatal(err)
	}
	var fc struct{ Features []json.RawMessage }
	if err := json.Unmarshal([]byte(geo), &fc); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ogr, "-ro", "-al", "-so", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Geometry: Point", fmt.Sprintf("Feature Count: %d", len(fc.Features)), "killed", "attack_type"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
		}
	}
}

func TestAnalyze(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	mustVigil(t, db, "demo")
	var tempo struct {
		N        int
		Sentence string
	}
	out := mustVigil(t, db, "analyze", "tempo", "--country", "IR", "--actor", "Islamic State", "--format", "json")
	if err := json.Unmarshal([]byte(out), &tempo); err != nil {
		t.Fatal(err)
	}
	if tempo.N != 6 || !strings.Contains(tempo.Sentence, "n = 6") {
		t.Errorf("tempo of the demo's Islamic State attacks: n = %d, sentence %q; want n = 6", tempo.N, tempo.Sentence)
	}
	out = mustVigil(t, db, "analyze", "severity", "--country", "IR")
	if !strings.Contains(out, "n = 11") && !strings.Contains(out, "11 incidents") {
		t.Errorf("severity text does not give the sample size:\n%.400s", out)
	}

	vals := filepath.Join(t.TempDir(), "v.txt")
	os.WriteFile(vals, []byte("1\n2\n# comment\nthree\n"), 0o644)
	_, _, err := vigil(t, db, "analyze", "tail", "--values", vals)
	if err == nil || !strings.Contains(err.Error(), "v.txt:4") {
		t.Errorf("a bad number: err = %v, want one naming v.txt:4", err)
	}
	// stelfi's published Hawkes example, fitted on its window [0, t_n]
	// (internal/analyze/testdata/hawkes_ref/SOURCE.md): μ 0.4112733,
	// α 1.4453096, β 1.7225179; on the default window (first to last
	// event) the fit differs.
	ref := filepath.Join("..", "analyze", "testdata", "hawkes_ref", "stelfi_sim654.txt")
	var hk struct {
		N               int
		T0, T1          float64
		Mu, Alpha, Beta float64
		BranchingRatio  float64 `json:"branching_ratio"`
	}
	if err := json.Unmarshal([]byte(mustVigil(t, db, "analyze", "hawkes", "--times", ref, "--start", "0", "--format", "json")), &hk); err != nil {
		t.Fatal(err)
	}
	if hk.N != 72 || hk.T0 != 0 || hk.T1 != 39.957944108743604 || math.Abs(hk.Mu-0.4112733) > 1e-6 ||
		math.Abs(hk.Alpha-1.4453096) > 1e-6 || math.Abs(hk.Beta-1.7225179) > 2e-6 {
		t.Errorf("hawkes --times --start 0: got %+v, want stelfi's published μ 0.4112733 α 1.4453096 β 1.7225179 on [0, 39.958]", hk)
	}
	if err := json.Unmarshal([]byte(mustVigil(t, db, "analyze", "hawkes", "--times", ref, "--format", "json")), &hk); err != nil {
		t.Fatal(err)
	}
	if hk.T0 != 2.9963980587940466 || math.Abs(hk.Mu-0.4112733) < 1e-3 {
		t.Errorf("hawkes --times (first to last event): got %+v, want the window to start at the first event", hk)
	}
	if _, _, err := vigil(t, db, "analyze", "astrology"); ExitCode(err) != 2 {
		t.Errorf("unknown analysis: exit %d, want 2", ExitCode(err))
	}
}

func TestImportClaimTable(t *testing.T) {
	table := shareddata.Path(t, "news", "claims", "casualty_claims_tehran2017_ahvaz2018.csv")
	db := filepath.Join(t.TempDir(), "v.db")
	out := mustVigil(t, db, "import", "claims", table)
	if !strings.Contains(out, "read 36, new 36") || !strings.Contains(out, "rejected 0") {
		t.Errorf("claim table import: %s", out)
	}
	if out := mustVigil(t, db, "import", "claims", table); !strings.Contains(out, "new 0, updated 0, unchanged 36") {
		t.Errorf("re-import of the claim table: %s", out)
	}
	if n := len(incidentsJSON(t, db, "--country", "IR", "--since", "2018-09-22", "--until", "2018-09-22")); n == 0 {
		t.Error("no Ahvaz claims listed on 2018-09-22")
	}
}
