// Package ucdp reads the UCDP Georeferenced Event Dataset (GED) as CSV
// into reports and claims.
//
// Columns are found by header name, so GED 19.1 (conflict_new_id,
// dyad_new_id, side_a_new_id, side_b_new_id) and later versions (the
// *_dset_id renames, relid, code_status, …) read alike; the original
// column names are kept on each claim's Codes. An HXL hashtag row right
// under the header, as HDX distributions carry, is passed over.
//
// Each row yields one report (SourceRef id, Revision 0: GED is released
// as whole versions, not edited in place) and one claim. The choices made
// where GED's codes do not map one to one onto vigil's model:
//
//   - date_prec 1 is a day, 2–3 (within a few days, within a week) a week,
//     4 a month, 5 a year; Start and End are date_start and date_end as
//     given, since GED already widens them to the period it means.
//   - where_prec 1 is PlaceExact, 2 (within 25 km) PlaceCity, 3 (second-
//     order administrative division) PlaceAdmin2, 4 and 5 (first-order
//     division, or a part of the country) PlaceAdmin1, 6 and 7 PlaceCountry;
//     7 (international waters or airspace) also flags the claim with
//     FlagInternationalWaters.
//   - Killed is low/best/high with qualifier About, exactly as given: a
//     row that breaks low ≤ best ≤ high is flagged
//     model.FlagKilledRangeOrder, never reordered.
//   - Perpetrator is side_a for non-state (2) and one-sided (3) violence.
//     For state-based conflict (1), where side_a is by UCDP's convention a
//     government, it is side_b when side_a is "Government of …" — the
//     armed group is the actor vigil tracks, and UCDP does not say which
//     side struck in a clash — and side_a otherwise.
//   - Text is source_headline; source_article (which can run to thousands
//     of characters) stays in the report's Raw only.
package ucdp

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// Source is UCDP GED. Its reliability prior is the highest of the
// datasets: UCDP codes events after the fact from several sources and
// publishes low/best/high figures.
var Source = model.Source{
	Name:        "ucdp",
	Kind:        model.KindDataset,
	Title:       "UCDP Georeferenced Event Dataset (GED)",
	Reliability: 0.85,
}

// FlagInternationalWaters marks a claim whose event UCDP places in
// international waters or airspace (where_prec 7).
const FlagInternationalWaters = "international_waters"

// kind names UCDP files in errors.
const kind = "UCDP GED"

// Required lists the columns a UCDP GED file must have.
var Required = []string{
	"id", "type_of_violence", "date_start", "date_end", "date_prec", "where_prec",
	"country", "low", "best", "high", "latitude", "longitude", "side_a", "side_b",
}

// codeColumns are kept on each claim's Codes, by the name the file gives
// them, when present and non-empty. Both the 19.1 names and the later
// ones are listed: later versions carry some of both.
var codeColumns = []string{
	"type_of_violence", "relid", "code_status",
	"conflict_new_id", "conflict_dset_id", "conflict_name",
	"dyad_new_id", "dyad_dset_id",
	"side_a_new_id", "side_a_dset_id", "side_a", "gwnoa",
	"side_b_new_id", "side_b_dset_id", "side_b", "gwnob",
	"where_prec", "date_prec", "event_clarity", "number_of_sources", "priogrid_gid",
	"deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "region",
}

// columns holds the index of each column the reader uses; -1 when absent.
type columns struct {
	id, violence, dateStart, dateEnd, datePrec, wherePrec int
	country, countryID, low, best, high, lat, lon         int
	sideA, sideB, adm1, adm2, whereCoordinates, headline  int
	codes                                                 []codeColumn
}

type codeColumn struct {
	name string
	i    int
}

// Reader reads a UCDP GED CSV file. It implements source.Reader.
type Reader struct {
	t    *source.Table
	opts source.Options
	c    columns
	err  error
}

