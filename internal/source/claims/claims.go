// Package claims reads analysts' claim tables: spreadsheets, kept the way
// Airwars and Iraq Body Count keep them, of what each published report
// said about an event. The layout is that of
// shared/data/news/claims/casualty_claims_tehran2017_ahvaz2018.csv:
//
//	event, event_date, url, lang, page_date_in_corpus, killed, injured,
//	cited_source, perpetrator_claim, notes
//
// one row per published page, figures as free text ("12", ">=12", "up to
// 7", "2 (IRNA); 7 (Fars via CNN)", "dozens", Persian digits), read with
// extract.ParseFigure. Columns are found by name in any order; event,
// event_date, url, killed and injured must be there.
//
// # One claim per record
//
// A row states one or more figures, each with its own cited source, and
// each becomes a claim of its own, so that fusion weighs "2 (IRNA)" and
// "7 (Fars via CNN)" separately. A model.Record holds one claim, and the
// store keeps one current claim per report reference (a second record with
// the same reference would supersede the first), so the reader emits one
// record per claim, each with a reference of its own and the row's bytes
// as its raw report: model.Record is unchanged. The references are made
// from the file's content alone, so that re-importing the same file gives
// the same ids and stores nothing new:
//
//   - a row's reference is its url; a url already used by an earlier row
//     for another event gets "#<event>" ("https://nos.nl/…#tehran_2017"), and
//     a url repeated for the same event "#<event>-<n>", n counting from 2;
//   - the row's first claim has the row's reference, its n-th (n ≥ 2) the
//     row's reference + "#k<n>";
//   - should a url spell another row's reference ("…#k2"), the later one
//     gets "~2", "~3": no two records of a file share an id.
//
// An edited cell changes the row's bytes, so the row's claims come back as
// updated reports; a figure removed from a cell leaves its earlier claim
// in the store (reports are immutable), which the analyst sees in the
// claim's history.
//
// # Pairing killed and injured figures
//
// Killed figure and injured figure go into the same claim when they are
// credited to the same source and are both current or both earlier
// ("1 (headline); 3 (ISNA in body)" with "12 (headline); dozens (body)":
// headline 1/12 and body 3/dozens); a source naming a part of the page
// (headline, body, infobox) is matched on that part. Unpaired figures make
// claims of their own, with the other count unknown: a figure is never
// attached to a source that did not give it. A row without any figure
// still makes one claim (the page reported the event).
//
// # Other fields
//
//   - Source "claims:<file stem>", kind feed: the rows are news reports.
//   - Country, Admin1 and Place from the event key's place ("tehran_2017",
//     "ahvaz_2018") by a small table of Iranian cities; Options.Country
//     sets the country of every row for other tables. An unknown place
//     leaves them empty (fusion then blocks on date alone).
//   - Start, End and precision from event_date (extract.ParseDate: ISO or
//     Solar Hijri).
//   - Report.Published from page_date_in_corpus when it gives a day ("2017-
//     06-06 (off by one day)" is the day the page carried; "2017-06-07
//     13:08 GMT" a time); a month alone ("2018-09") gives none.
//   - Perpetrator is empty: the table records what pages said, not who did
//     it. ClaimedBy lists the groups perpetrator_claim names ("ISIS (Amaq)"
//     → ISIS; "ISIS and Ahvaz National Resistance both claimed" → both);
//     "none yet", "not yet claimed", a suspicion ("suspected Islamic
//     State") and generic labels ("takfiri elements") give none.
//   - The claim's cited source is the figure's own ("IRNA"), else the
//     row's cited_source.
//   - Text is the notes; Codes keep every cell as written (event, url,
//     lang, cited_source, page_date, killed_text, injured_text,
//     perpetrator_claim) and the figure's own span, source and note.
package claims

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// kind names claim tables in errors.
const kind = "claim table"

// Required lists the columns a claim table must have.
var Required = []string{"event", "event_date", "url", "killed", "injured"}

// Optional lists the other columns of the layout, read when present.
var Optional = []string{"lang", "page_date_in_corpus", "cited_source", "perpetrator_claim", "notes"}

