package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/store/sqlite"
)

func TestWorkerUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	pg := "postgres://nobody@127.0.0.1:1/none"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"worker", "--db", pg}, "--nats"},
		{[]string{"worker", "--nats", "nats://127.0.0.1:1"}, "postgres://"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "--kinds", "fetch,load"}, "unknown kind"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "--concurrency", "0"}, "--concurrency"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "--backoff", "2s,soon"}, "--backoff"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "stray"}, "usage"},
		{[]string{"worker", "--db", pg, "--nats", "nats://127.0.0.1:1", "--alerts", "10ms"}, "--alerts"},
		{[]string{"worker", "submit", "--nats", "nats://127.0.0.1:1"}, "usage"},
		{[]string{"worker", "status"}, "--nats"},
	}
	for _, tt := range tests {
		_, _, err := vigil(t, db, tt.args...)
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("vigil %v: exit code %d (%v), want 2 and an error naming %q", tt.args, ExitCode(err), err, tt.want)
		}
	}
}

func TestRedactNATS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://user:secret@a:4222,nats://b:4222", "nats://***@a:4222,nats://b:4222"},
	}
	for _, tt := range tests {
		if got := redactNATS(tt.in); got != tt.want {
			t.Errorf("redactNATS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCountryStoreFusesOnePartition checks the view a fuse worker runs
// fusion on: fusing Iran's claims leaves Afghanistan's unfused, and the
// run is incremental even on a store that was never fused (a full
// re-fusion would take every country's claims).
func TestCountryStoreFusesOnePartition(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	csv := filepath.Join(dir, "acled.csv")
	var b strings.Builder
	b.WriteString("data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,timestamp,iso3\n")
	rows := []struct{ iso, id, country, admin1, place, lat, lon, iso3 string }{
		{"364", "IRN1", "Iran", "Kerman", "Kerman", "30.2656", "57.0753", "IRN"},
		{"364", "IRN2", "Iran", "Fars", "Shiraz", "29.6100", "52.5400", "IRN"},
		{"364", "IRN3", "Iran", "Tehran", "Tehran", "35.6892", "51.3890", "IRN"},
		{"4", "AFG1", "Afghanistan", "Kabul", "Kabul", "34.5553", "69.2075", "AFG"},
		{"4", "AFG2", "Afghanistan", "Kandahar", "Kandahar", "31.6289", "65.7372", "AFG"},
	}
	for i, r := range rows {
		fmt.Fprintf(&b, "%d,%s,%s,%d,0%d January 2024,2024,1,Explosions/Remote violence,Suicide bomb,Islamic State,,2,Civilians,,7,27,Middle East,%s,%s,%s,,%s,%s,%s,1,Agency,National,\"A bombing in %s.\",%d,1704300000,%s\n",
			9000001+i, r.iso, r.id, 1001+i, i+1, r.country, r.admin1, r.admin1, r.place, r.lat, r.lon, r.place, 3+i, r.iso3)
	}
	if err := os.WriteFile(csv, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	mustVigil(t, db, "import", "acled", "--no-fuse", csv)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs := newCountryStore(st, "IR")
	sum, err := fuse.Incremental(ctx, cs, fuse.RunOptions{At: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("fuse IR: %v", err)
	}
	if sum.Full || sum.Claims != 3 {
		t.Errorf("fuse IR: %+v, want 3 claims fused incrementally", sum)
	}
	left, err := st.UnfusedClaims(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var countries []string
	for _, c := range left {
		countries = append(countries, c.Claim.Country)
	}
	if got := strings.Join(countries, ","); got != "AF,AF" {
		t.Errorf("unfused after fusing IR: %s, want AF,AF", got)
	}
}

// TestImportNATSChecksFilesFirst: `vigil import --nats` names a missing
// file before it connects anywhere, and opens no store of its own.
func TestImportNATSChecksFilesFirst(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	missing := filepath.Join(t.TempDir(), "no-such.csv")
	_, _, err := vigil(t, db, "import", "acled", "--nats", "nats://127.0.0.1:1", missing)
	if err == nil || !strings.Contains(err.Error(), "no-such.csv") {
		t.Errorf("import --nats of a missing file: got %v, want an error naming it", err)
	}
	if _, serr := os.Stat(db); !os.IsNotExist(serr) {
		t.Errorf("import --nats created the store %s (%v): the workers store, not the importer", db, serr)
	}
}

// TestUnreachable: the errors a worker waits out at start (nothing
// listening, a server starting or shutting down) and those it does not.
func TestUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, refused := pgconn.Connect(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=5")
	if refused == nil {
		t.Fatal("a connection to port 1 succeeded")
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("open: %w", refused), true},
		{"starting up", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, true},
		{"shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"wrong password", &pgconn.PgError{Code: "28P01", Message: "password authentication failed"}, false},
		{"no such database", &pgconn.PgError{Code: "3D000"}, false},
		{"schema too new", errors.New("postgres store: schema version 9 is newer than this vigil"), false},
	}
	for _, tt := range tests {
		if got := unreachable(tt.err); got != tt.want {
			t.Errorf("%s (%v): got %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