// NewReader reads and checks the header at once: a file that lacks a GED
// column gives a *source.KindError naming the expected columns.
func NewReader(r io.Reader, opts source.Options) (*Reader, error) {
	t, err := source.NewTable(r)
	var pe *csv.ParseError
	switch {
	case errors.Is(err, source.ErrNoHeader), errors.As(err, &pe):
		return nil, &source.KindError{File: opts.Name, Kind: kind, Expected: Required, Missing: Required}
	case err != nil:
		return nil, fmt.Errorf("ucdp: %s: reading header: %w", opts.Name, err)
	}
	if miss := t.Missing(Required); len(miss) > 0 {
		return nil, &source.KindError{File: opts.Name, Kind: kind, Expected: Required, Missing: miss}
	}
	c := columns{
		id: t.Index("id"), violence: t.Index("type_of_violence"),
		dateStart: t.Index("date_start"), dateEnd: t.Index("date_end"),
		datePrec: t.Index("date_prec"), wherePrec: t.Index("where_prec"),
		country: t.Index("country"), countryID: t.Index("country_id"),
		low: t.Index("low"), best: t.Index("best"), high: t.Index("high"),
		lat: t.Index("latitude"), lon: t.Index("longitude"),
		sideA: t.Index("side_a"), sideB: t.Index("side_b"),
		adm1: t.Index("adm_1"), adm2: t.Index("adm_2"),
		whereCoordinates: t.Index("where_coordinates"), headline: t.Index("source_headline"),
	}
	for _, name := range codeColumns {
		if i := t.Index(name); i >= 0 {
			c.codes = append(c.codes, codeColumn{name, i})
		}
	}
	return &Reader{t: t, opts: opts, c: c}, nil
}

// Source returns the UCDP source.
func (r *Reader) Source() model.Source { return Source }

// Next returns the next record, a *source.RowError for a row that cannot
// be used, io.EOF at the end, or another error that ends the file.
func (r *Reader) Next() (model.Record, error) {
	for r.err == nil {
		row, raw, line, err := r.t.Row(r.opts.Name)
		var re *source.RowError
		switch {
		case errors.As(err, &re):
			return model.Record{}, re
		case err != nil:
			r.err = fmt.Errorf("ucdp: %w", err)
			continue
		}
		return r.record(row, raw, line)
	}
	return model.Record{}, r.err
}

func (r *Reader) rowErr(line int, field, reason string, raw []byte) *source.RowError {
	return &source.RowError{File: r.opts.Name, Line: line, Field: field, Reason: reason, Raw: string(raw)}
}

// placePrecisions maps where_prec 1–7.
var placePrecisions = [...]model.PlacePrecision{
	1: model.PlaceExact, 2: model.PlaceCity, 3: model.PlaceAdmin2, 4: model.PlaceAdmin1,
	5: model.PlaceAdmin1, 6: model.PlaceCountry, 7: model.PlaceCountry,
}

// datePrecisions maps date_prec 1–5.
var datePrecisions = [...]model.DatePrecision{
	1: model.PrecisionDay, 2: model.PrecisionWeek, 3: model.PrecisionWeek,
	4: model.PrecisionMonth, 5: model.PrecisionYear,
}

