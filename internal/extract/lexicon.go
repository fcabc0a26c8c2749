package extract

import (
	"strings"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/actors"
)

// The lexicons below are written in plain form and normalised once at
// start-up, so they match text after Normalize (ZWNJ dropped, Arabic
// letters folded, Latin lower-cased).

// eventVerbs say that violence happened: the lead of an incident report
// has one. Nouns alone ("the attack") are not enough: reactions name the
// attack too.
var eventVerbs = concat(
	terms("event", false, "targeted", "stormed", "opened fire", "attacked", "exploded", "blew up", "blew himself up",
		"detonated", "killed", "were killed", "martyred", "injured", "wounded", "fired", "rained", "shot dead",
		"gunned down", "abducted", "kidnapped", "clashes erupted", "have been injured", "hit by", "tore through", "struck",
		"went off", "carried out", "killing", "death toll", "toll has risen", "toll rose", "assassinated", "died in",
		"set fire", "set ablaze", "torched", "shelled", "were shot", "was shot", "exchanged fire", "assaulted", "found dead",
		// incendiaries and planted devices, which GTD summaries tell
		// without a word of killing: "threw a firebomb at", "placing
		// incendiary devices", "planting two firebombs", "an incendiary
		// device ignited", "setting fire to", "set arson to"
		"threw a firebomb", "threw firebombs", "threw a grenade", "threw grenades", "threw a petrol bomb",
		"threw a molotov", "hurled", "placing incendiary", "placed incendiary", "planted", "planting", "ignited",
		"setting fire", "set arson", "airstrike", "air strike", "airstrikes", "drone strike", "beating", "beat him",
		"attacking"),
	terms("event", false, "کشته شد", "کشته شدن", "به شهادت رسید", "شهید شد", "زخمی شد", "زخمی شدن", "مجروح شد",
		"منفجر شد", "منفجر کرد", "حمله کرد", "مورد حمله قرار", "مورد حمله تروریستی قرار", "مورد حمله مسلحانه قرار", "مورد هجوم قرار", "هدف قرار", "تیراندازی کرد", "درگیری", "شلیک کرد",
		"به رگبار بست", "ربوده شد", "ترور شد", "ترور کرد", "بر جای گذاشت", "برجای گذاشت", "رخ داد", "خود را منفجر", "شمار کشته", "آمار کشته", "تعداد شهدا", "شمار شهدا", "جان باخت", "جان خود را از دست",
		"به آتش کشید", "آتش زد", "گلوله باران کرد", "گلوله‌باران کرد", "به قتل رسید", "به قتل رساند"),
)

// reactionCues say the news is a reaction to violence, not the violence:
// before the first event verb of the lead, they make a text no incident report.
var reactionCues = concat(
	terms("reaction", false, "condemn", "condolence", "funeral", "mourner", "arrest", "summon", "trial", "sentenced",
		"executed", "identified", "released photos", "released a report",
		"visit", "prosecutor", "sermon", "vowed", "pledged", "court", "remember", "praise",
		"hailed", "welcomed"),
	terms("reaction", false, "محکوم", "تسلیت", "تشییع", "بازداشت", "دستگیر", "محاکمه", "اعدام", "دادگاه", "نماز جمعه",
		"خطبه", "امام جمعه"),
	speakerCues,
)

// speakerCues name who speaks. Before the lead's event verb they make a
// reaction ("the foreign ministry spokesman condemned …"), unless the
// event is what the speaker reports: "a police spokesman said gunmen
// attacked …", "سخنگوی پلیس گفت … حمله کردند" (classify).
var speakerCues = concat(
	terms("speaker", false, "statement", "spokesman", "spokeswoman", "announced", "tweet"),
	terms("speaker", false, "بیانیه", "سخنگو"),
)

// reportedSpeech introduces what a speaker says happened.
var reportedSpeech = terms("said", false, "said", "says", "announced that", "reported that", "confirmed that",
	"گفت", "اعلام کرد", "اظهار داشت", "خبر داد")

// occasionCues name a commemoration. Before the lead's event verb they
// make a text no incident report, unless the lead counts casualties: the
// Kerman bombings struck a crowd marking an anniversary ("در مراسم سالگرد
// … ۸۴ نفر کشته شدند").
var occasionCues = concat(
	terms("occasion", false, "anniversary", "commemorat", "marks", "marked", "memorial", "tribute", "ceremony"),
	terms("occasion", false, "سالگرد", "سالروز", "بزرگداشت", "یادواره", "گرامیداشت", "مراسم"),
)

