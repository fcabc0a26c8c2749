package extract

import (
	"strconv"
	"testing"
)

// Casualty figures as news writes them, by error category: number words
// and ranges, killed against wounded, attackers, parts of a figure, and
// tolls that are revised or added to. English and Persian.
func TestCasualtyPatterns(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang string
		report           bool
		killed, wounded  string
	}{
		// number words, qualifiers, ranges
		{"range between", "Between 20 and 30 people were killed when a bomb exploded in Quetta.", "en", true, "20/30/range", "<nil>"},
		{"range with a dash", "A bomb exploded in Quetta, killing between 10 and 12 people and wounding 30-40.", "en", true, "10/12/range", "30/40/range"},
		{"Persian range", "در این حمله بین ۲۰ تا ۳۰ نفر کشته شدند که در کویته رخ داد.", "fa", true, "20/30/range", "<nil>"},
		{"thousands separator", "A bomb exploded in Quetta, killing 1,200 people.", "en", true, "1200/1200/exact", "<nil>"},
		{"two dozen", "A bomb exploded in Quetta, killing two dozen people.", "en", true, "24/24/about", "<nil>"},
		{"dozens is a mention", "At least 20 people were killed and dozens wounded when a bomb exploded in Quetta.", "en", true, "20/_/at_least", "_/_/none"},
		{"Persian at least and tens", "دیروز در انفجار بمب در کویته دست کم ۲۰ نفر کشته و ده‌ها نفر زخمی شدند.", "fa", true, "20/_/at_least", "_/_/none"},
		{"Persian number words with و", "در انفجار کویته صد و بیست نفر کشته شدند.", "fa", true, "120/120/exact", "<nil>"},
		// killed against wounded
		{"killed and wounded, number words", "A blast in Quetta killed nine and wounded sixty.", "en", true, "9/9/exact", "60/60/exact"},
		{"wounded first", "More than 40 people were injured and 12 killed in a blast in Quetta.", "en", true, "12/12/exact", "40/_/at_least"},
		{"Persian wounded first", "در انفجار کویته بیش از ۴۰ نفر زخمی و ۱۲ نفر کشته شدند.", "fa", true, "12/12/exact", "40/_/at_least"},
		// attackers
		{"attackers apart", "Gunmen stormed a hotel in Kabul; five civilians and three attackers were killed.", "en", true, "5/5/exact", "<nil>"},
		{"attackers counted together", "Nine people, including two attackers, were killed in an attack on a police station in Zahedan.", "en", true, "9/9/exact", "<nil>"},
		{"the attackers' wounded", "A bomb exploded in Quetta, killing 18 people. Three of the attackers were killed and two were injured.", "en", true, "18/18/exact", "_/_/none"},
		{"perpetrators are attackers", "Two terrorist attacks in Tehran left 17 dead. The photos of the five perpetrators, all killed, were released.", "en", true, "17/17/exact", "<nil>"},
		{"Persian attackers apart", "در حمله تروریستی به پاسگاه پلیس در زاهدان ۵ مامور به شهادت رسیدند و ۳ تروریست نیز به هلاکت رسیدند.", "fa", true, "5/5/exact", "<nil>"},
		// a part of a figure
		{"including children", "Twelve people, including 4 children, were killed when a bomb exploded in Quetta.", "en", true, "12/12/exact", "<nil>"},
		{"Persian از جمله", "در انفجار کویته ۱۲ نفر از جمله ۴ کودک کشته شدند.", "fa", true, "12/12/exact", "<nil>"},
		// cumulative tolls
		{"toll revised from one figure to another", "The death toll from the bombing in Quetta rose from 18 to 25.", "en", true, "25/25/exact", "<nil>"},
		{"Persian toll revised", "در این انفجار در کویته شمار شهدا از ۱۸ به ۲۵ نفر رسید.", "fa", true, "25/25/exact", "<nil>"},
		{"another who died later", "A bomb exploded in Quetta on Wednesday, killing 18 people; another 7 died in hospital on Thursday.", "en", true, "25/25/exact", "<nil>"},
		{"Persian: wounded who died later", "در انفجار کویته ۱۸ نفر کشته شدند و ۷ نفر از مجروحان نیز در بیمارستان جان باختند.", "fa", true, "25/25/exact", "_/_/none"},
		{"a toll that has them already", "The death toll from the bombing in Quetta has risen to 25, officials said, after 7 of the wounded died in hospital.", "en", true, "25/25/exact", "_/_/none"},
		{"Persian جان باختند is an event", "حدود ۵۰ نفر در انفجار انتحاری در مسجدی در قندوز جان باختند.", "fa", true, "50/50/about", "<nil>"},
		// a named person killed: exact 1, as the labels code it; an attempt kills no one
		{"assassinated, active voice", "Gunmen assassinated a senior judge in Zahedan on Sunday.", "en", true, "1/1/exact", "<nil>"},
		{"the assassination of", "The assassination of the provincial governor in a bombing in Zahedan shocked the country.", "en", false, "1/1/exact", "<nil>"},
		{"an assassination attempt", "A judge survived an assassination attempt in Zahedan on Sunday.", "en", false, "<nil>", "<nil>"},
		{"several assassinated", "Two judges were assassinated in Zahedan on Sunday.", "en", true, "2/2/exact", "<nil>"},
		{"Persian ترور کردند", "افراد مسلح یک قاضی را در زاهدان ترور کردند.", "fa", true, "1/1/exact", "<nil>"},
		{"Persian ترور شدند", "دو قاضی در زاهدان ترور شدند.", "fa", true, "2/2/exact", "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if res.IsIncidentReport != tc.report {
				t.Errorf("is_incident_report = %v, want %v", res.IsIncidentReport, tc.report)
			}
			if got := cnt(inc.Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s", got, tc.killed)
			}
			if got := cnt(inc.Wounded); got != tc.wounded {
				t.Errorf("wounded = %s, want %s", got, tc.wounded)
			}
		})
	}
}

