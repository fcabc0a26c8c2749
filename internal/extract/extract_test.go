package extract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/actors"
	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

func gaz(tb testing.TB) *gazetteer.Gazetteer {
	tb.Helper()
	g, err := gazetteer.Default()
	if err != nil {
		tb.Fatalf("gazetteer: %v", err)
	}
	return g
}

func day(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func cnt(c *Count) string {
	if c == nil {
		return "<nil>"
	}
	f := func(p *int) string {
		if p == nil {
			return "_"
		}
		return fmt.Sprint(*p)
	}
	return f(c.Low) + "/" + f(c.High) + "/" + c.Qualifier
}

// want lists the fields a case checks; "" skips a field.
type want struct {
	report                      bool
	date, prec, city, admin1    string
	country, attack, target     string
	killed, wounded, combined   string
	claimed, perpetrator, sites string
	suicide                     string
}

func TestExtract(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang string
		pub              string
		w                want
	}{
		{"first report, weekday against publication", "SHIRAZ – A gunman opened fire at the Shah Cheragh shrine in the southern city of Shiraz on Sunday evening, killing two people and wounding seven others.", "en", "2023-08-14",
			want{report: true, date: "2023-08-13", prec: "day", city: "Shiraz", admin1: "Fars", country: "IR", attack: "armed_assault", target: "religious_site", killed: "2/2/exact", wounded: "7/7/exact", suicide: "false"}},
		{"yesterday", "Two bombs exploded yesterday in Kerman, killing 84 people.", "en", "2024-01-04",
			want{report: true, date: "2024-01-03", city: "Kerman", admin1: "Kerman", attack: "bombing", killed: "84/84/exact", sites: "2"}},
		{"last night", "Gunmen attacked a police station in Zahedan last night; three policemen were killed.", "en", "2023-03-10",
			want{report: true, date: "2023-03-09", target: "police", killed: "3/3/exact"}},
		{"Persian yesterday", "دیروز در حمله تروریستی به پاسگاه پلیس در زاهدان سه نفر کشته شدند.", "fa", "2023-03-10",
			want{report: true, date: "2023-03-09", city: "Zahedan", admin1: "Sistan and Baluchestan", killed: "3/3/exact"}},
		{"Solar Hijri numeric date", "انفجار در کرمان در تاریخ ۱۴۰۲/۱۰/۱۳ به کشته شدن ۸۴ نفر انجامید.", "fa", "",
			want{report: true, date: "2024-01-03", prec: "day", city: "Kerman", attack: "bombing", killed: "84/84/exact"}},
		{"Solar Hijri ISO-like date", "The attack of 1402-10-13 in Kerman killed 95 people.", "en", "",
			want{report: true, date: "2024-01-03", prec: "day", killed: "95/95/exact"}},
		{"Persian month name", "در انفجار روز ۱۳ دی ۱۴۰۲ در کرمان ۹۵ نفر به شهادت رسیدند.", "fa", "",
			want{report: true, date: "2024-01-03", prec: "day", killed: "95/95/exact"}},
		{"bare Solar Hijri year", "The families remembered the border guards killed in an attack in Saravan in 1401.", "en", "",
			want{report: false, date: "2022-03-21", prec: "year", city: "Sarāvān"}},
		{"Gregorian date with year", "On January 3, 2024, twin explosions in Kerman killed at least 84 people and wounded 284.", "en", "",
			want{report: true, date: "2024-01-03", killed: "84/_/at_least", wounded: "284/284/exact", sites: "2"}},
		{"Persian number words", "در این حمله بیست و نه نفر کشته و شصت نفر زخمی شدند و مهاجمان در اهواز دستگیر شدند.", "fa", "",
			want{report: true, city: "Ahvaz", admin1: "Khuzestan", killed: "29/29/exact", wounded: "60/60/exact"}},
		{"Arabic-Indic digits and Arabic letters", "در حمله تروريستي در شيراز ٢٩ نفر كشته شدند.", "fa", "",
			want{report: true, city: "Shiraz", killed: "29/29/exact"}},
		{"English number words", "Twenty-nine people were martyred in the terrorist attack on the military parade in Ahvaz.", "en", "",
			want{report: true, city: "Ahvaz", target: "military_parade", killed: "29/29/exact"}},
		{"combined figure kept apart", "At least 70 people were killed or injured when a bomb exploded in Quetta.", "en", "",
			want{report: true, city: "Quetta", country: "PK", killed: "_/_/none", combined: "70/_/at_least"}},
		{"attackers excluded", "Gunmen stormed the parliament in Tehran; four attackers were killed by security forces.", "en", "",
			want{report: true, city: "Tehran", target: "government_building", killed: "_/_/none"}},
		{"claim by Daesh", "Daesh claimed responsibility for the twin suicide bombings in Kerman that killed 95 people.", "en", "",
			want{report: true, claimed: "Islamic State", sites: "2", suicide: "true"}},
		{"claim by the Khorasan branch", "ISKP claimed responsibility for the dual blasts in Kerman.", "en", "",
			want{claimed: "Islamic State Khorasan Province", sites: "2"}},
		{"Persian claim", "داعش مسئولیت دو انفجار تروریستی در کرمان را بر عهده گرفت.", "fa", "",
			want{claimed: "Islamic State", sites: "2", attack: "bombing"}},
		{"condemnation is no report", "The United Nations on Monday condemned the attack on a mosque in Zahedan, in which 29 worshippers were killed on Friday.", "en", "2023-06-05",
			want{report: false, date: "2023-06-02", killed: "29/29/exact"}},
		{"statement date is not the attack's", "Jaish al-Adl said on Thursday that its fighters carried out the bombing in Zahedan on Tuesday that killed 11 border guards.", "en", "2023-03-09",
			want{report: true, date: "2023-03-07", city: "Zahedan", killed: "11/11/exact", attack: "bombing"}},
		{"Persian toll after the noun", "تعداد شهدای حمله تروریستی در شیراز به ۱۵ نفر رسید.", "fa", "",
			want{report: true, city: "Shiraz", killed: "15/15/exact"}},
		{"Persian article 'یک' is no count", "هفت نفر در حمله مسلحانه به یک مسجد در کابل کشته شدند.", "fa", "",
			want{report: true, city: "Kabul", country: "AF", killed: "7/7/exact", target: "religious_site"}},
		{"casualty update is a report", "The death toll from Wednesday's twin bombings in Kerman has risen to 95, the health minister said.", "en", "2024-01-05",
			want{report: true, date: "2024-01-03", killed: "95/95/exact", sites: "2"}},
		{"two days ago", "Two days ago a bomb exploded at a market in Quetta, killing 9 people.", "en", "2023-03-09",
			want{report: true, date: "2023-03-07", city: "Quetta", killed: "9/9/exact"}},
		{"Persian روز گذشته", "روز گذشته در انفجار بمب در کرمانشاه ۴ نفر کشته شدند.", "fa", "2023-03-09",
			want{report: true, date: "2023-03-08", city: "Kermanshah", killed: "4/4/exact"}},
		{"Persian day and month without a year", "در حمله مسلحانه روز ۲۲ مرداد به حرم شاهچراغ در شیراز دو نفر به شهادت رسیدند.", "fa", "2023-08-20",
			want{report: true, date: "2023-08-13", city: "Shiraz", killed: "2/2/exact", attack: "armed_assault"}},
		{"English month and day without a year", "On June 7 gunmen stormed the parliament in Tehran, killing 17 people.", "en", "2017-06-20",
			want{report: true, date: "2017-06-07", killed: "17/17/exact"}},
		{"old violence in the lead is no report", "سردار احمدی در سال ۱۳۶۵ در حمله موشکی به اهواز شهید شد.", "fa", "2023-09-10",
			want{report: false, date: "1986-03-21", prec: "year", city: "Ahvaz"}},
		{"Mosul is a place", "A car bomb exploded in Mosul, killing 5 people.", "en", "",
			want{report: true, city: "Mosul", country: "IQ", killed: "5/5/exact", attack: "bombing"}},
		{"Fars province, not Fars the agency", "According to Fars, gunmen attacked a police post in Fars province, killing 2 policemen.", "en", "",
			want{report: true, city: "<nil>", admin1: "Fars", country: "IR", killed: "2/2/exact"}},
		{"the Persian Gulf is not Fars", "در حمله به یک نفتکش در خلیج فارس دو نفر کشته شدند.", "fa", "",
			want{report: true, admin1: "<nil>", killed: "2/2/exact"}},
		{"an attack on a commemoration is a report", "At a ceremony marking the anniversary of General Soleimani's death in Kerman, two bombs exploded, killing 84 people.", "en", "2024-01-03",
			want{report: true, date: "2024-01-03", city: "Kerman", killed: "84/84/exact", sites: "2"}},
		{"Persian: an attack on a commemoration is a report", "در مراسم سالگرد شهادت سردار سلیمانی در کرمان دو انفجار رخ داد که ۸۴ نفر کشته شدند.", "fa", "2024-01-03",
			want{report: true, date: "2024-01-03", city: "Kerman", killed: "84/84/exact", sites: "2"}},
		{"any country by its English name", "Gunmen opened fire on a bus in northern Burkina Faso, killing 12 passengers.", "en", "",
			want{report: true, country: "BF", killed: "12/12/exact", attack: "armed_assault"}},
		{"a group condemning is no perpetrator", "Hezbollah condemned the bombing in Kerman, in which ISIS militants killed 84 people.", "en", "",
			want{report: false, perpetrator: "Islamic State", killed: "84/84/exact"}},
		{"the group nearest the claim claims", "Hamas praised the bombing in Kerman that killed 84 people, which Daesh claimed through its Amaq agency.", "en", "",
			want{report: false, claimed: "Islamic State", killed: "84/84/exact"}},
		{"year-less 'March 7th'", "On March 7th a bomb exploded in Quetta, killing 9 people.", "en", "2023-03-20",
			want{report: true, date: "2023-03-07", city: "Quetta", killed: "9/9/exact"}},
		{"one person assassinated is one killed", "A provincial judge was assassinated by gunmen in Zahedan on Sunday.", "en", "2023-03-06",
			want{report: true, attack: "assassination", killed: "1/1/exact", date: "2023-03-05"}},
		{"Persian: bombs at a commemoration leave casualties", "انفجار دو بمب در مسیر مراسم سالگرد شهادت سردار سلیمانی در کرمان دست کم ۱۰۳ کشته و ۱۴۱ زخمی بر جای گذاشت.", "fa", "2024-01-03",
			want{report: true, date: "2024-01-03", city: "Kerman", killed: "103/_/at_least", wounded: "141/141/exact", sites: "2"}},
		{"Persian suicide bombing abroad", "صبح امروز یک عامل انتحاری در مسجدی در قندوز افغانستان خود را منفجر کرد که حدود ۵۰ نفر کشته شدند.", "fa", "2021-10-08",
			want{report: true, date: "2021-10-08", city: "Kunduz", country: "AF", killed: "50/50/about", suicide: "true", attack: "bombing"}},
		{"shot dead", "Unknown assailants shot dead a cleric in Zahedan on Saturday; no group has claimed responsibility.", "en", "2024-02-06",
			want{report: true, date: "2024-02-03", city: "Zahedan", attack: "armed_assault", claimed: "<nil>"}},
		{"three sites", "Three explosions hit Kabul on Tuesday, killing 12 people.", "en", "",
			want{report: true, sites: "3", killed: "12/12/exact", attack: "bombing"}},
		{"funeral is no report", "Thousands of mourners attended the funeral of the victims of the terrorist attack in Ahvaz.", "en", "",
			want{report: false, city: "Ahvaz"}},
		{"anniversary is no report", "Tehran marked the anniversary of the attack on the parliament that killed 17 people.", "en", "",
			want{report: false}},
		{"Persian commemoration is no report", "مراسم سالگرد شهدای حمله تروریستی در اهواز برگزار شد.", "fa", "",
			want{report: false}},
		{"trial is no report", "A court sentenced three men for the 2017 attack on the parliament in which 17 people were killed.", "en", "",
			want{report: false}},
		{"no incident at all", "The minister said the economy grew by three percent.", "en", "",
			want{report: false}},
		{"no incident: an accident", "A train carrying lawmakers hit a truck in Virginia; one person was killed.", "en", "",
			want{report: false}},
		{"no incident: a verbal attack", "The president attacked the press again in a speech on Monday.", "en", "",
			want{report: false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{Lang: tc.lang, Gazetteer: g}
			if tc.pub != "" {
				opt.Published = day(tc.pub)
			}
			res := Extract(tc.text, opt)
			if res.IsIncidentReport != tc.w.report {
				t.Errorf("is_incident_report = %v, want %v (why %v)", res.IsIncidentReport, tc.w.report, res.Why)
			}
			if strings.HasPrefix(tc.name, "no incident") {
				if len(res.Incidents) != 0 {
					t.Errorf("incidents = %d, want 0", len(res.Incidents))
				}
				return
			}
			if len(res.Incidents) == 0 {
				t.Fatalf("no incident, want one")
			}
			inc := res.Incidents[0]
			check := func(field, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("date", str(inc.Date), tc.w.date)
			check("date_precision", inc.DatePrecision, tc.w.prec)
			check("city", str(inc.City), tc.w.city)
			check("admin1", str(inc.Admin1), tc.w.admin1)
			check("country", str(inc.Country), tc.w.country)
			check("attack_type", inc.AttackType, tc.w.attack)
			check("target_type", str(inc.TargetType), tc.w.target)
			check("killed", cnt(inc.Killed), tc.w.killed)
			check("wounded", cnt(inc.Wounded), tc.w.wounded)
			check("combined", cnt(inc.Combined), tc.w.combined)
			check("claimed_by", str(inc.ClaimedBy), tc.w.claimed)
			check("perpetrator_named", str(inc.PerpetratorNamed), tc.w.perpetrator)
			if tc.w.sites != "" {
				got := "<nil>"
				if inc.Sites != nil {
					got = fmt.Sprint(*inc.Sites)
				}
				check("sites", got, tc.w.sites)
			}
			if tc.w.suicide != "" {
				got := "<nil>"
				if inc.Suicide != nil {
					got = fmt.Sprint(*inc.Suicide)
				}
				check("suicide", got, tc.w.suicide)
			}
			checkSpans(t, tc.text, res)
		})
	}
}

// checkSpans: every span points into the input and quotes it.
func checkSpans(t *testing.T, text string, res Result) {
	t.Helper()
	all := append([]Span(nil), res.Why...)
	for _, inc := range res.Incidents {
		for _, sp := range inc.Spans {
			all = append(all, sp)
		}
	}
	for _, sp := range all {
		if sp.Start < 0 || sp.End > len(text) || sp.Start > sp.End {
			t.Errorf("span %+v outside the text (%d bytes)", sp, len(text))
			continue
		}
		if got := strings.TrimSpace(text[sp.Start:sp.End]); got != sp.Text {
			t.Errorf("span %d:%d quotes %q, text there is %q", sp.Start, sp.End, sp.Text, got)
		}
	}
}

// The figures' spans quote the words they were read from.
func TestExtractSpansQuoteFigures(t *testing.T) {
	text := "TEHRAN – At least 70 people have been injured or martyred in a terrorist attack on a military parade in Ahvaz. The number of people martyred has reached twenty-five."
	res := Extract(text, Options{Gazetteer: gaz(t)})
	inc := res.Incidents[0]
	for field, want := range map[string]string{"killed": "twenty-five", "combined": "At least 70", "city": "Ahvaz"} {
		if got := inc.Spans[field].Text; got != want {
			t.Errorf("span of %s = %q, want %q", field, got, want)
		}
	}
	if got := strings.Join(inc.KilledAllValues, "|"); got != "twenty-five" {
		t.Errorf("killed_all_values = %q, want %q (the combined 70 is no killed figure)", got, "twenty-five")
	}
	checkSpans(t, text, res)
}

func TestFarsPublished(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{"https://www.farsnews.ir/news/13920304000753/x", "2013-05-25"},
		{"https://www.farsnews.ir/news/8602130026", "2007-05-03"},
		{"https://www.farsnews.ir/news/13990725000458/title", "2020-10-16"},
	} {
		d, ok := FarsPublished(tc.link)
		if !ok || d.String() != tc.want {
			t.Errorf("FarsPublished(%q) = %v %v, want %s", tc.link, d, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "https://example.org/", "https://www.farsnews.ir/news/13921399000753/x"} {
		if d, ok := FarsPublished(bad); ok {
			t.Errorf("FarsPublished(%q) = %v, want none", bad, d)
		}
	}
}

func TestReadArticlesError(t *testing.T) {
	if _, err := ReadArticles(strings.NewReader(`{"title": 1}`)); err == nil {
		t.Error("ReadArticles of an object: no error, want one")
	}
	_, err := ReadArticles(strings.NewReader("[\n{\"title\": \"a\"},\n{\"title\": 3}\n]"))
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), `"title"`) {
		t.Errorf("ReadArticles with a number for a title: %v, want an error naming line 3 and field \"title\"", err)
	}
	_, err = ReadArticles(strings.NewReader("[\n{\"title\": \"a\"},\n{\"title\": \n"))
	if err == nil || !strings.Contains(err.Error(), "line") {
		t.Errorf("ReadArticles of a truncated list: %v, want an error naming the line", err)
	}
	as, err := ReadArticles(strings.NewReader(`[{"title":"t","abstract":"a","paragraphs":["p1","p2"],"link":"l"}]`))
	if err != nil || len(as) != 1 || as[0].Text() != "t\na\np1\np2" {
		t.Errorf("ReadArticles = %+v, %v; want one article with text t/a/p1/p2", as, err)
	}
}

