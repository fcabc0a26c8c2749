package extract

import (
	"context"
	"strings"
	"testing"
	"time"
)

// An article that recalls an older attack dates its own news with
// "today" or a weekday: that day must not become the attack's date, and
// no claim dated on the publication day may come of it.
func TestOlderIncidentNotDatedToday(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, pub string
		date                  string // "<nil>": no date
	}{
		{"English commemoration, today", "Families gathered in Zahedan today to remember the shoppers killed in the bombing of the old market.", "en", "2024-05-01", "<nil>"},
		{"Persian commemoration, today", "امروز مراسم یادبود قربانیان انفجار بازار قدیمی زاهدان با حضور خانواده‌ها برگزار شد.", "fa", "2024-05-01", "<nil>"},
		{"Persian commemoration, today before the verb", "مراسم سالگرد شهدای حمله تروریستی به بازار قدیمی زاهدان امروز با حضور خانواده‌ها برگزار شد.", "fa", "2024-05-01", "<nil>"},
		{"English: today belongs to the gathering", "Families of the victims of the bombing of the old market in Zahedan gathered today to remember them.", "en", "2024-05-01", "<nil>"},
		{"English: today belongs to the marking", "The anniversary of the bombing of the old market in Zahedan was marked today.", "en", "2024-05-01", "<nil>"},
		{"Persian: yesterday's attack", "سازمان ملل حمله دیروز به بازار قدیمی زاهدان را که ۲۰ کشته بر جای گذاشت محکوم کرد.", "fa", "2024-05-01", "2024-04-30"},
		{"English condemnation dated by its own day", "The United Nations on Monday condemned the bombing of a mosque in Zahedan that killed 20 worshippers.", "en", "2023-06-05", "<nil>"},
		{"a statement's day is not the attack's", "Jaish al-Adl said on Thursday that its fighters carried out the bombing in Zahedan that killed 11 border guards.", "en", "2023-03-09", "<nil>"},
		{"a condemnation's day tied to the killing", "The United Nations condemned the attack on a mosque in Zahedan, in which 29 worshippers were killed on Friday.", "en", "2023-06-05", "2023-06-02"},
		{"a possessive day", "The Secretary-General condemned Friday's bombing of a mosque in Zahedan that killed 29 worshippers.", "en", "2023-06-05", "2023-06-02"},
		{"Persian: the day before the killing", "سازمان ملل حمله به مسجدی در زاهدان را که دیروز ۲۰ نمازگزار در آن کشته شدند محکوم کرد.", "fa", "2023-06-05", "2023-06-04"},
		{"a report's today is the attack's", "A bomb exploded in a market in Quetta today, killing 9 people.", "en", "2023-03-07", "2023-03-07"},
		{"a report's day before a statement", "A bomb exploded in a market in Quetta on Tuesday, police said.", "en", "2023-03-09", "2023-03-07"},
		{"Persian report, last night", "دیشب در انفجار بمب در کویته ۹ نفر کشته شدند.", "fa", "2023-03-08", "2023-03-07"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day(tc.pub), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := str(res.Incidents[0].Date); got != tc.date {
				t.Errorf("date = %s, want %s (notes %q)", got, tc.date, res.Incidents[0].Notes)
			}
			pub, _ := time.Parse("2006-01-02", tc.pub)
			cs, err := ClaimExtractor{Gazetteer: g}.Extract(context.Background(), tc.text, tc.lang, pub)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if c.Start.String() == tc.pub && tc.date != tc.pub {
					t.Errorf("a claim dated the publication day %s, want none", tc.pub)
				}
			}
			if tc.date == "<nil>" && len(cs) != 0 {
				t.Errorf("%d claims of an undated older attack, want none", len(cs))
			}
		})
	}
}