// TestNamedPersonsKilled: persons a text names as killed count one each
// when it gives no figure; a list ended by the others who died with them
// is a lower bound; plurals, nations, groups and figures are not names.
func TestNamedPersonsKilled(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, killed string
	}{
		{"two named, passive", "Commander Ali Rezaei and Colonel Hassan Karimi were killed in an attack in Zahedan.", "en", "2/2/exact"},
		{"two named, active", "The attack in Zahedan killed Commander Ali Rezaei and Colonel Hassan Karimi.", "en", "2/2/exact"},
		{"three named with commas", "Gunmen attacked a convoy near Zahedan; Ali Rezaei, Hassan Karimi and Reza Ahmadi were killed.", "en", "3/3/exact"},
		{"Arabic particles", "Youssef al-Amin and Karim bin Saleh were killed when gunmen attacked a checkpoint near Mosul.", "en", "2/2/exact"},
		{"the others who died with them", "A ceremony remembered the martyrdom of Ali Rezaei, Hassan Karimi and other victims of the bombing in Zahedan.", "en", "2/_/at_least"},
		{"one named, was killed", "Colonel Hassan Karimi was killed in an attack on a checkpoint in Zahedan.", "en", "1/1/exact"},
		{"a figure wins over names", "Five people, among them Colonel Hassan Karimi, were killed in an attack in Zahedan.", "en", "5/5/exact"},
		{"nations are no names", "Americans and Iraqis were killed in an attack on a base near Mosul.", "en", "_/_/none"},
		{"people of a nation are no names", "Iranian and Iraqi soldiers were killed in an attack on a base near Mosul.", "en", "_/_/none"},
		{"groups are no names", "The Taliban and Daesh were killed in an attack near Kabul, officials claimed.", "en", "_/_/none"},
		{"a plural verb needs several", "Colonel Hassan Karimi were killed in an attack in Zahedan.", "en", "_/_/none"},
		{"a capitalised noun phrase is no list of names", "The blast in Kabul killed Afghan Police officers.", "en", "_/_/none"},
		{"the tail of a noun phrase is no name", "Afghan soldiers and Police were killed in an attack near Kabul.", "en", "_/_/none"},
		{"a headline's capitals", "Police Officers Killed In Attack Near Zahedan", "en", "_/_/none"},
		{"Persian titled pair", "سردار علی رضایی و سرهنگ حسن کریمی در حمله تروریستی زاهدان به شهادت رسیدند.", "fa", "2/2/exact"},
		{"Persian one titled", "سرهنگ حسن کریمی در حمله افراد مسلح به پاسگاهی در زاهدان به شهادت رسید.", "fa", "1/1/exact"},
		{"Persian list and the other martyrs", "مراسم بزرگداشت شهیدان علی رضایی، حسن کریمی و سایر شهدای حمله تروریستی زاهدان برگزار شد.", "fa", "2/_/at_least"},
		{"Persian list with offices and the other martyrs", "در مراسم گرامیداشت سرداران شهید علی رضایی فرمانده پاسگاه، حسن کریمی معاون او و سایر شهدای حمله تروریستی زاهدان سخنرانی کرد.", "fa", "2/_/at_least"},
		{"Persian figure wins", "در حمله تروریستی زاهدان ۵ نفر از جمله سرهنگ حسن کریمی به شهادت رسیدند.", "fa", "5/5/exact"},
		{"Persian untitled pair is not read", "علی و حسن در حمله تروریستی زاهدان کشته شدند.", "fa", "_/_/none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := cnt(res.Incidents[0].Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s (notes: %s)", got, tc.killed, res.Incidents[0].Notes)
			}
		})
	}
}