// statementCues: a date next to one dates a statement, not the attack
// ("the group said on Thursday that …").
var statementCues = terms("statement", false, "said", "says", "told", "reported", "announced", "stated", "claimed",
	"گفت", "اعلام کرد", "افزود", "اظهار داشت")

// warCues: a dated sentence about a war or an invasion is no incident of
// its own (the labels code neither).
var warCues = terms("war", true, "war", "invasion", "جنگ", "دفاع مقدس", "جنگ تحمیلی", "تهاجم")

// attackNouns mark a sentence about a specific violent event; the first
// sentence with one anchors the main incident.
var attackNouns = concat(
	terms("attack", false, "attack", "bomb", "explod", "explosion", "blast", "assault", "shooting", "gunmen", "suicide bomb",
		"terror act", "terrorist act", "clash", "missile", "assassinat", "ambush", "massacre", "kidnap", "hostage",
		"hijack", "stormed", "opened fire", "gunfire", "assailant", "stabbing", "arson", "set fire", "setting fire", "set ablaze", "firebomb",
		"torched", "shelled", "shelling", "exchanged fire", "shot by", "detonat", "explosive device",
		"incendiary device", "signs of torture", "airstrike", "air strike", "drone strike", "air raid", "ied", "lynch"),
	terms("attack", false, "حمله", "انفجار", "بمبگذاری", "تیراندازی", "درگیری", "عملیات تروریستی", "حادثه تروریستی",
		"حادثه تروریستي", "انتحاری", "ترور ", "شلیک", "گروگان", "ربودن", "به رگبار", "به آتش کشید", "آتش زد",
		"گلوله باران", "گلوله‌باران", "خمپاره", "بمب", "منفجر شد", "آثار شکنجه", "به قتل رسید", "به قتل رساند"),
)

// violenceCues: words that make an attack word a violent incident.
var violenceCues = concat(killedWords, woundedWords, combinedWords, deathWords,
	terms("violence", false, "terror", "gunmen", "gunman", "bomb", "explo", "blast", "missile", "suicide", "stormed",
		"opened fire", "shooting", "armed", "militant", "casualt", "hostage", "kidnap", "assassinat", "shot dead",
		"gunned down", "stabb", "set fire", "setting fire", "set ablaze", "arson", "firebomb", "torched", "shelled", "shelling",
		"exchanged fire", "shot by", "assailant", "claimed responsibility", "incendiar", "airstrike", "air strike",
		"drone strike", "air raid", "ied", "lynch", "beating", "beaten", "axes", "machete", "مسئولیت این", "signs of torture", "آثار شکنجه", "به قتل رسید", "به قتل رساند", "به آتش کشید", "آتش زد", "گلوله باران", "گلوله‌باران", "خمپاره",
		"ترور", "انفجار", "بمب", "انتحاری", "مسلح", "تیراندازی", "موشک", "گروگان", "درگیری"))

// attackTypes in order of precedence: gunmen storming a building is an
// armed assault even when one of them blows himself up (the GTD's and the
// labels' reading of Tehran 2017).
var attackTypeCues = []struct {
	typ string
	ts  []term
}{
	{"hijacking", terms("", false, "hijack", "هواپیماربایی")},
	{"kidnapping", terms("", false, "kidnap", "abduct", "ربودن", "ربوده", "آدم ربایی")},
	{"assassination", terms("", false, "assassinat", "ترور شد", "به ترور", "ترور کرد", "را ترور")},
	{"armed_assault", terms("", false, "gunmen", "gunman", "opened fire", "shooting", "stormed", "armed attack",
		"armed assault", "shot dead", "gunned down", "gun and", "clashes", "clash with", "were shot", "was shot", "shot and killed",
		"exchanged fire", "drive-by", "lynch", "beating", "axes", "machete", "تیراندازی", "مسلح", "درگیری", "به رگبار", "رگبار")},
	{"bombing", terms("", false, "bomb", "explosion", "explosive", "blast", "missile", "ied", "car bomb",
		"airstrike", "air strike", "drone strike", "air raid", "انفجار",
		"بمب", "منفجر", "موشک", "خودروی بمبگذاری", "shelled", "shelling", "artillery", "mortar", "گلوله باران", "گلوله‌باران", "خمپاره")},
	// arson: the GTD's facility attack, incendiaries included ("firebomb"
	// is no "bomb": cues match at a word's start)
	{"facility_attack", terms("", false, "set fire", "setting fire", "set ablaze", "arson", "firebomb", "torched",
		"incendiary", "petrol bomb", "molotov", "به آتش کشید", "آتش زد", "آتش زدند")},
	// after the others: hostages are taken in many an armed assault
	{"barricade_hostage", terms("", false, "hostage", "گروگان")},
}

