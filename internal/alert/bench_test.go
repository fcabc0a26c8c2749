package alert_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/store/storetest"
	"github.com/vigil-project/vigil/internal/testpg"
)

// benchRecords makes n records from reference first on, dated over the
// three years before end: twenty countries of thirty provinces, killed 0
// to 16, and one claimant each.
func benchRecords(first, n int, end model.Date, fetched time.Time) []model.Record {
	countries := []string{"US", "IQ", "AF", "PK", "IN", "NG", "PH", "SO", "YE", "SY",
		"IR", "TR", "CO", "TH", "EG", "LY", "NP", "PE", "GB", "FR"}
	rng := rand.New(rand.NewPCG(uint64(first), 1))
	recs := make([]model.Record, n)
	for i := range n {
		k := first + i
		day := end.AddDays(-rng.IntN(3 * 365))
		country, admin1 := countries[rng.IntN(len(countries))], fmt.Sprintf("Province %d", rng.IntN(30))
		killed := rng.IntN(17)
		raw := fmt.Sprintf("%d,%s,%s,%s,%d", k, day, country, admin1, killed)
		recs[i] = storetest.Record("gtd", strconv.Itoa(k), 0, raw, fetched, func(c *model.Claim) {
			c.Start, c.End, c.Country, c.Admin1, c.Place = day, day, country, admin1, admin1
			c.Killed = model.Point(killed, model.Exact)
			c.ClaimedBy = []string{fmt.Sprintf("Group %d", k%50)}
		})
	}
	return recs
}

// BenchmarkCheckAfterBatch measures evaluating one rule of every kind
// after a batch of 10,000 new claims lands in a store of 50,000
// incidents (benchRecords: three years, twenty countries of thirty
// provinces), with the alerts stored and their deliveries enqueued.
//
// storm: the claim rule follows every claimant and the incident rule
// every incident with 10 killed or more, so the batch raises about
// 14,000 alerts: the worst case for storing alerts. scoped: those two
// rules are scoped as an analyst would (one country, one group), and the
// batch raises a few hundred.
//
// It runs on SQLite, and on PostgreSQL too when VIGIL_TEST_POSTGRES names
// a server (scripts/pgtest.sh).
func BenchmarkCheckAfterBatch(b *testing.B) {
	backends := map[string]func(b *testing.B) benchStore{"sqlite": func(b *testing.B) benchStore { return openStore(b) }}
	if testpg.Available(b) {
		backends["postgres"] = func(b *testing.B) benchStore { return openPostgres(b) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := backends[name]
		if !ok {
			continue
		}
		for _, scoped := range []bool{false, true} {
			kind := "storm"
			if scoped {
				kind = "scoped"
			}
			b.Run(name+"/"+kind, func(b *testing.B) { benchCheck(b, open(b), scoped) })
		}
	}
}

// benchStore is what the benchmark uses of a store.
type benchStore interface {
	alert.Store
	ImportBatch(ctx context.Context, recs []model.Record, at time.Time) (store.BatchCounts, error)
	AddAlertRule(ctx context.Context, r store.AlertRule) (int64, error)
}

// openPostgres opens a store in a fresh database on the test server.
func openPostgres(b *testing.B) *postgres.Store {
	ctx := context.Background()
	s, err := postgres.Open(ctx, testpg.Database(b, "vigil_alert_bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.EnsureSource(ctx, storetest.GTD); err != nil {
		b.Fatal(err)
	}
	return s
}

func benchCheck(b *testing.B, s benchStore, scoped bool) {
	ctx := b.Context()
	seen := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	end := model.DateOf(seen)
	const seedN, batch = 50_000, 10_000
	for i := 0; i < seedN; i += 5000 {
		if _, err := s.ImportBatch(ctx, benchRecords(i, 5000, end, seen), seen); err != nil {
			b.Fatal(err)
		}
	}
	hooks := []string{"http://127.0.0.1:9/hook"}
	deadly, claims := alert.Spec{MinKilled: 10, Webhooks: hooks}, alert.Spec{Emails: []string{"a@example.org"}}
	if scoped {
		deadly.Country, claims.Actor = "IR", "Group 7"
	}
	addRule(b, s, "deadly", alert.KindIncident, deadly, seen)
	addRule(b, s, "revised", alert.KindRevised, alert.Spec{}, seen)
	addRule(b, s, "claims", alert.KindClaim, claims, seen)
	addRule(b, s, "surge", alert.KindSurge, alert.Spec{}, seen)
	addRule(b, s, "high", alert.KindHigh, alert.Spec{Years: 3, Level: "country"}, seen)
	addRule(b, s, "follow-on IR", alert.KindFollowOn, alert.Spec{Country: "IR", Level: "country"}, seen)
	addRule(b, s, "forecast", alert.KindForecast, alert.Spec{Threshold: 0.8}, seen)
	f := &fixedForecaster{risks: []alert.RegionRisk{{Country: "IR", Admin1: "Province 1", Probability: 0.9, Model: "test"}}}
	e := &alert.Evaluator{Store: s, Forecaster: f}
	at := seen
	var alerts int
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		at = at.Add(time.Hour)
		if _, err := s.ImportBatch(ctx, benchRecords(seedN+i*batch, batch, end, at), at); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := e.Check(ctx, at.Add(time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Skipped) > 0 {
			b.Fatalf("skipped: %v", res.Skipped)
		}
		alerts += len(res.Alerts)
	}
	b.ReportMetric(float64(alerts)/float64(b.N), "alerts/op")
}
