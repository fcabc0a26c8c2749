// Package acled reads ACLED (Armed Conflict Location & Event Data) CSV
// exports into reports and claims.
//
// Both the 2020-era 31-column layout and the 2023+ layout (disorder_type,
// civilian_targeting, tags, population_* added; data_id, iso3 or
// event_id_no_cnty sometimes absent) are read: columns are found by their
// header names, in any order. An HXL hashtag row under the header, as HDX
// distributions carry, is passed over.
//
// Each row yields one report (SourceRef event_id_cnty, or "data_id:N" for
// the rare row that lacks one; Revision the row's Unix timestamp, since
// ACLED edits rows in place and the later one wins) and one claim. The choices made where ACLED's codes do not map one to
// one onto vigil's model:
//
//   - time_precision 1 (or empty) is a day; 2 ("within a week") keeps Start = End =
//     event_date with PrecisionWeek, because ACLED does not say on which
//     side of the coded date the week lies and widening it would invent a
//     bound; 3 is the whole month of event_date.
//   - geo_precision 1 (coordinates of the town itself) is PlaceCity, 2
//     (near the town, or the district) PlaceAdmin2, 3 (the province)
//     PlaceAdmin1; an empty one PlaceUnknown.
//   - Killed is fatalities as an exact figure: ACLED codes fatalities
//     conservatively, and a "[size=…]" note is the size of a crowd, not a
//     count of victims, so it is not read as one.
//   - TargetType comes from actor2 by a heuristic: "Civilians …" is
//     private_citizens_property, "Police Forces …" police, "Military
//     Forces …" military, anything else unknown (""). ACLED has no target
//     type of its own.
//   - Events that are not political violence (peaceful protests, protests
//     with intervention, agreements and the other strategic developments
//     that model.AttackTypeFromACLED does not map) are skipped silently
//     and counted by sub-event type (Reader.Skipped, Reader.SkipReasons);
//     they are not errors. A sub-event type that is neither mapped nor a
//     known non-violent one is a row error, so that a new ACLED category
//     is noticed rather than dropped.
package acled

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// Source is ACLED. Its reliability prior is high but below UCDP GED's:
// ACLED codes from media and local partners within days, with less time
// for later verification.
var Source = model.Source{
	Name:        "acled",
	Kind:        model.KindDataset,
	Title:       "Armed Conflict Location & Event Data (ACLED)",
	Reliability: 0.8,
}

// kind names ACLED files in errors.
const kind = "ACLED"

// Required lists the columns an ACLED file must have.
var Required = []string{
	"event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1",
	"country", "latitude", "longitude", "fatalities", "timestamp",
}

// codeColumns are kept on each claim's Codes when non-empty.
var codeColumns = []string{
	"event_type", "sub_event_type", "inter1", "inter2", "interaction", "actor2",
	"assoc_actor_1", "assoc_actor_2", "time_precision", "geo_precision", "source",
	"source_scale", "iso", "iso3", "data_id", "disorder_type", "civilian_targeting", "tags",
}

// nonViolentSubEvents are the sub-event types that are not attacks on
// people or property, in whatever event type they are filed under.
var nonViolentSubEvents = map[string]bool{
	"peaceful protest":                  true,
	"protest with intervention":         true,
	"agreement":                         true,
	"headquarters or base established":  true,
	"change to group/activity":          true,
	"other":                             true,
	"non-violent transfer of territory": true,
}

// nonViolentEvents are the event types whose unmapped sub-event types are
// not attacks.
var nonViolentEvents = map[string]bool{"protests": true, "strategic developments": true}

// columns holds the index of each column the reader uses; -1 when absent.
type columns struct {
	eventID, date, year, timePrec, eventType, subEvent, actor1, actor2 int
	iso, iso3, country, admin1, admin2, location, lat, lon, geoPrec    int
	notes, fatalities, timestamp, dataID                               int
	codes                                                              []codeColumn
}

type codeColumn struct {
	name string
	i    int
}

// Reader reads an ACLED CSV export. It implements source.Reader.
type Reader struct {
	t       *source.Table
	opts    source.Options
	c       columns
	err     error
	skipped int
	reasons map[string]int
}