var suicideCues = terms("suicide", false, "suicide", "blew himself up", "blown himself up", "blew herself up", "blew themselves up", "انتحاری", "عملیات استشهادی")

// siteCues give the number of coordinated sites.
var siteCues = []struct {
	n  int
	ts []term
}{
	{2, terms("", false, "twin", "dual", "two simultaneous", "two explosions", "two blasts", "two bombs", "two attacks", "two terrorist attacks", "two terror attacks", "two suicide",
		"دو انفجار", "دو حمله", "دو بمب", "انفجارهای دوگانه", "دو انفجار تروریستی")},
	{3, terms("", false, "triple", "three simultaneous", "three explosions", "three blasts", "three bombs", "three attacks",
		"three suicide", "سه انفجار", "سه حمله", "سه بمب")},
	{4, terms("", false, "four simultaneous", "four explosions", "four blasts", "four bombs", "four attacks",
		"چهار انفجار", "چهار حمله")},
}

// targetCues map words to target types; the labels join several with ", ".
// The first seven are the words of the Iranian corpus the rules were
// written on. The broad ones, named after the GTD codebook's types, name
// things a text also mentions for other reasons (the wounded taken to a
// hospital, residents who saw the blast), so they count only when tied to
// the attack ("set fire to a business", "an attack on a school"). Words
// whose codebook type depends on the country are left out: a market is a
// business or a public place, a border post police or military.
var targetCues = []struct {
	typ   string
	broad bool
	ts    []term
}{
	{"government_building", false, terms("", false, "parliament", "majlis", "ministry building", "مجلس شورای اسلامی", "ساختمان مجلس")},
	{"religious_site", false, terms("", false, "mausoleum", "shrine", "mosque", "holy", "cemetery", "حرم", "مرقد", "مسجد", "گلزار شهدا", "آرامگاه")},
	{"military_parade", false, terms("", false, "military parade", "parade", "رژه")},
	{"police", false, terms("", false, "police station", "police post", "police headquarters", "police officers", "policemen",
		"police vehicle", "police patrol", "مقر پلیس", "ایستگاه پلیس", "فرماندهی انتظامی", "کلانتری", "ماموران انتظامی")},
	{"military", false, terms("", false, "military base", "soldiers", "border guards", "مرزبان", "پادگان")},
	{"militants", false, terms("", false, "positions of daesh", "daesh positions", "isis headquarters", "strongholds", "مواضع")},
	{"railway", false, concat(terms("", true, "train", "trains"), terms("", false, "railway", "قطار", "خط آهن"))},
	{"police", true, terms("", false, "police department", "police building")},
	{"military", true, terms("", false, "army truck", "army convoy", "military convoy", "military vehicle", "troops", "army post", "checkpoint", "ایست بازرسی")},
	{"business", true, terms("", false, "business", "shop", "store", "restaurant", "bank", "factory", "warehouse", "company",
		"farm", "hotel", "clinic", "hospital", "office of", "offices of", "بانک", "فروشگاه", "مغازه", "کارخانه", "بیمارستان")},
	{"utilities", true, terms("", false, "power station", "power plant", "substation", "pipeline", "power line", "water plant", "نیروگاه", "خط لوله")},
	{"educational_institution", true, terms("", false, "university", "school", "college", "campus", "teachers", "students", "دانشگاه", "مدرسه", "دانشجویان")},
	{"journalists_media", true, terms("", false, "newspaper", "journalist", "reporters", "television station", "tv station", "radio station", "خبرنگار", "روزنامه")},
	{"government_general", true, terms("", false, "politician", "party leader", "opposition leader", "mayor", "lawmaker", "city hall",
		"government building", "governor", "فرمانداری", "شهرداری", "استانداری")},
	{"private_citizens_property", true, terms("", false, "civilian", "residential", "houses", "homes", "home of", "villagers", "passers-by", "worshippers",
		"a woman", "woman", "women", "children", "a man", "two men", "غیرنظامیان", "منازل", "خانه", "روستاییان")},
}

