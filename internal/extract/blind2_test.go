package extract

import "testing"

// Rules that blind set 2's misses prompted (docs/ACCURACY.md), on our own
// sentences: incendiaries, planted devices, air strikes and beatings are
// incidents told in their lead, with their attack type.
func TestIncendiariesAirStrikesBeatings(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, typ string }{
		{"a firebomb thrown", "An assailant threw a firebomb at the entrance of a bank in Zahedan. Nobody was hurt.", "facility_attack"},
		{"incendiary devices placed", "Activists claimed responsibility for placing incendiary devices at a factory in Zahedan.", "facility_attack"},
		{"an incendiary device ignited", "An incendiary device ignited at a power station in Zahedan on Monday.", "facility_attack"},
		{"setting fire", "A group said it was behind setting fire to a warehouse in Zahedan.", "facility_attack"},
		{"an air strike", "An airstrike by government forces killed three civilians in Zahedan.", "bombing"},
		{"a drone strike", "A drone strike hit a convoy near Zahedan, killing two men.", "bombing"},
		{"a planted IED", "An IED planted by militants destroyed an army truck near Zahedan, killing a soldier.", "bombing"},
		{"a lynch mob", "A lynch mob attacked a man in Zahedan, beating him badly.", "armed_assault"},
		{"a drive-by shooting", "A woman was wounded in a drive-by shooting in Zahedan.", "armed_assault"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: "en", Published: day("2023-03-10"), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if !res.IsIncidentReport {
				t.Error("is_incident_report = false, want true")
			}
			if got := res.Incidents[0].AttackType; got != tc.typ {
				t.Errorf("attack_type = %s, want %s", got, tc.typ)
			}
		})
	}
	// Words of the new rules outside an attack stay no incident.
	for _, text := range []string{
		"The company ignited a debate about prices in Tehran.",
		"Farmers planted wheat near Zahedan this spring.",
	} {
		if res := Extract(text, Options{Lang: "en", Published: day("2023-03-10"), Gazetteer: g}); len(res.Incidents) != 0 || res.IsIncidentReport {
			t.Errorf("%q: %d incidents, report %v; want none", text, len(res.Incidents), res.IsIncidentReport)
		}
	}
}