// TestRespectiveFigures: two figures under one verb for two kinds of harm
// go to the kinds in the order they are named.
func TestRespectiveFigures(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, killed, wounded string
	}{
		{"respectively", "The bombing in Quetta killed and wounded 17 and 43 people respectively.", "en", "17/17/exact", "43/43/exact"},
		{"wounded named first", "A suicide bomber in Quetta injured and killed 43 and 17 people, respectively.", "en", "17/17/exact", "43/43/exact"},
		{"stood at", "The number of dead and injured in the Quetta bombing stood at 17 and 43 respectively.", "en", "17/17/exact", "43/43/exact"},
		{"rose to, no respectively", "The death toll and the number of wounded in the Quetta bombing rose to 17 and 1,043.", "en", "17/17/exact", "1043/1043/exact"},
		{"a date pair is no figure pair", "On June 7 and 8 bombs in Quetta killed and wounded dozens of people.", "en", "_/_/none", "_/_/none"},
		{"Persian به ترتیب before the verb", "در حمله تروریستی کویته به ترتیب ۱۷ و ۴۳ نفر کشته و زخمی شدند.", "fa", "17/17/exact", "43/43/exact"},
		{"Persian kinds first", "شمار کشته‌ها و زخمی‌های انفجار کویته به ترتیب ۱۷ و ۴۳ نفر اعلام شد.", "fa", "17/17/exact", "43/43/exact"},
		{"Persian wounded first", "شمار مجروحان و شهدای انفجار کویته به ترتیب به ۴۳ و ۱۷ نفر رسید.", "fa", "17/17/exact", "43/43/exact"},
		{"Persian one verb, a figure each", "در انفجار بمب در کویته ۱۷ نفر کشته و ۴۳ نفر زخمی شدند.", "fa", "17/17/exact", "43/43/exact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if got := cnt(inc.Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s", got, tc.killed)
			}
			if got := cnt(inc.Wounded); got != tc.wounded {
				t.Errorf("wounded = %s, want %s", got, tc.wounded)
			}
		})
	}
}

// TestStateStrikeFigures: in a text whose news is a state force's strike,
// a sentence that tells of the attack it answers, with no word of the
// strike, gives no figure to the strike; one person named by a role
// counts one; a duration is no count.
func TestStateStrikeFigures(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, killed, wounded string
	}{
		{"the answered attack's figures",
			"Two weeks after a bombing in Zahedan, officials said its security forces killed on Monday the ringleader of the cell near the border. The bombing at the market in Zahedan left 9 people dead and 30 injured.",
			"en", "1/1/exact", "<nil>"},
		{"the strike's own figure stays",
			"Officials said its security forces killed 4 militants in a clash near the border on Monday. The bombing at the market in Zahedan left 9 people dead and 30 injured. The clash also wounded 2 officers.",
			"en", "4/4/exact", "2/2/exact"},
		{"a role, passive, not a state action", "Officials said the leader of the cell was killed when its security forces stormed a hideout near Zahedan.", "en", "1/1/exact", "<nil>"},
		{"a duration is no count", "Three days after the bombing in Zahedan, officials said its security forces killed the main commander of the group.", "en", "1/1/exact", "<nil>"},
		{"the leaders are no one person", "Officials said its security forces killed the leaders of the cell in a clash near Zahedan.", "en", "_/_/none", "<nil>"},
		{"Persian role as the object",
			"نیروهای امنیتی سرکرده این گروه تروریستی را در درگیری در مرز زاهدان به هلاکت رساندند. انفجار بمب در بازار زاهدان ۹ کشته و ۳۰ زخمی بر جای گذاشته بود.",
			"fa", "1/1/exact", "<nil>"},
		{"Persian role, singular verb", "فرمانده این گروه تروریستی در درگیری با نیروهای امنیتی در مرز زاهدان به هلاکت رسید.", "fa", "1/1/exact", "<nil>"},
		{"Persian duration", "سه روز پس از انفجار زاهدان، ۴ مامور پلیس در درگیری مسلحانه کشته شدند.", "fa", "4/4/exact", "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if got := cnt(inc.Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s (notes: %s)", got, tc.killed, inc.Notes)
			}
			if got := cnt(inc.Wounded); got != tc.wounded {
				t.Errorf("wounded = %s, want %s", got, tc.wounded)
			}
		})
	}
}

