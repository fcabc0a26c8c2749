package gazetteer

import (
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

func TestFillAdmin1(t *testing.T) {
	g := mustDefault(t)
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name                    string
		c                       model.Claim
		filled                  bool
		wantAdmin1, wantCountry string
	}{
		{"point only", model.Claim{Lat: f(30.28), Lon: f(57.08)}, true, "Kerman", "IR"},
		{"country given and agreeing", model.Claim{Country: "IR", Lat: f(31.32), Lon: f(48.68)}, true, "Khuzestan", "IR"},
		{"country given and disagreeing", model.Claim{Country: "IQ", Lat: f(31.32), Lon: f(48.68)}, false, "", "IQ"},
		{"admin1 already given", model.Claim{Admin1: "Tehran", Lat: f(30.28), Lon: f(57.08)}, false, "Tehran", ""},
		{"no coordinates", model.Claim{Country: "IR"}, false, "", "IR"},
		{"at sea", model.Claim{Lat: f(0), Lon: f(-30)}, false, "", ""},
	} {
		c := tc.c
		got := g.FillAdmin1(&c)
		if got != tc.filled || c.Admin1 != tc.wantAdmin1 || c.Country != tc.wantCountry {
			t.Errorf("%s: filled %v, admin1 %q, country %q; want %v, %q, %q", tc.name, got, c.Admin1, c.Country, tc.filled, tc.wantAdmin1, tc.wantCountry)
		}
	}
	if g.FillAdmin1(nil) {
		t.Error("FillAdmin1(nil) = true, want false")
	}
}