// A numeric date whose day and month could be either is read month first
// only when the incident's place is in the US, as the US writes dates.
func TestMonthFirstInTheUS(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, want string }{
		{"US place", "07/04/2016: A bomb exploded outside a bank in Houston, Texas, United States.", "2016-07-04"},
		{"US place, day above 12 still read", "05/20/2012: A bomb exploded outside a bank in Houston, Texas, United States.", "2012-05-20"},
		{"elsewhere unread", "07/04/2016: A bomb exploded outside a bank in Zahedan, Iran.", ""},
		{"elsewhere day first when told", "20/05/2012: A bomb exploded outside a bank in Zahedan, Iran.", "2012-05-20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: "en", Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			got := ""
			if res.Incidents[0].Date != nil {
				got = *res.Incidents[0].Date
			}
			if got != tc.want {
				t.Errorf("date = %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		s          string
		monthFirst bool
		want       string
	}{
		{"07/04/2016", true, "2016-07-04"},
		{"07/04/2016", false, ""},
		{"13/04/2016", true, "2016-04-13"},
	} {
		pd, err := ParseDateWith(tc.s, DateOptions{MonthFirst: tc.monthFirst})
		got := ""
		if err == nil {
			got = pd.Start.String()
		}
		if got != tc.want {
			t.Errorf("ParseDateWith(%q, MonthFirst %v) = %q (%v), want %q", tc.s, tc.monthFirst, got, err, tc.want)
		}
	}
}

// Target types beyond the seven of the Iranian corpus, named after the GTD
// codebook's types: counted only when tied to the attack, and only when no
// specific target (a parade, a shrine) was named.
func TestBroadTargetTypes(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, want string }{
		{"a business set on fire", "An assailant set fire to a business in Zahedan overnight.", "en", "business"},
		{"a power station", "An incendiary device ignited at a power station in Zahedan on Monday.", "en", "utilities"},
		{"a school attacked", "Gunmen attacked a school in Zahedan, wounding two guards.", "en", "educational_institution"},
		{"a newspaper", "A bomb exploded at a newspaper office in Zahedan, injuring a guard.", "en", "journalists_media"},
		{"civilians killed", "An airstrike killed two women in a village near Zahedan.", "en", "private_citizens_property"},
		{"a man shot", "A man was killed in a drive-by shooting in Zahedan.", "en", "private_citizens_property"},
		{"an opposition leader's home", "Gunmen attacked the home of an opposition leader in Zahedan.", "en", "government_general"},
		{"a bank, Persian", "افراد مسلح به یک بانک در زاهدان حمله کردند و دو نگهبان زخمی شدند.", "fa", "business"},
		{"a school, Persian", "افراد مسلح به یک مدرسه در زاهدان حمله کردند.", "fa", "educational_institution"},
		{"a specific target first", "Gunmen opened fire on a military parade in Ahvaz, killing soldiers, women and children.", "en", "military_parade"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2023-03-10"), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			got := ""
			if res.Incidents[0].TargetType != nil {
				got = *res.Incidents[0].TargetType
			}
			if got != tc.want {
				t.Errorf("target_type = %q, want %q", got, tc.want)
			}
		})
	}
	// A broad word not tied to the attack is no target.
	res := Extract("A bomb exploded in Zahedan, killing three. The wounded were taken to a hospital.", Options{Lang: "en", Gazetteer: g})
	if len(res.Incidents) == 0 {
		t.Fatal("hospital: no incident")
	}
	if tt := res.Incidents[0].TargetType; tt != nil {
		t.Errorf("hospital: target_type = %q, want none", *tt)
	}
	for _, tc := range []struct {
		word string
		want string
	}{{"religious_site", "religious_figures_institutions"}, {"business", "business"}, {"military_parade", "military"}} {
		if got, ok := TargetTypeGTD(tc.word); !ok || string(got) != tc.want {
			t.Errorf("TargetTypeGTD(%q) = %q, %v; want %q", tc.word, got, ok, tc.want)
		}
	}
	if _, ok := TargetTypeGTD("parade ground"); ok {
		t.Error(`TargetTypeGTD("parade ground") ok, want not`)
	}
}

// An admin-1 region outside Iran is read when the text places it: by its
// kind word, as the last element of a chain whose first place is unknown,
// or in the country the sentence names; a region after a known city
// leaves the city read.
func TestRegionInContext(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, city, admin1, country string }{
		{"chain with an unknown village", "An airstrike killed two men in Qaryat Zzyx district, Balkh, on Monday.", "", "Balkh", "AF"},
		{"in brackets", "A mob attacked a man in Zzyxville (Wakiso district), beating him.", "", "Wakiso", "UG"},
		{"unknown town, state", "An assailant set fire to a business in Zzyxville, Wisconsin.", "", "Wisconsin", "US"},
		{"kind word before a namesake city", "A bomb exploded in Ghazni district, killing two soldiers.", "", "Ghazni", "AF"},
		{"a known city keeps the region as its own", "Gunmen shot two men in Hermosillo, Sonora, killing one.", "Hermosillo", "Sonora", "MX"},
		{"a bare region name is not read", "Gunmen shot two men near Balkh, killing one.", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: "en", Published: day("2020-05-05"), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			str := func(p *string) string {
				if p == nil {
					return ""
				}
				return *p
			}
			if got := str(inc.City); got != tc.city {
				t.Errorf("city = %q, want %q", got, tc.city)
			}
			if got := str(inc.Admin1); got != tc.admin1 {
				t.Errorf("admin1 = %q, want %q", got, tc.admin1)
			}
			if got := str(inc.Country); got != tc.country {
				t.Errorf("country = %q, want %q", got, tc.country)
			}
		})
	}
}