// Every span of every shared article points into the article.
func TestExtractSharedSpans(t *testing.T) {
	texts, pubs := sharedArticles(t)
	g := gaz(t)
	for i, text := range texts {
		checkSpans(t, text, Extract(text, Options{Published: pubs[i], Gazetteer: g}))
	}
}

// Without a gazetteer (one that failed to load) extraction still works,
// without places.
func TestExtractWithoutGazetteer(t *testing.T) {
	text := "TEHRAN – Gunmen stormed the parliament on Wednesday, killing 12 people."
	n, idx := normalizeMap(text)
	dd := &doc{orig: text, n: n, idx: idx, lang: "en", sents: splitSentences(n)}
	if p, _, ok := dd.dateline(); ok {
		t.Errorf("dateline without a gazetteer = %v, want none", p)
	}
	if _, _, _, ok := dd.findPlace(0, len(n), true, ""); ok {
		t.Error("findPlace without a gazetteer found a place")
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"TEHRAN – Gunmen stormed the parliament on Wednesday, killing 12 and injuring 42.",
		"دیروز در حمله تروریستی در زاهدان بیست و نه نفر کشته و ٣٢ نفر زخمی شدند.",
		"۱۴۰۲/۱۰/۱۳ دو انفجار در کرمان",
		"At least 70 killed or injured in 1401.",
		"", "\xff\xfe attack", "attack attack attack 99999999999999999999 killed",
		"Commander Ali al-Amin and Colonel Hassan Karimi were killed in an attack; al- and were killed",
		"مراسم شهیدان علی، حسن و سایر شهدای حمله و سایر شهدای",
		"سردار و سرهنگ و به شهادت رسیدند حمله",
		"05/20/2012: Assailants set fire to a clinic in Salem, Massachusetts, United States. No one was killed.",
		"در طرابلس، لیبی، حمله مسلحانه رخ داد و تلفات جانی نداشت", "attack in Salem, , ,", "attack in Salem،",
		"The IRGC fired missiles at Deir ez-Zor late on Sunday.",
	} {
		f.Add(s)
	}
	g := gaz(f)
	f.Fuzz(func(t *testing.T, s string) {
		res := Extract(s, Options{Gazetteer: g, Published: day("2024-01-04")})
		checkSpans(t, s, res)
		for i, inc := range res.Incidents {
			if inc.Main != (i == 0) {
				t.Errorf("incident %d: main = %v, want the first and only the first main", i, inc.Main)
			}
		}
	})
}