// casualty keywords. A figure before or after one of these counts it.
var (
	killedWords = concat(
		terms("killed", false, "killed", "dead", "martyred", "martyrs", "lost their lives", "lost his life", "death toll",
			"deaths", "died", "killing", "number of people martyred", "number of martyrs", "bodies", "lives", "were assassinated",
			"fatality", "fatalities"),
		terms("killed", false, "کشته", "شهید", "شهادت", "جان باخت", "جانباخت", "جان خود را از دست", "فوت", "شهدا", "ترور شدند", "به قتل رسید", "به قتل رساند"),
	)
	// deathWords say people died without a count: the labels code them
	// as qualifier none ("deadly", "bloody").
	deathWords   = terms("death", false, "deadly", "bloody", "fatal", "خونین", "مرگبار")
	woundedWords = concat(
		terms("wounded", false, "injured", "wounded", "injuring", "wounding", "hurt", "injuries"),
		terms("wounded", false, "زخمی", "مجروح", "مصدوم", "جراحت"),
	)
	combinedWords = concat(
		terms("combined", false, "casualties", "killed or injured", "killed or wounded", "killed and injured",
			"killed and wounded", "injured or martyred", "martyred or injured", "dead or injured", "injured or killed",
			"martyred and injured", "dead and injured", "martyred or wounded", "wounded or killed"),
		terms("combined", false, "کشته و زخمی", "کشته و مجروح", "شهید و زخمی", "شهید و مجروح", "شهید یا زخمی", "مجروح و شهید", "تلفات"),
	)
	// noCasualtyCues say that no one died or was hurt ("there were no
	// reported casualties", "تلفات جانی نداشت"): a figure of 0, which the
	// labels code exact, rather than nothing said (null).
	noCasualtyCues = concat(
		terms("both", false, "no casualties", "no reported casualties", "no one was hurt", "nobody was hurt",
			"no one was killed or injured", "no one was injured or killed", "no one was killed or wounded",
			"بدون تلفات", "تلفات جانی نداشت", "تلفات جانی در پی نداشت", "تلفات جانی به همراه نداشت", "هیچ تلفاتی",
			"کسی کشته یا زخمی نشد", "خسارت جانی نداشت", "خسارت جانی در پی نداشت"),
		terms("killed", false, "no one was killed", "nobody was killed", "no deaths", "no one died", "کسی کشته نشد"),
		terms("wounded", false, "no one was injured", "nobody was injured", "no injuries", "no one was wounded", "کسی زخمی نشد"),
	)
	// attackerTerms before a figure's keyword mean the figure counts the
	// attackers, whom the labels exclude.
	attackerTerms = concat(
		terms("attacker", false, "attacker", "assailant", "gunmen", "gunman", "militant", "bomber", "perpetrator", "مهاجم"),
		// "terrorist" and "تروریستی" are also adjectives ("the terrorist attack"): whole words only
		terms("attacker", true, "terrorists", "تروریست", "تروریستها", "تروریستهای", "تکفیریها"),
	)
)

// aggregateCues mark a sentence that counts many incidents ("17,000
// Iranians have been killed in acts of terror over the past three
// decades"): its figures belong to no incident.
var aggregateCues = terms("aggregate", false, "over the past", "in the past", "since 19", "since 20", "decades",
	"so far this year", "طی سالهای", "در طول سالهای", "سال گذشته تاکنون")

// seriesCues count several incidents together ("a series of anthrax
// letters had killed five"): an aggregate in a sentence recalled beside
// the news, but the news itself when the anchor sentence tells it ("a
// series of explosions killed 12 in Kabul on Monday").
var seriesCues = terms("aggregate", false, "a series of", "a wave of", "مجموعه‌ای از", "سلسله")

// backgroundCues mark a sentence about an earlier incident that the news
// is a response to ("in retaliation for the recent terrorist attacks").
var backgroundCues = concat(terms("background", false, "retaliation", "revenge", "in response to", "mastermind", "انتقام"),
	terms("terror", false, "terror", "تروریستی"))

// claimCues say a group claimed responsibility.
var claimCues = terms("claim", false, "claimed responsibility", "claimed the attack", "claimed the attacks", "took responsibility",
	"claimed", "claim of responsibility", "responsibility for", "-claimed", "amaq", "took credit", "claimed credit",
	"the group was behind", "said it was behind", "مسئولیت", "مسوولیت", "بر عهده گرفت")

// attributionCues tie a group to an attack as its perpetrator.
var attributionCues = terms("attribution", false, "carried out by", "linked to", "members of", "militants", "terrorists of",
	"stormed", "attacked", "fired", "launched", "killed", "توسط", "عناصر", "تروریستهای")