// NewReader reads and checks the header at once: a file that lacks an
// ACLED column gives a *source.KindError naming the expected columns.
func NewReader(r io.Reader, opts source.Options) (*Reader, error) {
	t, err := source.NewTable(r)
	var pe *csv.ParseError
	switch {
	case errors.Is(err, source.ErrNoHeader), errors.As(err, &pe):
		return nil, &source.KindError{File: opts.Name, Kind: kind, Expected: Required, Missing: Required}
	case err != nil:
		return nil, fmt.Errorf("acled: %s: reading header: %w", opts.Name, err)
	}
	if miss := t.Missing(Required); len(miss) > 0 {
		return nil, &source.KindError{File: opts.Name, Kind: kind, Expected: Required, Missing: miss}
	}
	c := columns{
		eventID: t.Index("event_id_cnty"), date: t.Index("event_date"), year: t.Index("year"),
		timePrec: t.Index("time_precision"), eventType: t.Index("event_type"),
		subEvent: t.Index("sub_event_type"), actor1: t.Index("actor1"), actor2: t.Index("actor2"),
		iso: t.Index("iso"), iso3: t.Index("iso3"), country: t.Index("country"),
		admin1: t.Index("admin1"), admin2: t.Index("admin2"), location: t.Index("location"),
		lat: t.Index("latitude"), lon: t.Index("longitude"), geoPrec: t.Index("geo_precision"),
		notes: t.Index("notes"), fatalities: t.Index("fatalities"), timestamp: t.Index("timestamp"),
		dataID: t.Index("data_id"),
	}
	for _, name := range codeColumns {
		if i := t.Index(name); i >= 0 {
			c.codes = append(c.codes, codeColumn{name, i})
		}
	}
	return &Reader{t: t, opts: opts, c: c, reasons: map[string]int{}}, nil
}

// Source returns the ACLED source.
func (r *Reader) Source() model.Source { return Source }

// Skipped returns how many rows so far were passed over as not political
// violence.
func (r *Reader) Skipped() int { return r.skipped }

// SkipReasons returns the skipped rows counted by sub-event type.
func (r *Reader) SkipReasons() map[string]int { return maps.Clone(r.reasons) }

// Next returns the next record, a *source.RowError for a row that cannot
// be used, io.EOF at the end, or another error that ends the file.
func (r *Reader) Next() (model.Record, error) {
	for r.err == nil {
		row, raw, line, err := r.t.Row(r.opts.Name)
		var re *source.RowError
		switch {
		case errors.As(err, &re):
			return model.Record{}, re
		case err == io.EOF:
			r.err = io.EOF
			continue
		case err != nil:
			r.err = fmt.Errorf("acled: %w", err)
			continue
		}
		rec, skip, err := r.record(row, raw, line)
		if skip != "" {
			r.skipped++
			r.reasons[skip]++
			continue
		}
		return rec, err
	}
	return model.Record{}, r.err
}

func (r *Reader) rowErr(line int, field, reason string, raw []byte) *source.RowError {
	return &source.RowError{File: r.opts.Name, Line: line, Field: field, Reason: reason, Raw: string(raw)}
}