// Every text name of the actor table finds its actor.
func TestGroupsTable(t *testing.T) {
	for _, a := range actors.All() {
		for _, n := range a.Names {
			if n.FieldOnly {
				continue
			}
			if got := GroupKey(n.Text); got != a.Key {
				t.Errorf("GroupKey(%q) = %q, want %q", n.Text, got, a.Key)
			}
		}
	}
	for _, notGroup := range []string{"حماسه حسینی", "this is it", "سپاهیان علم", "it is what it is"} {
		if got := GroupKey(notGroup); got != "" {
			t.Errorf("GroupKey(%q) = %q, want none", notGroup, got)
		}
	}
	if got, want := len(groupByKey), len(actors.All()); got != want {
		t.Errorf("groups read = %d, actors = %d", got, want)
	}
}

// A city's name called a region is the region: "the Deir al Zour region",
// "the province of Kandahar"; near a city it stays the city.
func TestRegionByName(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ text, city, admin1, country string }{
		{"Missiles struck militant positions in the Deir al Zour region of eastern Syria, killing 12 fighters.", "<nil>", "Dayr Az Zawr", "SY"},
		{"A bomb exploded in the Kandahar province of Afghanistan, killing 7 people.", "<nil>", "Kandahar", "AF"},
		{"A bomb exploded in the province of Kandahar, killing 7 people.", "<nil>", "Kandahar", "AF"},
		{"A bomb exploded in Kandahar, killing 7 people.", "Kandahār", "<nil>", "AF"},
		{"Gunmen attacked a checkpoint near Zahedan, killing 2 policemen.", "Zahedan", "Sistan and Baluchestan", "IR"},
	} {
		res := Extract(tc.text, Options{Lang: "en", Gazetteer: g})
		if len(res.Incidents) == 0 {
			t.Errorf("%q: no incident", tc.text)
			continue
		}
		inc := res.Incidents[0]
		if str(inc.City) != tc.city || str(inc.Admin1) != tc.admin1 || str(inc.Country) != tc.country {
			t.Errorf("%q: place %s / %s / %s, want %s / %s / %s", tc.text, str(inc.City), str(inc.Admin1), str(inc.Country), tc.city, tc.admin1, tc.country)
		}
	}
}