// TestAttackersOwnDeaths: how the attackers died ("one of them blew
// himself up and the other one was killed", "one of them was killed in a
// suicide blast") is no victims' figure; the victims' own figure stays.
func TestAttackersOwnDeaths(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, killed string }{
		{"the other one", "Two gunmen stormed a police station in Zahedan. One of them blew himself up and the other one was killed in clashes with the guards.", "en", "<nil>"},
		{"one of them in a suicide blast", "Four gunmen stormed a police station in Zahedan; one of them was killed in a suicide blast.", "en", "<nil>"},
		{"victims counted with people", "A suicide bomber blew himself up at a police station in Zahedan, killing 12 people.", "en", "12/12/exact"},
		{"Persian یکی از آنها", "دو مهاجم به پاسگاه پلیس زاهدان حمله کردند؛ یکی از آنها خود را منفجر کرد و دیگری در درگیری کشته شد.", "fa", "_/_/none"},
		{"Persian victims", "یک مهاجم انتحاری در پاسگاه پلیس زاهدان خود را منفجر کرد و ۱۲ نفر کشته شدند.", "fa", "12/12/exact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := cnt(res.Incidents[0].Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s", got, tc.killed)
			}
		})
	}
}

// TestStrikeSentenceNamesTerrorists: in a state strike's text, "terror"
// also names the strike's targets; a sentence with a word of the strike
// ("the operation") is the strike's, while one that answers an attack
// ("in retaliation for the terrorist attack") stays background.
func TestStrikeSentenceNamesTerrorists(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, killed, wounded string }{
		{"the strike's casualties",
			"The IRGC fired missiles at militant positions in eastern Syria on Monday. A number of leaders of the terrorists were killed or injured in the operation, the statement said.",
			"en", "_/_/none", "_/_/none"},
		{"the answered attack stays background",
			"The IRGC fired missiles at militant positions in eastern Syria on Monday. The strike was in retaliation for the terrorist attack in Ahvaz that wounded 69 people.",
			"en", "<nil>", "<nil>"},
		{"Persian: the strike's casualties",
			"سپاه پاسداران با شلیک موشک مواضع تروریست‌ها در شرق سوریه را هدف قرار داد. شماری از عناصر گروه تروریستی در این عملیات کشته یا زخمی شدند.",
			"fa", "_/_/none", "_/_/none"},
		{"Persian: revenge stays background",
			"سپاه پاسداران با شلیک موشک مواضع تروریست‌ها در شرق سوریه را هدف قرار داد. این عملیات انتقام حمله تروریستی اهواز بود که ۶۹ نفر را زخمی کرد.",
			"fa", "<nil>", "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if cnt(inc.Killed) != tc.killed || cnt(inc.Wounded) != tc.wounded {
				t.Errorf("killed %s, wounded %s; want %s, %s (notes: %s)", cnt(inc.Killed), cnt(inc.Wounded), tc.killed, tc.wounded, inc.Notes)
			}
		})
	}
}

