package model

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPeriod(t *testing.T) {
	tests := []struct {
		y, m, d    int
		start, end string
		prec       DatePrecision
		wantErr    bool
	}{
		{2024, 1, 3, "2024-01-03", "2024-01-03", PrecisionDay, false},
		{2024, 2, 0, "2024-02-01", "2024-02-29", PrecisionMonth, false}, // leap year
		{2023, 2, 0, "2023-02-01", "2023-02-28", PrecisionMonth, false},
		{2017, 0, 0, "2017-01-01", "2017-12-31", PrecisionYear, false},
		{2017, 0, 5, "2017-01-01", "2017-12-31", PrecisionYear, false}, // a day without a month means nothing
		{2023, 2, 30, "", "", "", true},
		{2023, 13, 1, "", "", "", true},
		{0, 1, 1, "", "", "", true},
	}
	for _, tt := range tests {
		s, e, p, err := Period(tt.y, tt.m, tt.d)
		if (err != nil) != tt.wantErr {
			t.Errorf("Period(%d,%d,%d) error = %v, want error %v", tt.y, tt.m, tt.d, err, tt.wantErr)
			continue
		}
		if s.String() != tt.start || e.String() != tt.end || p != tt.prec {
			t.Errorf("Period(%d,%d,%d) = %s %s %s, want %s %s %s", tt.y, tt.m, tt.d, s, e, p, tt.start, tt.end, tt.prec)
		}
	}
}

func TestDateJSON(t *testing.T) {
	var v struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"2018-09-22"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.D != (Date{2018, time.September, 22}) {
		t.Errorf("got %v, want 2018-09-22", v.D)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"D":"2018-09-22"}` {
		t.Errorf("marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"D":"22/09/2018"}`), &v); err == nil {
		t.Error("a non-ISO date was accepted")
	}
	if d := (Date{2024, 12, 31}).AddDays(1); d.String() != "2025-01-01" {
		t.Errorf("AddDays = %s", d)
	}
	if !(Date{2017, 6, 7}).Before(Date{2018, 1, 1}) || (Date{2018, 1, 1}).Before(Date{2017, 6, 7}) {
		t.Error("Before is wrong")
	}
}

func TestRange(t *testing.T) {
	r := &Range{Low: 0, Best: 3, High: 0, Qualifier: About}
	if r.Ordered() {
		t.Error("0/3/0 reported as ordered")
	}
	if got := r.Fused(); got == r || *got != *r {
		t.Errorf("Fused must copy the range unchanged, got %+v", got)
	}
	for _, c := range []struct {
		r    *Range
		want string
	}{
		{Point(17, Exact), "17"},
		{Point(100, AtLeast), "≥100"},
		{&Range{84, 95, 103, About}, "~84–103 (best 95)"},
		{nil, ""},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
	var x Range
	if err := json.Unmarshal([]byte(`12`), &x); err != nil || x != (Range{12, 12, 12, Exact}) {
		t.Errorf("bare number: %+v %v", x, err)
	}
}

func TestTaxonomy(t *testing.T) {
	if len(AttackTypes) != 9 || len(TargetTypes) != 22 || len(WeaponTypes) != 13 {
		t.Fatalf("taxonomy sizes %d/%d/%d, want the GTD codebook's 9/22/13", len(AttackTypes), len(TargetTypes), len(WeaponTypes))
	}
	if a, _ := AttackTypeFromGTD(3); a != Bombing {
		t.Errorf("GTD attacktype 3 = %s, want bombing", a)
	}
	if _, ok := AttackTypeFromGTD(10); ok {
		t.Error("GTD attacktype 10 accepted")
	}
	if w, _ := WeaponTypeFromGTD(6); w != "explosives" {
		t.Errorf("GTD weaptype 6 = %s", w)
	}
	if tt, _ := TargetTypeFromGTD(15); tt != "religious_figures_institutions" {
		t.Errorf("GTD targtype 15 = %s", tt)
	}
	for code, want := range map[string]AttackType{"1831": Bombing, "183": Bombing, "186": Assassination, "190": ArmedAssault, "1951": Bombing, "18": UnknownAttack} {
		if got, ok := AttackTypeFromCAMEO(code); !ok || got != want {
			t.Errorf("CAMEO %s = %s, want %s", code, got, want)
		}
	}
	if _, ok := AttackTypeFromCAMEO("040"); ok {
		t.Error("CAMEO 040 (consult) mapped to an attack")
	}
	if a, ok := AttackTypeFromACLED("Suicide bomb"); !ok || a != Bombing {
		t.Errorf("ACLED suicide bomb = %s", a)
	}
	if _, ok := AttackTypeFromACLED("Peaceful protest"); ok {
		t.Error("a peaceful protest mapped to an attack")
	}
}

func TestIDs(t *testing.T) {
	if got := ReportID("acled", "IRN123", 1589232621); got != "acled:IRN123@1589232621" {
		t.Errorf("ReportID = %s", got)
	}
	if got := ClaimID("gtd:201706070002", 1); got != "gtd:201706070002#1" {
		t.Errorf("ClaimID = %s", got)
	}
	a, b := IncidentIDFor("gtd", "201706070002"), IncidentIDFor("gtd", "201706070003")
	if a == b || len(a) != 13 || a != IncidentIDFor("gtd", "201706070002") {
		t.Errorf("IncidentIDFor not stable or not distinct: %s %s", a, b)
	}
}

func TestIncidentFromClaim(t *testing.T) {
	c := Claim{ID: "x#1", Killed: &Range{1, 2, 3, About}, Country: "IR"}
	inc := IncidentFromClaim("i1", c, time.Unix(0, 0))
	if inc.Version != 1 || inc.Sources != 1 || inc.Status != StatusUnverified || len(inc.Claims) != 1 {
		t.Errorf("got %+v", inc)
	}
	inc.Killed.Best = 99
	if c.Killed.Best != 2 {
		t.Error("the incident shares its range with the claim")
	}
	if inc.ClaimedBy == nil || inc.Contested == nil {
		t.Error("claimed_by and contested must be [] not null")
	}
}