// TestCountryInANameIsNoPlace: a country named as part of an office or an
// organisation ("Iran's Red Crescent", "وزارت خارجه ایران") does not move
// the incident there; one after a locative word ("into eastern Syria",
// "در خاک سوریه") still does.
func TestCountryInANameIsNoPlace(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ text, lang, city, country string }{
		{"A spokesman of Iran's Red Crescent said a bomb exploded at a market in Baghdad, killing 12 people.", "en", "Baghdad", "IQ"},
		{"The head of Pakistan's interior ministry said gunmen attacked a hotel in Kabul, killing 5 people.", "en", "Kabul", "AF"},
		{"Jets fired missiles into eastern Syria at positions of the group behind the attack in Baghdad, killing 12 fighters.", "en", "<nil>", "SY"},
		{"سخنگوی هلال احمر ایران گفت انفجار بمب در بازاری در بغداد ۱۲ کشته بر جای گذاشت.", "fa", "Baghdad", "IQ"},
		{"رئیس پلیس پاکستان گفت افراد مسلح به هتلی در کابل حمله کردند و ۵ نفر کشته شدند.", "fa", "Kabul", "AF"},
	} {
		res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
		if len(res.Incidents) == 0 {
			t.Errorf("%q: no incident", tc.text)
			continue
		}
		inc := res.Incidents[0]
		if str(inc.City) != tc.city || str(inc.Country) != tc.country {
			t.Errorf("%q: place %s / %s, want %s / %s", tc.text, str(inc.City), str(inc.Country), tc.city, tc.country)
		}
	}
}