// codeColumns are the cells kept on each claim's Codes, by code name.
var codeColumns = []struct{ code, column string }{
	{"event", "event"}, {"url", "url"}, {"lang", "lang"}, {"cited_source", "cited_source"},
	{"page_date", "page_date_in_corpus"}, {"killed_text", "killed"}, {"injured_text", "injured"},
	{"perpetrator_claim", "perpetrator_claim"},
}

// Claim flags set by this reader.
const (
	// FlagEarlierFigure marks a claim whose figures the page itself gives
	// as superseded ("28 (earlier 24)").
	FlagEarlierFigure = "earlier_figure"
	// FlagIncludesAttackers marks a killed figure that counts attackers
	// ("23 incl. 5 attackers"); Codes["attackers_included"] says how many.
	FlagIncludesAttackers = "killed_includes_attackers"
)

// Reliability is the prior of a claim table's reports: pages of varying
// quality, some copied, some contradicting themselves.
const Reliability = 0.4

// Options tune the reader.
type Options struct {
	source.Options
	// Country, when set (ISO alpha-2), is the country of every row,
	// overriding the event-key table.
	Country string
}

// Reader reads a claim table. It implements source.Reader.
type Reader struct {
	t       *source.Table
	opts    Options
	src     model.Source
	col     map[string]int
	err     error
	pending []model.Record
	urlSeen map[string]string // url → event of its first row
	pairs   map[string]int    // url + "\x00" + event → rows so far
	used    map[string]bool   // references handed out
}

// NewReader reads and checks the header: a file without the required
// columns gives a *source.KindError at once.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.Country != "" {
		c, ok := model.CountryByISO2(strings.ToUpper(opts.Country))
		if !ok {
			return nil, fmt.Errorf("claims: country %q is not an ISO 3166 alpha-2 code", opts.Country)
		}
		opts.Country = c.ISO2
	}
	t, err := source.NewTable(r)
	var pe *csv.ParseError
	switch {
	case errors.Is(err, source.ErrNoHeader), errors.As(err, &pe):
		return nil, &source.KindError{File: opts.Name, Kind: kind, Expected: Required, Missing: Required}
	case err != nil:
		return nil, fmt.Errorf("claims: %s: reading header: %w", opts.Name, err)
	}
	if miss := t.Missing(Required); len(miss) > 0 {
		return nil, &source.KindError{File: opts.Name, Kind: kind, Expected: Required, Missing: miss}
	}
	col := map[string]int{}
	for _, c := range append(append([]string{}, Required...), Optional...) {
		col[c] = t.Index(c)
	}
	return &Reader{t: t, opts: opts, src: SourceFor(opts.Name), col: col,
		urlSeen: map[string]string{}, pairs: map[string]int{}, used: map[string]bool{}}, nil
}

// SourceFor returns the source of a claim table file: "claims:<stem>".
func SourceFor(file string) model.Source {
	stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	name := "claims"
	if stem != "" && stem != "." && stem != string(filepath.Separator) {
		name += ":" + stem
	}
	return model.Source{Name: name, Kind: model.KindFeed, Title: "Claim table " + stem, Reliability: Reliability}
}

// Source returns the table's source.
func (r *Reader) Source() model.Source { return r.src }