// An older attack the text recalls without a date, but identifiably, is
// a secondary incident dated from the table of known events; one it does
// not identify is none.
func TestSecondaryKnownEvent(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, want string
	}{
		{"English", "Two bombs exploded in Kerman yesterday, killing 84 people. It was the deadliest attack since gunmen stormed the parliament in Tehran.", "en", "2017-06-07 Tehran"},
		{"Persian", "دیروز دو انفجار در کرمان ۸۴ کشته بر جای گذاشت. این مرگبارترین حمله پس از حمله تروریستی به مجلس شورای اسلامی در تهران بود.", "fa", "2017-06-07 Tehran"},
		{"not identified", "Two bombs exploded in Kerman yesterday, killing 84 people. It was the deadliest attack since a bombing in Zahedan.", "en", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2024-01-04"), Gazetteer: g})
			var got []string
			for _, inc := range res.Incidents[1:] {
				got = append(got, str(inc.Date)+" "+str(inc.City))
				if inc.DateFromText {
					t.Errorf("secondary %s: date_from_text true, want false (from the table)", str(inc.Date))
				}
			}
			if g := strings.Join(got, "; "); g != tc.want {
				t.Errorf("secondary incidents %q, want %q", g, tc.want)
			}
			if d := str(res.Incidents[0].Date); d != "2024-01-03" {
				t.Errorf("main date %s, want 2024-01-03", d)
			}
		})
	}
}

// A speaker who reports the attack is the source of an incident report,
// not a reaction to it; a speaker who condemns it is.
func TestSpeakerReports(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, date string
		report                 bool
	}{
		{"English spokesman", "A police spokesman said gunmen attacked a checkpoint in Zahedan last night, killing two policemen.", "en", "2023-03-09", true},
		{"statement that", "The IRGC said in a statement that two of its members were killed when gunmen attacked their vehicle in Saravan on Thursday.", "en", "2023-03-09", true},
		{"Persian spokesman", "سخنگوی پلیس امروز گفت مردان مسلح دیشب به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-09", true},
		{"Persian quote after a colon", "به گزارش خبرگزاری فارس، فرماندار زاهدان گفت: دیشب مردان مسلح به ایست بازرسی حمله کردند و دو مامور به شهادت رسیدند.", "fa", "2023-03-09", true},
		{"a spokesman condemning", "The spokesman of the foreign ministry condemned the attack in Zahedan that killed two policemen.", "en", "<nil>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2023-03-10"), Gazetteer: g})
			if res.IsIncidentReport != tc.report {
				t.Errorf("is_incident_report = %v, want %v (why %v)", res.IsIncidentReport, tc.report, res.Why)
			}
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := str(res.Incidents[0].Date); got != tc.date {
				t.Errorf("date = %s, want %s", got, tc.date)
			}
		})
	}
}

// A group that says its own members did the attack names the perpetrator,
// even in a claim.
func TestOwnMembers(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ text, lang, perp, claimed string }{
		{"The Islamic State group said on Thursday that two of its members carried out the twin suicide bombings in Kerman.", "en", "Islamic State", "<nil>"},
		{"جیش الظلم اعلام کرد که دو تن از اعضای این گروه به پاسگاه مرزی در سراوان حمله کردند و سه مرزبان را به شهادت رساندند.", "fa", "Jaish al-Adl", "<nil>"},
		{"Jaish al-Adl claimed responsibility for the attack on the border post in Saravan that killed three guards.", "en", "<nil>", "Jaish al-Adl"},
		{"The IRGC said its fighters killed two militants in a clash in Saravan.", "en", "IRGC", "<nil>"},
	} {
		res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
		if len(res.Incidents) == 0 {
			t.Errorf("%q: no incident", tc.text)
			continue
		}
		inc := res.Incidents[0]
		if str(inc.PerpetratorNamed) != tc.perp || str(inc.ClaimedBy) != tc.claimed {
			t.Errorf("%q: perpetrator %s claimed_by %s, want %s and %s", tc.text, str(inc.PerpetratorNamed), str(inc.ClaimedBy), tc.perp, tc.claimed)
		}
	}
}
