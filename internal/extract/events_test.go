package extract

import (
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/gazetteer"
)

// Every line of events.tsv is read, and every city is a city of the
// gazetteer in the event's country.
func TestEventsTable(t *testing.T) {
	evs, err := parseEvents(eventsTSV)
	if err != nil {
		t.Fatalf("events.tsv: %v", err)
	}
	n := 0
	for l := range strings.SplitSeq(eventsTSV, "\n") {
		if strings.TrimSpace(l) != "" && l[0] != '#' {
			n++
		}
	}
	if len(evs) != n || len(knownEvents) != n {
		t.Errorf("events read = %d (package: %d), lines = %d", len(evs), len(knownEvents), n)
	}
	g := gaz(t)
	for _, k := range evs {
		if k.city == "" {
			continue
		}
		found := false
		for _, p := range g.Lookup(k.city) {
			found = found || p.Kind == gazetteer.City && p.Country == k.country
		}
		if !found {
			t.Errorf("%s: city %q is no gazetteer city in %s", k.name, k.city, k.country)
		}
	}
	for _, bad := range []string{"2017-06-07\tIR\tTehran\tx\tparade", "2017-13-07\tIR\tTehran\tx\tparade\t-", "2017-06-07\tIRN\tTehran\tx\tparade\t-", "2017-06-07\tIR\tTehran\tx\t\t-", "2017-06-07\tIR\tTehran\tx\t|\t-", "2017-06-07\tIR\tTehran\tx\tparade\t-\tattack"} {
		if _, err := parseEvents(bad); err == nil || !strings.Contains(err.Error(), "events.tsv:1") {
			t.Errorf("parseEvents(%q) = %v, want an error naming line 1", bad, err)
		}
	}
}

// A text that names a known attack without its date gets the attack's
// date from the table, not the publication date; a new attack at the
// same place keeps its own day.
func TestKnownEvents(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, pub string
		date                  string
		report                bool
	}{
		{"English anniversary", "Families in Madrid remembered the victims of the train bombings on Monday.", "en", "2024-03-11", "2004-03-11", false},
		{"Persian sermon condemns an attack of last week", "امام جمعه حمله تروریست ها به فرماندهی انتظامی چابهار که منجر به شهادت دو نفر شد را محکوم کرد.", "fa", "2018-12-14", "2018-12-06", false},
		{"of two events in one city, the one the words name", "The bombing of the Imam Hussein mosque in Chabahar killed dozens of mourners.", "en", "2019-01-01", "2010-12-15", false},
		{"an event without a city, by country", "The Nevsky Express bombing in Russia killed 27 people.", "en", "2020-01-01", "2009-11-27", false},
		{"a new attack at a known place keeps its day", "A suicide bomber struck Kabul airport today, killing 5 people.", "en", "2025-02-01", "2025-02-01", true},
		{"a fresh report at a known place without a day is a new attack", "A suicide bomber struck Kabul airport, killing 5 people.", "en", "2025-02-01", "<nil>", true},
		{"a follow-up report days after the known event is about it", "The death toll from the bombing at Kabul airport has risen to 170.", "en", "2021-08-29", "2021-08-26", true},
		{"an event after publication is not it", "A bomb exploded at the Crocus concert hall in Moscow, killing 3 people.", "en", "2020-01-01", "<nil>", true},
		{"Persian: a written date wins over the table", "در ۲۲ مهر ۱۳۹۹ در انفجار بمب در مسجد جامع زاهدان سه نفر کشته شدند.", "fa", "2020-10-20", "2020-10-13", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day(tc.pub), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if got := str(inc.Date); got != tc.date {
				t.Errorf("date = %s, want %s (notes %q)", got, tc.date, inc.Notes)
			}
			if tc.date != "<nil>" && tc.date != tc.pub && inc.DateFromText && !strings.Contains(tc.name, "written") {
				t.Errorf("date_from_text = true, want false for a date from the table")
			}
			if res.IsIncidentReport != tc.report {
				t.Errorf("is_incident_report = %v, want %v", res.IsIncidentReport, tc.report)
			}
		})
	}
}