// TestRelativeClauseOnAPerson: how a person named in passing died ("…,
// who was assassinated last year", "سردار … که سال گذشته ترور شد") is not
// how the incident was made, nor a death in it.
func TestRelativeClauseOnAPerson(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, typ, killed string }{
		{"English who-clause", "Gunmen stormed a hotel in Kabul named after General Rahimi, who was assassinated last year, and took 20 guests hostage.", "en", "armed_assault", "<nil>"},
		{"English, the incident's own assassination", "Gunmen assassinated General Rahimi in Kabul on Sunday.", "en", "assassination", "1/1/exact"},
		{"Persian که-clause after a title", "افراد مسلح به هتل سردار رحیمی که سال گذشته ترور شد در کابل حمله کردند و ۲۰ نفر را گروگان گرفتند.", "fa", "armed_assault", "<nil>"},
		{"Persian, the incident's own assassination", "افراد مسلح سردار رحیمی را در کابل ترور کردند.", "fa", "assassination", "1/1/exact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if inc.AttackType != tc.typ || cnt(inc.Killed) != tc.killed {
				t.Errorf("attack type %s, killed %s; want %s, %s (notes: %s)", inc.AttackType, cnt(inc.Killed), tc.typ, tc.killed, inc.Notes)
			}
		})
	}
}

