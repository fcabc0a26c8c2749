package extract

import (
	"strings"
	"testing"
)

// A coordinated attack told site by site: the total is the sum of each
// site's figure (unless the text states a larger total), and each site's
// figures stay visible.
func TestSiteTotals(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang string
		sites            int
		killed, wounded  string
		parts            string // site:killed:wounded, sorted by the text's order
	}{
		{"English, two sites, at least", "The parliament and the mausoleum of Imam Khomeini in Tehran have been targeted in simultaneous attacks. " +
			"The deputy interior minister said that 2 people have been killed at the parliament attack and over 30 others injured. " +
			"The attack on the Imam Khomeini shrine left one person killed and two others wounded.", "en",
			2, "3/3/exact", "32/_/at_least", "government_building:2/2/exact:30/_/at_least religious_site:1/1/exact:2/2/exact"},
		{"a stated total larger than the sum wins", "The parliament and the mausoleum of Imam Khomeini in Tehran have been targeted in simultaneous attacks. " +
			"Two people were killed at the parliament. One person was killed at the shrine. " +
			"The death toll from the attacks has risen to 12.", "en",
			2, "12/12/exact", "<nil>", ""},
		{"Persian, two sites", "ساختمان مجلس و حرم امام خمینی در تهران به طور همزمان مورد حمله تروریستی قرار گرفتند. " +
			"در حمله به ساختمان مجلس ۲ نفر کشته و ۳۰ نفر زخمی شدند. " +
			"در حمله به حرم امام خمینی یک نفر کشته و دو نفر زخمی شدند.", "fa",
			2, "3/3/exact", "32/32/exact", "government_building:2/2/exact:30/30/exact religious_site:1/1/exact:2/2/exact"},
		{"twin blasts told by their order", "Two explosions struck a crowd near the cemetery in Kerman on Wednesday. " +
			"The first explosion killed 60 people and the second blast killed 24 others. More than 280 people were injured.", "en",
			2, "84/84/exact", "280/_/at_least", "first blast:60/60/exact:<nil> second blast:24/24/exact:<nil>"},
		{"Persian twin blasts by their order", "دو انفجار تروریستی روز چهارشنبه در کرمان رخ داد. در انفجار اول ۶۰ نفر به شهادت رسیدند. در انفجار دوم ۲۴ نفر به شهادت رسیدند.", "fa",
			2, "84/84/exact", "<nil>", "first blast:60/60/exact:<nil> second blast:24/24/exact:<nil>"},
		{"both sites then one figure is the total", "On Wednesday, two terrorist attacks, one on the parliament in Tehran and the other on the mausoleum of Imam Khomeini, left 17 dead and 56 injured.", "en",
			2, "17/17/exact", "56/56/exact", ""},
		{"one site's figure alone is no total", "Gunmen stormed the parliament in Tehran; 2 people were killed at the parliament.", "en",
			0, "2/2/exact", "<nil>", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			gotSites := 0
			if inc.Sites != nil {
				gotSites = *inc.Sites
			}
			if gotSites != tc.sites {
				t.Errorf("sites = %d, want %d", gotSites, tc.sites)
			}
			if got := cnt(inc.Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s", got, tc.killed)
			}
			if got := cnt(inc.Wounded); got != tc.wounded {
				t.Errorf("wounded = %s, want %s", got, tc.wounded)
			}
			var parts []string
			for _, p := range inc.SiteFigures {
				parts = append(parts, p.Site+":"+cnt(p.Killed)+":"+cnt(p.Wounded))
			}
			if got := strings.Join(parts, " "); got != tc.parts {
				t.Errorf("site figures = %q, want %q", got, tc.parts)
			}
		})
	}
}