func FuzzParseEvents(f *testing.F) {
	f.Add(eventsTSV)
	f.Add("2017-06-07\tIR\t-\tx\ta|b\tc")
	f.Add("2017-06-07\tIR\tTehran\tx\t|\t-\r\n#\n")
	f.Fuzz(func(t *testing.T, s string) {
		evs, _ := parseEvents(s)
		for _, k := range evs {
			if len(k.date) != 10 || len(k.country) != 2 || len(k.cues) == 0 || k.cues[0].text == "" {
				t.Errorf("event %+v: want a date, a country and cues", k)
			}
		}
	})
}

// TestDaysAfterKnownEvent: "N days after <a known attack>" dates the news
// of the sentence from the table's date of that attack.
func TestDaysAfterKnownEvent(t *testing.T) {
	checkDates(t, []dateCase{
		{"three days after, a state strike", "Three days after the bombings in Kerman at the Soleimani commemoration, its security forces killed the ringleader of the cell.", "en", "", "2024-01-06"},
		{"a week after, a new attack", "A week after the bombings at the Soleimani commemoration in Kerman, gunmen attacked a police station in Kerman, killing 2 officers.", "en", "2024-01-11", "2024-01-10"},
		{"Persian days after", "سه روز پس از انفجارهای کرمان در مراسم سالگرد سلیمانی، نیروهای امنیتی سرکرده این گروه را به هلاکت رساندند.", "fa", "", "2024-01-06"},
		{"Persian weeks after", "دو هفته بعد از حمله تروریستی کرمان در گلزار شهدا، افراد مسلح به پاسگاهی در کرمان حمله کردند.", "fa", "", "2024-01-17"},
		{"no known event, no date", "Three days after the bombing in Quetta, gunmen attacked a police station in Quetta, killing 2 officers.", "en", "", "<nil>"},
		{"a written date wins", "On 5 January 2024, two days after the bombings at the Soleimani commemoration in Kerman, gunmen attacked a police station in Kerman.", "en", "", "2024-01-05"},
	})
}

// TestKnownStrikes: a state strike is dated by a strike of the table (its
// place named), never by the attack it answers; an attack is never dated
// by a strike; a strike reported long after a known one keeps its own day.
func TestKnownStrikes(t *testing.T) {
	checkDates(t, []dateCase{
		{"English strike, no publication date", "Late on Sunday the Revolutionary Guards fired missiles at Islamic State headquarters in the Deir ez-Zor region of eastern Syria.", "en", "", "2017-06-18"},
		{"Persian strike, no publication date", "سپاه پاسداران بامداد دوشنبه با حمله موشکی مقر تروریست‌های داعش در البوکمال سوریه را هدف قرار داد.", "fa", "", "2018-10-01"},
		{"a strike is not dated by the attack it answers", "The Revolutionary Guards fired missiles at Daesh positions in eastern Syria in revenge for the attack on the military parade in Ahvaz.", "en", "", "<nil>"},
		{"an attack is not dated by a strike", "A missile hit a market in Deir ez-Zor in Syria, killing 4 people.", "en", "", "<nil>"},
		{"a strike long after a known one keeps its own day", "The Revolutionary Guards fired missiles at militant positions in Idlib in Syria on Monday.", "en", "2025-03-01", "2025-02-24"},
	})
}

// dateCase is a text whose first incident must carry date (or "<nil>"),
// extracted with the publication day pub when it is not empty.
type dateCase struct{ name, text, lang, pub, date string }

func checkDates(t *testing.T, cases []dateCase) {
	t.Helper()
	g := gaz(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{Lang: tc.lang, Gazetteer: g}
			if tc.pub != "" {
				opt.Published = day(tc.pub)
			}
			res := Extract(tc.text, opt)
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := str(res.Incidents[0].Date); got != tc.date {
				t.Errorf("date = %s, want %s (notes: %s)", got, tc.date, res.Incidents[0].Notes)
			}
		})
	}
}