// record makes the record of one row, or says why the row is skipped.
func (r *Reader) record(row []string, raw []byte, line int) (model.Record, string, error) {
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	fail := func(col int, format string, args ...any) (model.Record, string, error) {
		return model.Record{}, "", r.rowErr(line, r.t.Header[col], fmt.Sprintf(format, args...), raw)
	}

	sub := get(r.c.subEvent)
	attack, ok := model.AttackTypeFromACLED(sub)
	if !ok {
		key := strings.ToLower(sub)
		if nonViolentSubEvents[key] || nonViolentEvents[strings.ToLower(get(r.c.eventType))] {
			if sub == "" {
				sub = "(none)"
			}
			return model.Record{}, sub, nil
		}
		return fail(r.c.subEvent, "unknown sub-event type %q of event type %q", sub, get(r.c.eventType))
	}

	ref := get(r.c.eventID)
	if ref == "" {
		// A few real rows lack event_id_cnty (and event_id_no_cnty) but
		// keep ACLED's row id; prefixed, it cannot collide with an event id.
		if id := get(r.c.dataID); id != "" {
			ref = "data_id:" + id
		} else {
			return fail(r.c.eventID, "empty, and no data_id to stand in")
		}
	}
	ts, err := strconv.ParseInt(get(r.c.timestamp), 10, 64)
	if err != nil || ts < 0 {
		return fail(r.c.timestamp, "%q is not a Unix time in seconds", get(r.c.timestamp))
	}

	year := 0
	if s := get(r.c.year); s != "" {
		if year, err = strconv.Atoi(s); err != nil || year < 1 || year > 9999 {
			return fail(r.c.year, "%q is not a year", s)
		}
	}
	date, err := parseDate(get(r.c.date), year)
	if err != nil {
		return fail(r.c.date, "%v", err)
	}
	start, end, prec := date, date, model.PrecisionDay
	switch tp := get(r.c.timePrec); tp {
	case "", "1":
	case "2":
		prec = model.PrecisionWeek
	case "3":
		prec = model.PrecisionMonth
		start = model.Date{Year: date.Year, Month: date.Month, Day: 1}
		end = model.Date{Year: date.Year, Month: date.Month, Day: model.DaysIn(date.Year, date.Month)}
	default:
		return fail(r.c.timePrec, "%q is not 1, 2 or 3", tp)
	}

	country, ok := r.country(get)
	if !ok {
		return fail(r.c.country, "unknown country %q (iso3 %q, iso %q)", get(r.c.country), get(r.c.iso3), get(r.c.iso))
	}

	lat, err := source.Coordinate(get(r.c.lat), 90)
	if err != nil {
		return fail(r.c.lat, "%v", err)
	}
	lon, err := source.Coordinate(get(r.c.lon), 180)
	if err != nil {
		return fail(r.c.lon, "%v", err)
	}
	place := model.PlaceUnknown
	switch gp := get(r.c.geoPrec); gp {
	case "":
	case "1":
		place = model.PlaceCity
	case "2":
		place = model.PlaceAdmin2
	case "3":
		place = model.PlaceAdmin1
	default:
		return fail(r.c.geoPrec, "%q is not 1, 2 or 3", gp)
	}

	killed, err := count(get(r.c.fatalities))
	if err != nil {
		return fail(r.c.fatalities, "%v", err)
	}

	rep := source.NewReport(Source.Name, ref, ts, raw, r.opts, line)
	claim := model.Claim{
		ID:             model.ClaimID(rep.ID, 1),
		ReportID:       rep.ID,
		Source:         Source.Name,
		Start:          start,
		End:            end,
		DatePrecision:  prec,
		Country:        country.ISO2,
		Admin1:         get(r.c.admin1),
		Admin2:         get(r.c.admin2),
		Place:          get(r.c.location),
		Lat:            lat,
		Lon:            lon,
		PlacePrecision: place,
		AttackType:     attack,
		TargetType:     targetType(get(r.c.actor2)),
		Perpetrator:    get(r.c.actor1),
		Killed:         model.Point(killed, model.Exact),
		Text:           get(r.c.notes),
		Codes:          map[string]string{},
	}
	if strings.EqualFold(sub, "Suicide bomb") {
		yes := true
		claim.Suicide = &yes
	}
	for _, cc := range r.c.codes {
		if v := get(cc.i); v != "" {
			claim.Codes[cc.name] = v
		}
	}
	return model.Record{Report: rep, Claim: claim}, "", nil
}

// country finds the row's country by iso3, then ISO numeric, then name:
// ACLED's iso3 has codes of its own (ROM for Romania, XKX for Kosovo) and
// some exports lack it, so each is only a first try.
func (r *Reader) country(get func(int) string) (model.Country, bool) {
	if c, ok := model.CountryByISO3(get(r.c.iso3)); ok && get(r.c.iso3) != "" {
		return c, true
	}
	if n, err := strconv.Atoi(get(r.c.iso)); err == nil && n > 0 {
		if c, ok := model.CountryByNumeric(n); ok {
			return c, true
		}
	}
	if name := get(r.c.country); name != "" {
		return model.CountryByName(name)
	}
	return model.Country{}, false
}

// targetType reads a target type off actor2 (see the package doc).
func targetType(actor2 string) model.TargetType {
	switch {
	case strings.HasPrefix(actor2, "Civilians"):
		return "private_citizens_property"
	case strings.HasPrefix(actor2, "Police Forces"):
		return "police"
	case strings.HasPrefix(actor2, "Military Forces"):
		return "military"
	}
	return ""
}

// count parses a non-negative whole number; "3.0", as a spreadsheet may
// re-save it, is accepted too.
func count(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || f < 0 || f > math.MaxInt32 {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
		n = int(f)
	}
	if n < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return n, nil
}
