package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// aggregator is what the server needs of a store for its aggregates and
// its response cache.
type aggregator interface {
	Aggregate(ctx context.Context, f store.Filter, by []store.Dimension) ([]store.Bucket, error)
	Generation(ctx context.Context) (int64, error)
	Rows(ctx context.Context, fn func(store.Row) error) error
}

func testAggregate(t *testing.T, b Backend) {
	a, ok := b.(aggregator)
	if !ok {
		t.Fatalf("%T has no Aggregate and Generation methods", b)
	}
	ctx := context.Background()
	g0, err := a.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	filterFixture(t, b)
	g1, err := a.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g1 == g0 {
		t.Errorf("generation after an import: got %d, the same as before", g1)
	}
	// The fixture (see filterFixture): tehran 2017-06-07 IR/Tehran 18,
	// ahvaz 2018-09-22 IR/Khuzestan 25, monthly 2020-05 IR/Sistan… unknown,
	// nokill 2020-05-20 IQ/Baghdad 0, kabul 2021-08-26 AF/Kabul 183 bombing,
	// shiraz 2022-10-26 IR/FARS 13, kerman 2024-01-03 IR/Kerman 95 bombing.
	cases := []struct {
		name string
		f    store.Filter
		by   []store.Dimension
		want []store.Bucket
	}{
		{"month", store.Filter{Country: "IR"}, []store.Dimension{store.ByMonth}, []store.Bucket{
			{Period: "2017-06", Count: 1, Killed: 18}, {Period: "2018-09", Count: 1, Killed: 25},
			{Period: "2020-05", Count: 1}, {Period: "2022-10", Count: 1, Killed: 13},
			{Period: "2024-01", Count: 1, Killed: 95}}},
		{"week starts on Monday", store.Filter{Since: model.Date{Year: 2024, Month: 1, Day: 1}}, []store.Dimension{store.ByWeek},
			[]store.Bucket{{Period: "2024-01-01", Count: 1, Killed: 95}}},
		{"week of a Sunday", store.Filter{Since: model.Date{Year: 2020, Month: 5, Day: 20}, Until: model.Date{Year: 2020, Month: 5, Day: 20}, Country: "IQ"},
			[]store.Dimension{store.ByWeek}, []store.Bucket{{Period: "2020-05-18", Count: 1}}},
		{"type", store.Filter{}, []store.Dimension{store.ByType}, []store.Bucket{
			{AttackType: model.ArmedAssault, Count: 5, Killed: 56}, {AttackType: model.Bombing, Count: 2, Killed: 278}}},
		{"country", store.Filter{MinKilled: 1}, []store.Dimension{store.ByCountry}, []store.Bucket{
			{Country: "AF", Count: 1, Killed: 183}, {Country: "IR", Count: 4, Killed: 151}}},
		{"admin1 named as spelt", store.Filter{Country: "IR", Actor: "islamic state"}, []store.Dimension{store.ByAdmin1}, []store.Bucket{
			{Country: "IR", Admin1: "FARS", Count: 1, Killed: 13}, {Country: "IR", Admin1: "Kerman", Count: 1, Killed: 95},
			{Country: "IR", Admin1: "Khuzestan", Count: 1, Killed: 25}, {Country: "IR", Admin1: "Tehran", Count: 1, Killed: 18}}},
		{"actor", store.Filter{Country: "IR", Since: model.Date{Year: 2020, Month: 1, Day: 1}}, []store.Dimension{store.ByActor}, []store.Bucket{
			{Actor: "ISLAMIC STATE KHORASAN", Count: 1, Killed: 13}, {Actor: "Islamic State", Count: 1, Killed: 95},
			{Actor: "Jaish ul-Adl", Count: 1}}},
		{"month by admin1", store.Filter{AttackType: model.Bombing}, []store.Dimension{store.ByMonth, store.ByAdmin1}, []store.Bucket{
			{Period: "2021-08", Country: "AF", Admin1: "Kabul", Count: 1, Killed: 183},
			{Period: "2024-01", Country: "IR", Admin1: "Kerman", Count: 1, Killed: 95}}},
		{"cursor and limit ignored", store.Filter{Country: "AF", Limit: 1, After: "2030-01-01/x"}, []store.Dimension{store.ByType},
			[]store.Bucket{{AttackType: model.Bombing, Count: 1, Killed: 183}}},
		{"nothing selected", store.Filter{Country: "FR"}, []store.Dimension{store.ByMonth}, []store.Bucket{}},
	}
	for _, tc := range cases {
		got, err := a.Aggregate(ctx, tc.f, tc.by)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	if _, err := a.Aggregate(ctx, store.Filter{}, nil); err == nil {
		t.Errorf("no dimension: got no error")
	}
	if _, err := a.Aggregate(ctx, store.Filter{}, []store.Dimension{"planet"}); err == nil {
		t.Errorf("unknown dimension: got no error")
	}
	rows := map[string]store.Row{}
	if err := a.Rows(ctx, func(r store.Row) error {
		rows[r.ID] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 {
		t.Errorf("rows: got %d, want 7", len(rows))
	}
	wantRows := []store.Row{
		{ID: incidentOf("acled", "kerman"), Start: model.Date{Year: 2024, Month: 1, Day: 3}, End: model.Date{Year: 2024, Month: 1, Day: 3},
			Country: "IR", Admin1: "kerman", Admin1Name: "Kerman", AttackType: model.Bombing, Status: model.StatusUnverified, KilledBest: 95,
			Perpetrator: "Islamic State", Actors: "islamic state"},
		{ID: incidentOf("acled", "monthly"), Start: model.Date{Year: 2020, Month: 5, Day: 1}, End: model.Date{Year: 2020, Month: 5, Day: 31},
			Country: "IR", Admin1: "sistan and baluchestan", Admin1Name: "Sistan and Baluchestan", AttackType: model.ArmedAssault, Status: model.StatusUnverified, KilledBest: -1,
			Perpetrator: "Jaish ul-Adl", Actors: "jaish ul-adl"},
		{ID: incidentOf("gtd", "ahvaz"), Start: model.Date{Year: 2018, Month: 9, Day: 22}, End: model.Date{Year: 2018, Month: 9, Day: 22},
			Country: "IR", Admin1: "khuzestan", Admin1Name: "Khuzestan", AttackType: model.ArmedAssault, Status: model.StatusUnverified, KilledBest: 25,
			Perpetrator: "Unknown", Actors: "unknown\nislamic state\nal-ahvaziya"},
	}
	for _, want := range wantRows {
		if got := rows[want.ID]; !reflect.DeepEqual(got, want) {
			t.Errorf("row %s:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
	g2, err := a.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Reads alone move no generation (scale.go checks every read).
	if g2 != g1 {
		t.Errorf("generation after reads only: got %d, want %d", g2, g1)
	}
}