// TestPlaceChain: a place written from small to large ("Salem,
// Massachusetts, United States", "Nurabad, Fars", "طرابلس، لیبی") is the
// namesake in the region and country written after it; the region so
// written is the incident's admin-1 even outside Iran; a town the
// gazetteer lacks is at least its region; a namesake in another country
// than the one written is no place of the incident.
func TestPlaceChain(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, city, admin1, country string }{
		{"city, region, country", "A bomb exploded in a newspaper box in Salem, Massachusetts, United States.", "en", "Salem", "Massachusetts", "US"},
		{"a region that is also a country's name", "Assailants set fire to a clinic in Lilburn, Georgia, United States.", "en", "<nil>", "Georgia", "US"},
		{"city, region picks the namesake", "Gunmen attacked a checkpoint in Nurabad, Fars, killing two policemen.", "en", "Nūrābād", "Fars", "IR"},
		{"without the region, the first namesake", "Gunmen attacked a checkpoint in Nurabad, killing two policemen.", "en", "Nūrābād", "Lorestan", "IR"},
		{"city, country", "Gunmen attacked a hospital in Tripoli, Libya, killing two people.", "en", "Tripoli", "<nil>", "LY"},
		{"Persian city, country: a namesake elsewhere is not it", "مردان مسلح در طرابلس، لیبی به یک بیمارستان حمله کردند.", "fa", "<nil>", "<nil>", "LY"},
		{"Persian city alone", "مردان مسلح در طرابلس به یک بیمارستان حمله کردند.", "fa", "Tripoli", "<nil>", "LB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2023-03-10"), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if got := str(inc.City); got != tc.city {
				t.Errorf("city = %s, want %s", got, tc.city)
			}
			if got := str(inc.Admin1); got != tc.admin1 {
				t.Errorf("admin1 = %s, want %s", got, tc.admin1)
			}
			if got := str(inc.Country); got != tc.country {
				t.Errorf("country = %s, want %s", got, tc.country)
			}
		})
	}
}
