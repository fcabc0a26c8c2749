// Package extract reads facts out of text as people write them, in English
// and Persian: casualty figures with their qualifiers, vague words and
// cited sources (ParseFigure), and dates in the Gregorian and Solar Hijri
// calendars (ParseDate, HijriToGregorian, GregorianToHijri); and from a
// whole news text (Extract) whether it reports a violent incident and
// what it says of the main one, in the shape of the hand labels of
// shared/data/news.
//
// # Extraction
//
// Extract is rules and lexicons, explainable: every value read keeps the
// span of the input it came from (byte offsets and the quoted words), and
// values not read from a span say why in Notes. In order:
//
//   - The lead (first sentence, or headline and abstract) decides
//     is_incident_report: an event verb ("were targeted", "stormed",
//     "کشته شدند") with no reaction word before it ("condemning",
//     "funeral", "arrested", "تشییع", "بازداشت"), no commemoration word
//     ("anniversary", "سالگرد", "مراسم") either, unless the lead counts
//     casualties of an attack on the commemoration itself (Kerman 2024),
//     and the incident did not end more than two weeks before publication.
//   - The first sentence naming an attack anchors the main incident. A
//     state force acting in it ("the IRGC fired missiles") makes it a
//     state action, and sentences recalling the attack it answers are
//     skipped.
//   - Place: the gazetteer name nearest the attack word, a country named
//     first, or the dateline; Iranian cities give their province.
//   - Date: a full date in the text (Gregorian, Solar Hijri with Persian
//     month names or numbers, a bare Solar Hijri year as a year from its
//     first day); else an attack of the table of known events
//     (events.tsv) that the text identifies; else a weekday or
//     "yesterday"/"دیروز" against the publication date, which in a text
//     that is no incident report only counts when tied to the attack
//     ("were killed on Friday"). Dates next to a reaction or statement
//     verb date the reaction.
//   - Attack type, target, suicide and sites from cue words, the anchor
//     sentence first; groups from the actor table of internal/actors
//     (shared with fusion), claimed_by when the sentence reports a claim,
//     perpetrator_named when it ties the group to the act.
//   - Casualties: each killed/wounded word takes the figure before it
//     ("25 people, including children, were killed"), or after a verb
//     form or toll ("killing 18", "the death toll reached 25", "شهادت دو
//     نفر"), read by ParseFigure; attackers, dates, aggregates and other
//     places' figures are skipped, combined figures ("70 killed or
//     injured") are kept apart, and the largest figure wins, as tolls rise;
//     a revised toll ("rose from 18 to 25") gives its new figure, an
//     addition ("another 7 died") adds to the toll before it, and a
//     coordinated attack told site by site sums its sites (SiteFigures).
//   - Incident.Claim turns an incident into the model.Claim fusion takes;
//     ClaimExtractor does so for a whole article, as the feed poller asks.
//   - Secondary incidents, after the main one: a sentence naming an attack
//     with its own written date, another city's attack that the table of
//     known events identifies, and the attack a state strike answers when
//     the text identifies it; wars and invasions are not coded.
//
// # Figures
//
// Text is first normalised (Normalize): Persian and Arabic-Indic digits
// become ASCII, Arabic letter forms become Persian ones, ZWNJ and
// diacritics are dropped, "≥"/"≤" become ">="/"<=". A figure is then an
// optional qualifier, a count, and optional trailing words and bracketed
// remarks. The qualifiers and the range each gives, with n the number
// written:
//
//	written                                        range (low/best/high)  qualifier
//	"12", "twelve", "دوازده"                       n/n/n                  exact
//	"at least 12", ">=12", "12+", "دست‌کم ۱۲",      n/n/n                  at_least
//	  "حداقل", "no fewer than", "بالغ بر"
//	"more than 100", "over 20", ">60", "بیش از"     n+1/n+1/n+1            at_least
//	"up to 7", "<=7", "at most", "as many as",      n/n/n                  up_to
//	  "تا ۷", "حداکثر"
//	"less than 10", "fewer than", "under", "<10",   n-1/n-1/n-1            up_to
//	  "کمتر از"
//	"about 20", "around", "~20", "some 60",         n/n/n                  about
//	  "nearly 30", "almost", "حدود", "نزدیک به"
//	"20-25", "20 to 25", "between 20 and 25",       a/a/b                  exact (about after "about")
//	  "۲۰ تا ۲۵", "1 or 2"
//
// "More than N" excludes N, so its low bound is N+1; Figure.Stated keeps N
// for a scorer that counts the written number. "Nearly 30" and "almost 30"
// literally mean fewer than 30, but writers use them to round, and the
// hand labels in shared/data/news code them as about 30; they are read as
// about, not up_to. A range given by the text is exact between its bounds,
// with best its low end: the most conservative number the words support,
// ACLED's rule for disputed or vague figures.
//
// # Vague words
//
// Vague words are read as documented ranges, qualifier about, best the
// conservative reading. ACLED codes "tens" as 10, "dozens" as 12 and
// "hundreds" as 100 (its fatality FAQ: "the most conservative estimate
// available"); vigil keeps those as best and low, so a fused incident
// never reads more into a vague word than ACLED would, and adds a high
// bound: the point past which a writer would have used the next word.
//
//	word                          low   best  high  why
//	"a couple (of)"                 2     2     3   two, loosely
//	"a few", "a handful (of)"       2     2     5   more than one, fewer than "several" suggests
//	"several", "چند", "چندین"       3     3     9   more than a couple, fewer than ten ("tens")
//	"a dozen", "dozen"             12    12    12   a number word used loosely: qualifier about
//	"tens", "ده‌ها"                10    10    99   ACLED: 10; below 100 or it would be "hundreds"
//	"dozens"                       12    12    99   ACLED: 12 (not 24: ACLED reads the unit once)
//	"scores"                       20    20   199   a score is 20; read like "dozens"
//	"hundreds", "صدها"            100   100   999   ACLED: 100
//	"thousands", "هزاران"         1000  1000  9999   as "hundreds"
//	"several hundred", "چند صد"    the quantifier's range times the unit (300/300/900)
//	"tens of thousands"            10000/10000/99999 (the word's range times 1000)
//
// A qualifier before a vague word ("more than dozens") replaces about.
// "None", "no one", "nobody" and "no deaths" are exact zero.
// Words that say a count exists without giving one ("unconfirmed",
// "unknown", "a number of", "many", "تعدادی") give ErrNoFigure, as the
// hand labels code them (qualifier none); they are not mapped to numbers.
//
// # Sources, notes and compound cells
//
// A cell may list several figures separated by ";": each is a Figure. A
// label before a colon ("body text: 17 civilians") or words before the
// number ("earlier 24") name the figure's source; "earlier", "early",
// "initially" in a label or remark mark it Earlier. A bracketed remark is
// the figure's Source when it names an agency, outlet, official or part of
// a page ("(IRNA)", "(Fars via CNN)", "(headline)", "(ISNA in body)"),
// otherwise a Note ("(IRGC)", "(at shrine)"). A bracketed remark that holds
// a figure is a figure of its own, listed right after ("28 (earlier 24)",
// "23 incl. 5 attackers (infobox: 18 victims)"). "incl. 5 attackers" sets
// Attackers.
//
// A segment holds one figure: in a sentence fragment such as "killing 18
// and injuring at least 56" the first figure is read and the rest is its
// Note. Telling which figure counts the dead is the extractor's work on
// the whole sentence, not ParseFigure's.
//
// # Dates
//
// See ParseDate for the forms read and for how a bare year such as 1402 is
// told apart in the two calendars.
package extract