// Next returns the next record (one claim of a row), a *source.RowError
// for a row that cannot be used, io.EOF at the end, or another error that
// ends the file.
func (r *Reader) Next() (model.Record, error) {
	for {
		if len(r.pending) > 0 {
			rec := r.pending[0]
			r.pending = r.pending[1:]
			return rec, nil
		}
		if r.err != nil {
			return model.Record{}, r.err
		}
		row, raw, line, err := r.t.Row(r.opts.Name)
		var re *source.RowError
		switch {
		case errors.As(err, &re):
			return model.Record{}, re
		case err == io.EOF:
			r.err = io.EOF
			continue
		case err != nil:
			r.err = fmt.Errorf("claims: %w", err)
			continue
		}
		if blank(row) {
			continue
		}
		recs, err := r.records(row, raw, line)
		if err != nil {
			return model.Record{}, err
		}
		r.pending = recs
	}
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (r *Reader) rowErr(line int, field, reason string, raw []byte) *source.RowError {
	return &source.RowError{File: r.opts.Name, Line: line, Field: field, Reason: reason, Raw: string(raw)}
}

// records makes the records of one row.
func (r *Reader) records(row []string, raw []byte, line int) ([]model.Record, error) {
	get := func(c string) string {
		if i := r.col[c]; i >= 0 {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	fail := func(c, format string, args ...any) ([]model.Record, error) {
		name := c
		if i := r.col[c]; i >= 0 {
			name = r.t.Header[i]
		}
		return nil, r.rowErr(line, name, fmt.Sprintf(format, args...), raw)
	}

	event := get("event")
	if event == "" {
		return fail("event", "empty: the event key groups the rows of one event")
	}
	url := get("url")
	if url == "" {
		return fail("url", "empty: each row is a published page")
	}
	date, err := extract.ParseDate(get("event_date"))
	if err != nil {
		return fail("event_date", "%q: %v", get("event_date"), err)
	}
	killed, err := figures(get("killed"))
	if err != nil {
		return fail("killed", "%v", err)
	}
	injured, err := figures(get("injured"))
	if err != nil {
		return fail("injured", "%v", err)
	}
	pageDate := get("page_date_in_corpus")
	published, err := publishedTime(pageDate)
	if err != nil {
		return fail("page_date_in_corpus", "%v", err)
	}

	ref := r.rowRef(url, event)
	place := placeOf(event)
	country := place.country
	if r.opts.Country != "" {
		country = r.opts.Country
	}
	base := model.Claim{
		Source:         r.src.Name,
		Start:          date.Start,
		End:            date.End,
		DatePrecision:  date.Precision,
		Country:        country,
		Admin1:         place.admin1,
		Place:          place.name,
		PlacePrecision: model.PlaceUnknown,
		AttackType:     model.UnknownAttack,
		ClaimedBy:      claimedBy(get("perpetrator_claim")),
		Text:           get("notes"),
	}
	if place.name != "" {
		base.PlacePrecision = model.PlaceCity
	} else if country != "" {
		base.PlacePrecision = model.PlaceCountry
	}
	codes := map[string]string{}
	for _, cc := range codeColumns {
		if v := get(cc.column); v != "" {
			codes[cc.code] = v
		}
	}

	var recs []model.Record
	for n, p := range pair(killed, injured) {
		cref := ref
		if n > 0 {
			cref = ref + "#k" + strconv.Itoa(n+1)
		}
		cref = r.unique(cref)
		rep := source.NewReport(r.src.Name, cref, 0, raw, r.opts.Options, line)
		rep.Published = published
		c := base
		c.ID = model.ClaimID(rep.ID, 1)
		c.ReportID = rep.ID
		c.ClaimedBy = append([]string(nil), base.ClaimedBy...)
		if len(c.ClaimedBy) == 0 {
			c.ClaimedBy = nil
		}
		c.Codes = make(map[string]string, len(codes)+6)
		for k, v := range codes {
			c.Codes[k] = v
		}
		figSource := ""
		earlier := false
		if f := p.killed; f != nil {
			rg := f.Range
			c.Killed = &rg
			c.Codes["killed_figure"] = f.Text
			if f.Note != "" {
				c.Codes["killed_note"] = f.Note
			}
			if f.Attackers > 0 {
				c.Codes["attackers_included"] = strconv.Itoa(f.Attackers)
				c.Flags = append(c.Flags, FlagIncludesAttackers)
			}
			figSource, earlier = f.Source, f.Earlier
		}
		if f := p.injured; f != nil {
			rg := f.Range
			c.Wounded = &rg
			c.Codes["injured_figure"] = f.Text
			if f.Note != "" {
				c.Codes["injured_note"] = f.Note
			}
			if figSource == "" {
				figSource = f.Source
			}
			earlier = earlier || f.Earlier
		}
		if figSource != "" {
			c.Codes["figure_source"] = figSource
		}
		if earlier {
			c.Flags = append(c.Flags, FlagEarlierFigure)
		}
		for _, rg := range []*model.Range{c.Killed, c.Wounded} {
			if rg != nil && !rg.Ordered() {
				flag := model.FlagKilledRangeOrder
				if rg == c.Wounded {
					flag = model.FlagWoundedRangeOrder
				}
				c.Flags = append(c.Flags, flag)
			}
		}
		recs = append(recs, model.Record{Report: rep, Claim: c})
	}
	return recs, nil
}

// CitedSource returns the source a claim credits its figures to: the
// figure's own, else the row's cited_source.
func CitedSource(c model.Claim) string {
	if s := c.Codes["figure_source"]; s != "" {
		return s
	}
	return c.Codes["cited_source"]
}

// rowRef returns the row's reference (see the package doc).
func (r *Reader) rowRef(url, event string) string {
	key := url + "\x00" + event
	r.pairs[key]++
	first, seen := r.urlSeen[url]
	if !seen {
		r.urlSeen[url] = event
		return url
	}
	// The first row of a url took the bare url; a pair's first row after
	// that is "#event", its later rows "#event-n" (n counting the pair's rows).
	n := r.pairs[key]
	if n == 1 && first != event {
		return url + "#" + event
	}
	return url + "#" + event + "-" + strconv.Itoa(n)
}

// unique makes a reference that another row's url happens to spell (a url
// ending in "#k2" or "#<event>") distinct, in file order, so that no two
// records of a file share a report id.
func (r *Reader) unique(ref string) string {
	out := ref
	for n := 2; r.used[out]; n++ {
		out = ref + "~" + strconv.Itoa(n)
	}
	r.used[out] = true
	return out
}

// figures parses a figure cell; an empty cell or one that gives no number
// is no figure.
func figures(s string) (extract.Figures, error) {
	figs, err := extract.ParseFigure(s)
	if errors.Is(err, extract.ErrNoFigure) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return figs, nil
}

// figurePair is the killed and injured figures of one claim.
type figurePair struct{ killed, injured *extract.Figure }

// pair matches killed and injured figures credited to the same source
// (see the package doc); it always returns at least one pair.
func pair(killed, injured extract.Figures) []figurePair {
	var out []figurePair
	used := make([]bool, len(injured))
	for i := range killed {
		p := figurePair{killed: &killed[i]}
		k := figureKey(killed[i])
		for j := range injured {
			if !used[j] && figureKey(injured[j]) == k {
				used[j] = true
				p.injured = &injured[j]
				break
			}
		}
		out = append(out, p)
	}
	for j := range injured {
		if !used[j] {
			out = append(out, figurePair{injured: &injured[j]})
		}
	}
	if len(out) == 0 {
		out = append(out, figurePair{})
	}
	return out
}

// pageParts are the parts of a page a figure can be credited to.
var pageParts = []string{"headline", "infobox", "body", "summary", "lead", "caption", "title"}

func figureKey(f extract.Figure) string {
	src := extract.Normalize(f.Source)
	words := strings.Fields(src)
	for _, p := range pageParts {
		if slices.Contains(words, p) {
			src = p
			break
		}
	}
	if f.Earlier {
		return src + "\x00earlier"
	}
	return src
}

// publishedTime reads the page date when it gives a day: "2017-06-07",
// "2017-06-07 13:08 GMT", "2017-06-06 (off by one day)", a Solar Hijri
// date. A month or a year alone gives nil; so does an empty cell.
func publishedTime(s string) (*time.Time, error) {
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if s == "" {
		return nil, nil
	}
	clock := ""
	if m := timeSuffix.FindStringSubmatch(s); m != nil {
		s, clock = strings.TrimSpace(s[:len(s)-len(m[0])]), m[1]
	}
	d, err := extract.ParseDate(s)
	if err != nil {
		return nil, err
	}
	if d.Precision != model.PrecisionDay {
		if clock != "" {
			return nil, fmt.Errorf("%q: a time without a day", s)
		}
		return nil, nil
	}
	t := d.Start.Time()
	if clock != "" {
		hm, err := time.Parse("15:04", clock)
		if err != nil {
			return nil, fmt.Errorf("time %q: %w", clock, err)
		}
		t = t.Add(time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute)
	}
	return &t, nil
}

// timeSuffix is a time of day after a date, in UTC ("13:08 GMT", "13:08Z").
var timeSuffix = regexp.MustCompile(`\s+(\d{1,2}:\d{2})\s*(?:GMT|UTC|Z)?$`)

// place is what an event key's place tells.
type place struct{ name, admin1, country string }

// places maps the place part of event keys to the city, its province and
// country. Only Iranian cities of the attacks vigil was built around and
// their neighbours are listed; Options.Country covers other tables.
var places = map[string]place{
	"tehran":    {"Tehran", "Tehran", "IR"},
	"ahvaz":     {"Ahvaz", "Khuzestan", "IR"},
	"ahwaz":     {"Ahvaz", "Khuzestan", "IR"},
	"shiraz":    {"Shiraz", "Fars", "IR"},
	"kerman":    {"Kerman", "Kerman", "IR"},
	"zahedan":   {"Zahedan", "Sistan and Baluchestan", "IR"},
	"chabahar":  {"Chabahar", "Sistan and Baluchestan", "IR"},
	"saravan":   {"Saravan", "Sistan and Baluchestan", "IR"},
	"iranshahr": {"Iranshahr", "Sistan and Baluchestan", "IR"},
	"rask":      {"Rask", "Sistan and Baluchestan", "IR"},
	"izeh":      {"Izeh", "Khuzestan", "IR"},
	"mashhad":   {"Mashhad", "Razavi Khorasan", "IR"},
	"iran":      {"", "", "IR"},
}

// placeOf reads the place of an event key: its letters up to the first
// "_", "-" or digit ("tehran_2017", "ahvaz-2018", "kerman2024").
func placeOf(event string) place {
	key := strings.ToLower(event)
	if i := strings.IndexAny(key, "_- 0123456789"); i >= 0 {
		key = key[:i]
	}
	if p, ok := places[key]; ok {
		return p
	}
	if c, ok := model.CountryByName(key); ok && key != "" {
		return place{country: c.ISO2}
	}
	return place{}
}

// notAGroup are perpetrator_claim values that name no claiming group.
var notAGroup = map[string]bool{"none": true, "none yet": true, "not yet claimed": true, "unclaimed": true,
	"no claim": true, "unknown": true, "n/a": true, "-": true}

// genericLabels are words that blame without naming a group (the hand
// labels give them no claimant either).
var genericLabels = regexp.MustCompile(`(?i)^(takfiri|terrorists?|takfiri elements|takfiri terrorists|rioters|unknown gunmen|gunmen|a foreign regime)$`)

var (
	parenthetical = regexp.MustCompile(`\s*\([^)]*\)`)
	bothClaimed   = regexp.MustCompile(`(?i)^(both\s+)?(.*?)(\s+both)?\s+claimed$`)
	andSplit      = regexp.MustCompile(`\s+(?:and|&)\s+|\s*;\s*|\s*,\s*`)
)

// claimedBy lists the groups a perpetrator_claim cell names (see the
// package doc).
func claimedBy(s string) []string {
	s = strings.TrimSpace(parenthetical.ReplaceAllString(s, ""))
	low := strings.ToLower(s)
	if s == "" || notAGroup[low] || strings.HasPrefix(low, "suspected") || strings.HasPrefix(low, "alleged") ||
		strings.HasPrefix(low, "not yet") || strings.HasPrefix(low, "none") {
		return nil
	}
	if m := bothClaimed.FindStringSubmatch(s); m != nil {
		s = m[2]
	}
	var out []string
	for _, g := range andSplit.Split(s, -1) {
		g = strings.TrimSpace(g)
		if g == "" || genericLabels.MatchString(g) {
			continue
		}
		out = append(out, g)
	}
	return out
}