// TestNoCasualties: "there were no reported casualties" and "تلفات جانی
// نداشت" are figures of 0 (exact), for killed, wounded or both as the
// words say; a figure given in the text wins, and "no other casualties"
// after a toll says nothing of the wounded.
func TestNoCasualties(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, killed, wounded string }{
		{"none reported", "Assailants set fire to a mosque in Zahedan. There were no reported casualties in the attack.", "en", "0/0/exact", "0/0/exact"},
		{"no one killed, a figure hurt", "A bomb exploded outside a bank in Zahedan. No one was killed, but two guards were injured.", "en", "0/0/exact", "2/2/exact"},
		{"nobody hurt", "A bomb exploded outside a bank in Zahedan. Nobody was hurt.", "en", "0/0/exact", "0/0/exact"},
		{"a toll and no other casualties", "A bomb exploded outside a bank in Zahedan, killing 3 people. There were no other casualties.", "en", "3/3/exact", "<nil>"},
		{"no casualty figures is no 0", "Gunmen attacked a bank in Zahedan. No casualty figures were released.", "en", "<nil>", "<nil>"},
		{"Persian, none", "بمبی در مقابل یک بانک در زاهدان منفجر شد. این انفجار تلفات جانی نداشت.", "fa", "0/0/exact", "0/0/exact"},
		{"Persian, no one killed", "در انفجار بمبی در مقابل یک بانک در زاهدان دو نگهبان زخمی شدند اما کسی کشته نشد.", "fa", "0/0/exact", "2/2/exact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2023-03-10"), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			inc := res.Incidents[0]
			if got := countText(inc.Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s", got, tc.killed)
			}
			if got := countText(inc.Wounded); got != tc.wounded {
				t.Errorf("wounded = %s, want %s", got, tc.wounded)
			}
		})
	}
}

func countText(c *Count) string {
	if c == nil {
		return "<nil>"
	}
	s := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	return s(c.Low) + "/" + s(c.High) + "/" + c.Qualifier
}

// TestKillingsWithoutAnAttackWord: a body found with signs of torture, a
// person "murdered" (به قتل رسید) and a figure of "fatalities" tell a
// killing though no word of an attack is written.
func TestKillingsWithoutAnAttackWord(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang, killed string
		report                   bool
	}{
		{"found dead", "A man was found dead with signs of torture in Zahedan on Monday.", "en", "//none", true},
		{"found dead, no sign of violence", "The prisoner was found dead in his cell in Zahedan on Monday.", "en", "", false},
		{"fatalities", "Clashes erupted in Zahedan on Monday, leaving 3 fatalities.", "en", "3/3/exact", true},
		{"Persian, murdered", "دو مرد روز دوشنبه در زاهدان به ضرب گلوله به قتل رسیدند.", "fa", "2/2/exact", true},
		{"Persian, signs of torture", "جسد مردی با آثار شکنجه روز دوشنبه در زاهدان پیدا شد.", "fa", "<nil>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2023-03-10"), Gazetteer: g})
			if tc.killed == "" {
				if len(res.Incidents) > 0 {
					t.Errorf("incident %+v, want none: a death without violence", res.Incidents[0])
				}
				return
			}
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := countText(res.Incidents[0].Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s", got, tc.killed)
			}
			if res.IsIncidentReport != tc.report {
				t.Errorf("is_incident_report = %v, want %v", res.IsIncidentReport, tc.report)
			}
		})
	}
}

// TestClaimedAttackAndSeries: a claim of responsibility makes an attack
// word violent ("claimed responsibility for attacking a restaurant"); a
// figure of "a series of" attacks is an aggregate, no incident's toll.
func TestClaimedAttackAndSeries(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, lang string
		found            bool
		killed           string
	}{
		{"claimed attack", "The group claimed responsibility for attacking a restaurant in Zahedan.", "en", true, "<nil>"},
		{"Persian claimed attack", "این گروه مسئولیت این حمله به رستورانی در زاهدان را بر عهده گرفت.", "fa", true, "<nil>"},
		{"a series", "Gunmen attacked a bank in Zahedan on Monday. A series of bombings in Zahedan had killed 12 people.", "en", true, "<nil>"},
		{"a series told as the news", "A series of explosions killed 12 people in Kabul on Monday.", "en", true, "12/12/exact"},
		{"Persian series told as the news", "در سلسله انفجارهایی در کابل روز دوشنبه ۱۲ نفر کشته شدند.", "fa", true, "12/12/exact"},
		{"Persian series", "مردان مسلح روز دوشنبه به بانکی در زاهدان حمله کردند. سلسله بمبگذاری‌ها در زاهدان ۱۲ نفر را کشته بود.", "fa", true, "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2023-03-10"), Gazetteer: g})
			if got := len(res.Incidents) > 0; got != tc.found {
				t.Fatalf("incident found = %v, want %v", got, tc.found)
			}
			if got := countText(res.Incidents[0].Killed); got != tc.killed {
				t.Errorf("killed = %s, want %s", got, tc.killed)
			}
		})
	}
}
