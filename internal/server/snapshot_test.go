package server

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// TestSnapshotMatchesStore holds the in-memory snapshot to the stores'
// Aggregate: the same buckets, in the same order, for every dimension and
// a spread of filters, on the demo plus synthetic incidents with mixed
// spellings, unknown tolls and undated ones.
func TestSnapshotMatchesStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			loadDemo(t, st)
			ctx := context.Background()
			if err := st.EnsureSource(ctx, model.Source{Name: "gtd", Kind: model.KindDataset}); err != nil {
				t.Fatal(err)
			}
			recs := storetest.Synthetic("gtd", 1, 3000, demoTime)
			for i := range recs {
				c := &recs[i].Claim
				switch i % 11 {
				case 0:
					c.Killed = nil // unknown toll
				case 1:
					c.Start, c.End = model.Date{}, model.Date{} // undated
				case 2:
					c.Admin1 = "PROVINCE 3" // another spelling of "Province 3"
				case 3:
					c.Start, c.End = model.Date{Year: 2016, Month: 12, Day: 30}, model.Date{Year: 2017, Month: 1, Day: 2}
				}
			}
			if _, err := st.ImportBatch(ctx, recs, demoTime); err != nil {
				t.Fatal(err)
			}
			gen, err := st.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := buildSnapshot(ctx, st.(RowStore), gen)
			if err != nil {
				t.Fatal(err)
			}
			d := func(y int, m, day int) model.Date { return model.Date{Year: y, Month: timeMonth(m), Day: day} }
			filters := []store.Filter{
				{}, {Country: "IR"}, {Country: "us"}, {Country: "ZZ"}, {Admin1: "province 3"}, {Admin1: "Kerman"},
				{Actor: "group 1"}, {Actor: "islamic state"}, {Actor: "nobody"}, {AttackType: model.Bombing},
				{Status: model.StatusUnverified}, {Status: model.StatusConfirmed}, {Since: d(2017, 1, 1)}, {Until: d(2016, 12, 31)},
				{Since: d(2010, 3, 1), Until: d(2012, 8, 31)}, {MinKilled: 1}, {MinKilled: 10}, {MinKilled: 1<<31 - 1},
				{Country: "IQ", Actor: "group", Since: d(2012, 1, 1), MinKilled: 2},
			}
			var dims [][]store.Dimension
			for _, a := range store.Dimensions {
				dims = append(dims, []store.Dimension{a})
				for _, b := range store.Dimensions {
					if a != b && !((a == store.ByWeek || a == store.ByMonth) && (b == store.ByWeek || b == store.ByMonth)) {
						dims = append(dims, []store.Dimension{a, b})
					}
				}
			}
			checked := 0
			for _, f := range filters {
				for _, by := range dims {
					want, err := st.Aggregate(ctx, f, by)
					if err != nil {
						t.Fatal(err)
					}
					got, err := snap.aggregate(f, by)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%+v by %v:\n got %s\nwant %s", f, by, brief(got), brief(want))
					}
					checked++
				}
			}
			if checked < 500 {
				t.Errorf("checked %d cases, want the whole grid", checked)
			}
		})
	}
}

func brief(bs []store.Bucket) string {
	if len(bs) > 6 {
		return fmt.Sprintf("%d buckets, first %+v, last %+v", len(bs), bs[:3], bs[len(bs)-3:])
	}
	return fmt.Sprintf("%+v", bs)
}

// TestAggregatesUseSnapshot checks the wiring: once built, aggregates of
// the current generation come from the snapshot, with the store's answer.
func TestAggregatesUseSnapshot(t *testing.T) {
	st := backends(t)["sqlite"](t)
	loadDemo(t, st)
	s, err := New(st, Config{Version: "test", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	by := []store.Dimension{store.ByMonth, store.ByAdmin1}
	want, err := st.Aggregate(ctx, store.Filter{}, by)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		got, err := s.aggregate(ctx, store.Filter{}, by)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("aggregate %d: got %s, want %s", i, brief(got), brief(want))
		}
		if s.snaps.current() != nil {
			break
		}
		if i > 1000 {
			t.Fatal("no snapshot after 1000 aggregates")
		}
		waitBriefly()
	}
	if _, err := s.aggregate(ctx, store.Filter{}, by); err != nil {
		t.Fatal(err)
	}
	if got := testutilCounter(s); got < 1 {
		t.Errorf("snapshot hits: got %v, want ≥ 1", got)
	}
}

func timeMonth(m int) time.Month { return time.Month(m) }

func waitBriefly() { time.Sleep(5 * time.Millisecond) }

func testutilCounter(s *Server) float64 {
	var m dto.Metric
	if err := s.metrics.snapshotHits.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

// BenchmarkSnapshotAggregate measures the monthly-by-admin1 aggregate of
// the whole store from the snapshot (the server's hot path), on 30,000
// synthetic incidents; bench/serve.sh measures it over HTTP on 1,000,000.
func BenchmarkSnapshotAggregate(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "vigil.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.EnsureSource(ctx, model.Source{Name: "gtd", Kind: model.KindDataset}); err != nil {
		b.Fatal(err)
	}
	if _, err := st.ImportBatch(ctx, storetest.Synthetic("gtd", 1, 30000, demoTime), demoTime); err != nil {
		b.Fatal(err)
	}
	snap, err := buildSnapshot(ctx, st, 0)
	if err != nil {
		b.Fatal(err)
	}
	by := []store.Dimension{store.ByMonth, store.ByAdmin1}
	b.ResetTimer()
	for b.Loop() {
		if _, err := snap.aggregate(store.Filter{}, by); err != nil {
			b.Fatal(err)
		}
	}
}
