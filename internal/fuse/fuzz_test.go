package fuse

import (
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

func FuzzParseAliases(f *testing.F) {
	f.Add(aliasesTSV)
	f.Add("perpetrator\tx\t-\tA|B\nplace\ty\t-\tC")
	f.Add("perpetrator\tx\ty\tA\nperpetrator\ty\tx\tB") // a cycle
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := parseAliases(s)
		if err == nil && tab == nil {
			t.Errorf("nil table without error")
		}
	})
}

// FuzzFuseReconcile feeds odd claims (zero dates, NaN-free but extreme
// coordinates, reversed ranges, odd codes) through Fuse and Reconcile:
// neither may panic, and Reconcile fails only on no claims.
func FuzzFuseReconcile(f *testing.F) {
	f.Add(2017, 6, 7, 35.7, 51.4, "Tehran", "ISIS", 17, 12, "1", "authority", 2017, 6, 9, "Teheran")
	f.Add(0, 0, 0, 0.0, 0.0, "", "", -1, 5, "", "", 1, 13, 40, "")
	f.Add(9999, 12, 31, 90.0, 180.0, "شاهچراغ", "داعش", 1<<30, 0, "x", "wire", 1, 1, 1, "(")
	f.Fuzz(func(t *testing.T, y, m, d int, lat, lon float64, place, perp string, k1, k2 int, claimant, class string, y2, m2, d2 int, place2 string) {
		mk := func(id, src string, y, m, d int, place string, k int) model.Claim {
			c := model.Claim{ID: id, ReportID: id, Source: src, Place: place, Perpetrator: perp, Country: "IR",
				DatePrecision: model.PrecisionDay, PlacePrecision: model.PlaceCity,
				Killed: &model.Range{Low: k, Best: k / 2, High: k - 1, Qualifier: model.Qualifier(class)},
				Codes:  map[string]string{CodeClaimant: claimant, CodeSourceClass: class, CodeAttackersKilled: claimant}}
			if dt, err := model.NewDate(y, time.Month(m), d); err == nil {
				c.Start, c.End = dt, dt
			}
			c.Lat, c.Lon = &lat, &lon
			return c
		}
		claims := []model.Claim{mk("a", "s1", y, m, d, place, k1), mk("b", "s2", y2, m2, d2, place2, k2), mk("c", "s1", y, m, d, place2, k2)}
		res := Fuse(claims, nil, Options{})
		if n := 0; true {
			for _, c := range res.Clusters {
				n += len(c)
			}
			if n != len(claims) {
				t.Fatalf("clusters hold %d claims, want %d", n, len(claims))
			}
		}
		ev := make([]Evidence, len(claims))
		for i, c := range claims {
			ev[i] = Evidence{Claim: c}
		}
		if _, err := Reconcile(ev, nil); err != nil {
			t.Fatalf("Reconcile: %v", err)
		}
	})
}