// record makes the record of one row.
func (r *Reader) record(row []string, raw []byte, line int) (model.Record, error) {
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	fail := func(col int, format string, args ...any) (model.Record, error) {
		return model.Record{}, r.rowErr(line, r.t.Header[col], fmt.Sprintf(format, args...), raw)
	}

	ref := get(r.c.id)
	if ref == "" {
		return fail(r.c.id, "empty")
	}
	violence, err := code(get(r.c.violence), 1, 3)
	if err != nil {
		return fail(r.c.violence, "%v", err)
	}
	attack, _ := model.AttackTypeFromUCDP(violence)

	start, err := parseDate(get(r.c.dateStart))
	if err != nil {
		return fail(r.c.dateStart, "%v", err)
	}
	end, err := parseDate(get(r.c.dateEnd))
	if err != nil {
		return fail(r.c.dateEnd, "%v", err)
	}
	if end.Before(start) {
		return fail(r.c.dateEnd, "%s is before date_start %s", end, start)
	}
	dp, err := code(get(r.c.datePrec), 1, 5)
	if err != nil {
		return fail(r.c.datePrec, "%v", err)
	}
	wp, err := code(get(r.c.wherePrec), 1, 7)
	if err != nil {
		return fail(r.c.wherePrec, "%v", err)
	}

	country, ok, err := r.country(get)
	if err != nil {
		return fail(r.c.countryID, "%v", err)
	}
	if !ok {
		return fail(r.c.country, "unknown country %q (country_id %q)", get(r.c.country), get(r.c.countryID))
	}

	lat, err := source.Coordinate(get(r.c.lat), 90)
	if err != nil {
		return fail(r.c.lat, "%v", err)
	}
	lon, err := source.Coordinate(get(r.c.lon), 180)
	if err != nil {
		return fail(r.c.lon, "%v", err)
	}

	var killed model.Range
	for _, f := range []struct {
		col int
		dst *int
	}{{r.c.low, &killed.Low}, {r.c.best, &killed.Best}, {r.c.high, &killed.High}} {
		if *f.dst, err = count(get(f.col)); err != nil {
			return fail(f.col, "%v", err)
		}
	}
	killed.Qualifier = model.About

	rep := source.NewReport(Source.Name, ref, 0, raw, r.opts, line)
	claim := model.Claim{
		ID:             model.ClaimID(rep.ID, 1),
		ReportID:       rep.ID,
		Source:         Source.Name,
		Start:          start,
		End:            end,
		DatePrecision:  datePrecisions[dp],
		Country:        country.ISO2,
		Admin1:         get(r.c.adm1),
		Admin2:         get(r.c.adm2),
		Place:          get(r.c.whereCoordinates),
		Lat:            lat,
		Lon:            lon,
		PlacePrecision: placePrecisions[wp],
		AttackType:     attack,
		Perpetrator:    perpetrator(violence, get(r.c.sideA), get(r.c.sideB)),
		Killed:         &killed,
		Text:           get(r.c.headline),
		Codes:          map[string]string{},
	}
	if !killed.Ordered() {
		claim.Flags = append(claim.Flags, model.FlagKilledRangeOrder)
	}
	if wp == 7 {
		claim.Flags = append(claim.Flags, FlagInternationalWaters)
	}
	for _, cc := range r.c.codes {
		if v := get(cc.i); v != "" {
			claim.Codes[cc.name] = v
		}
	}
	return model.Record{Report: rep, Claim: claim}, nil
}

// country finds the row's country by its Gleditsch–Ward number, then by
// name ("Myanmar (Burma)" is an alias in the country table). A country_id
// that is not a number is an error; one the table lacks falls back to the
// name.
func (r *Reader) country(get func(int) string) (model.Country, bool, error) {
	if s := get(r.c.countryID); s != "" {
		gw, err := strconv.Atoi(s)
		if err != nil {
			return model.Country{}, false, fmt.Errorf("%q is not a Gleditsch–Ward number", s)
		}
		if c, ok := model.CountryByGW(gw); ok {
			return c, true, nil
		}
	}
	c, ok := model.CountryByName(get(r.c.country))
	return c, ok && get(r.c.country) != "", nil
}

// perpetrator picks the side named as perpetrator (see the package doc).
func perpetrator(violence int, sideA, sideB string) string {
	if violence == 1 && strings.HasPrefix(sideA, "Government of") && sideB != "" {
		return sideB
	}
	return sideA
}

// parseDate reads "YYYY-MM-DD", also with a time of day after it
// ("2015-05-11 00:00:00.000"), as some GED exports write.
func parseDate(s string) (model.Date, error) {
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
		s = s[:10]
	}
	return model.ParseDate(s)
}

// code parses a whole-number code within [lo, hi].
func code(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a code from %d to %d", s, lo, hi)
	}
	return n, nil
}

// count parses a non-negative whole number of deaths.
func count(s string) (int, error) {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a whole number", s)
	case n < 0:
		return 0, fmt.Errorf("%q is negative", s)
	}
	return n, nil
}