// relativeDays resolve against the publication date: offset in days.
var relativeDays = map[string]int{
	"today": 0, "this morning": 0, "earlier today": 0, "earlier in the day": 0, "tonight": 0,
	"yesterday": -1, "last night": -1, "two days ago": -2, "three days ago": -3,
	"امروز": 0, "صبح امروز": 0, "بامداد امروز": 0, "امشب": 0, "دیروز": -1, "دیشب": -1, "شب گذشته": -1,
	"روز گذشته": -1, "پریروز": -2, "دو روز پیش": -2, "سه روز پیش": -3,
}

var countryWordsFa = map[string]string{
	"ایران": "IR", "عراق": "IQ", "سوریه": "SY", "لبنان": "LB", "افغانستان": "AF", "پاکستان": "PK", "روسیه": "RU",
	"اسپانیا": "ES", "آمریکا": "US", "امریکا": "US", "عربستان": "SA", "یمن": "YE", "ترکیه": "TR", "فرانسه": "FR",
	"انگلیس": "GB", "مصر": "EG", "لیبی": "LY", "فلسطین": "PS", "اردن": "JO", "بحرین": "BH",
}

// countryAdjEn: adjectives and names in English that give a country.
var countryWordsEn = map[string]string{
	"iran": "IR", "iranian": "IR", "iraq": "IQ", "iraqi": "IQ", "syria": "SY", "syrian": "SY", "lebanon": "LB",
	"afghanistan": "AF", "pakistan": "PK", "russia": "RU", "spain": "ES", "turkey": "TR", "france": "FR",
	"yemen": "YE", "egypt": "EG", "libya": "LY", "saudi arabia": "SA", "israel": "IL", "palestine": "PS",
}

func concat(ls ...[]term) []term {
	var out []term
	for _, l := range ls {
		out = append(out, l...)
	}
	return out
}

// group is a group the text may name.
type group struct {
	key, name string
	state     bool
}

// groupTerms is the actor table (internal/actors, shared with fusion) as
// terms whose val is the actor's key; names marked field-only ("IS") are
// left out, as they are also common words.
var groupTerms, groupByKey = func() ([]term, map[string]group) {
	var ts []term
	by := map[string]group{}
	for _, a := range actors.All() {
		by[a.Key] = group{key: a.Key, name: a.Name, state: a.State}
		for _, n := range a.Names {
			if n.FieldOnly {
				continue
			}
			// short names must be whole words ("ISKP", "حماس" not in "حماسه" epic);
			// longer ones may take suffixes ("Taliban's", "طالبانی")
			ts = append(ts, term{text: Normalize(n.Text), exact: utf8.RuneCountInString(n.Text) <= 5, val: a.Key})
		}
	}
	return ts, by
}()

// GroupKey returns the key of the group a name means ("Daesh" →
// "islamic_state"), or "" if the extraction lexicon does not know it. The
// scorer compares groups by key.
func GroupKey(name string) string {
	n := Normalize(name)
	best := ""
	bestLen := 0
	for _, t := range groupTerms {
		if len(t.text) > bestLen && strings.Contains(n, t.text) {
			hs := findAll(n, 0, len(n), []term{t})
			if len(hs) > 0 {
				best, bestLen = t.val, len(t.text)
			}
		}
	}
	return best
}

// allLexicons lists every lexicon the extractor matches, for the one-pass
// scan (extract.go, scanAll). A lexicon missing here still works, matched
// on its own, only slower.
func allLexicons() [][]term {
	ls := [][]term{eventVerbs, reactionCues, attackNouns, suicideCues, killedWords, deathWords, woundedWords,
		combinedWords, attackerTerms, aggregateCues, backgroundCues, claimCues, attributionCues, groupTerms,
		casualtyAny, stateVerbs, coordinationCues, eventWords, tollWords, eventCues, speakerCues, reportedSpeech, membersCues, didCues, attackedBefore, attackedAfter, statementCues, warCues, occasionCues, violenceCues, assassinatedOne, attemptWords,
		selfDetonation, recalledAttackNouns, strikeWords, respectivelyWords, noCasualtyCues, seriesCues}
	for _, c := range attackTypeCues {
		ls = append(ls, c.ts)
	}
	for _, c := range siteCues {
		ls = append(ls, c.ts)
	}
	for _, o := range ordinalSites {
		ls = append(ls, o.ts)
	}
	for _, c := range targetCues {
		ls = append(ls, c.ts)
	}
	for _, k := range knownEvents {
		ls = append(ls, k.cues)
		if k.need != nil {
			ls = append(ls, k.need)
		}
		if k.names != nil {
			ls = append(ls, k.names)
		}
	}
	return ls
}
