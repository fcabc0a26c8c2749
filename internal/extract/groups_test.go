package extract

import "testing"

// Claims of responsibility as news words them.
func TestClaimWords(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ text, lang, claimed string }{
		{"Gunmen stormed the parliament in Tehran, killing 12 people. Islamic State took credit for the attacks.", "en", "Islamic State"},
		{"Gunmen opened fire on a military parade in Ahvaz, killing 25 people. A spokesman for the so-called Ahvaz National Resistance said the group was behind the attack.", "en", "Arab Struggle Movement for the Liberation of Ahvaz"},
		{"Iranian officials said a foreign regime was behind the attack in Ahvaz that killed 25 people.", "en", "<nil>"},
		{"مهاجمان مسلح به رژه نظامی در اهواز حمله کردند و ۲۵ نفر را به شهادت رساندند. گروه الاحوازیه مسئولیت این حمله را پذیرفت.", "fa", "Arab Struggle Movement for the Liberation of Ahvaz"},
	} {
		res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
		if len(res.Incidents) == 0 {
			t.Errorf("%q: no incident", tc.text)
			continue
		}
		if got := str(res.Incidents[0].ClaimedBy); got != tc.claimed {
			t.Errorf("%q: claimed_by %s, want %s", tc.text, got, tc.claimed)
		}
	}
}

// The target is what was attacked, not any place the text names.
func TestTargetTiedToAttack(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ text, lang, target string }{
		{"MPs of the parliament's security committee will visit Ahvaz to examine the terror attack. Scores of people were killed in a terrorist attack on a military parade in Ahvaz.", "en", "military_parade"},
		{"Iran's parliament and the mausoleum of Imam Khomeini have been targeted in simultaneous attacks in Tehran that killed 12 people.", "en", "government_building, religious_site"},
		{"نمایندگان مجلس شورای اسلامی برای بررسی حمله تروریستی به اهواز سفر می‌کنند. در حمله تروریستی به رژه نیروهای مسلح در اهواز ۲۵ نفر به شهادت رسیدند.", "fa", "military_parade"},
		{"Gunmen opened fire in Zahedan, killing 3 people near a mosque.", "en", "religious_site"},
	} {
		res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
		if len(res.Incidents) == 0 {
			t.Errorf("%q: no incident", tc.text)
			continue
		}
		if got := str(res.Incidents[0].TargetType); got != tc.target {
			t.Errorf("%q: target %s, want %s", tc.text, got, tc.target)
		}
	}
}
