package gtd

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// record maps one row onto a report and its claim. Reasons given in row
// errors quote the value, so that the rejection log says what was wrong.
func (r *Reader) record(f []string, line int, raw []byte) (model.Record, error) {
	col := &r.cols
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(f[i])
	}
	rowErr := func(i int, format string, args ...any) error {
		return &source.RowError{File: r.opts.Name, Line: line, Field: r.headerName(i),
			Reason: fmt.Sprintf(format, args...), Raw: string(raw)}
	}

	id := get(col.eventid)
	if len(id) != 12 || !allDigits(id) {
		return model.Record{}, rowErr(col.eventid, "%q is not an eventid: want 12 digits", id)
	}

	// Dates: GTD writes 0 for an unknown month or day.
	var ymd [3]int
	for k, i := range [3]int{col.iyear, col.imonth, col.iday} {
		n, ok, err := parseInt(get(i))
		if err != nil {
			return model.Record{}, rowErr(i, "%v", err)
		}
		if !ok && k == 0 {
			return model.Record{}, rowErr(i, "year is empty")
		}
		ymd[k] = n
	}
	y, m, d := ymd[0], ymd[1], ymd[2]
	switch {
	case y < 1 || y > 9999:
		return model.Record{}, rowErr(col.iyear, "year %d out of range", y)
	case m < 0 || m > 12:
		return model.Record{}, rowErr(col.imonth, "month %d out of range 0–12", m)
	case d < 0 || d > 31 || (m > 0 && d > model.DaysIn(y, time.Month(m))):
		if m > 0 {
			return model.Record{}, rowErr(col.iday, "day %d does not exist in %s %d", d, time.Month(m), y)
		}
		return model.Record{}, rowErr(col.iday, "day %d out of range 0–31", d)
	}
	start, end, prec, err := model.Period(y, m, d)
	if err != nil { // ruled out above; kept so that a change in Period cannot panic here
		return model.Record{}, rowErr(col.iday, "%v", err)
	}
	if get(col.extended) == "1" {
		if res, ok := parseResolution(get(col.resolution)); ok && !res.Before(start) {
			end = res
		}
	}

	killed, err := parseCount(get(col.nkill))
	if err != nil {
		return model.Record{}, rowErr(col.nkill, "%v", err)
	}
	wounded, err := parseCount(get(col.nwound))
	if err != nil {
		return model.Record{}, rowErr(col.nwound, "%v", err)
	}
	codeAt := func(i int) (int, error) {
		n, ok, err := parseInt(get(i))
		if err != nil {
			return 0, rowErr(i, "%v", err)
		}
		if !ok {
			return -1, nil
		}
		return n, nil
	}
	var codes [3]int // attacktype1, targtype1, weaptype1
	for k, i := range [3]int{col.attack1, col.targ1, col.weap1} {
		if codes[k], err = codeAt(i); err != nil {
			return model.Record{}, err
		}
	}

	rep := source.NewReport(Source.Name, id, 0, raw, r.opts, line)
	c := model.Claim{
		ID:             model.ClaimID(rep.ID, 1),
		ReportID:       rep.ID,
		Source:         Source.Name,
		Start:          start,
		End:            end,
		DatePrecision:  prec,
		Admin1:         known(get(col.provstate)),
		Place:          known(get(col.city)),
		PlacePrecision: placePrecision(get(col.specif)),
		AttackType:     model.UnknownAttack,
		Perpetrator:    known(get(col.gname)),
		Killed:         killed,
		Wounded:        wounded,
		Text:           get(col.summary),
	}

	if iso2 := r.country(get(col.countryTxt)); iso2 != "" {
		c.Country = iso2
	} else {
		c.Flags = append(c.Flags, FlagUnknownCountry)
	}
	if lat, lon, ok := coords(get(col.latitude), get(col.longitude)); ok {
		ll := [2]float64{lat, lon}
		c.Lat, c.Lon = &ll[0], &ll[1]
	}

	if t, ok := model.AttackTypeFromGTD(codes[0]); ok {
		c.AttackType = t
	}
	if t, ok := model.TargetTypeFromGTD(codes[1]); ok {
		c.TargetType = t
	}
	if w, ok := model.WeaponTypeFromGTD(codes[2]); ok {
		c.Weapon = w
	}

	for _, g := range [3][2]int{{col.claimed, col.gname}, {col.claim2, col.gname2}, {col.claim3, col.gname3}} {
		if get(g[0]) != "1" {
			continue
		}
		if name := known(get(g[1])); name != "" && !contains(c.ClaimedBy, name) {
			c.ClaimedBy = append(c.ClaimedBy, name)
		}
	}

	switch get(col.suicide) {
	case "0":
		c.Suicide = new(false)
	case "1":
		c.Suicide = new(true)
	}

	c.Related = relatedIDs(get(col.related), id)
	switch get(col.multiple) {
	case "0":
		c.Sites = 1
	case "1":
		// "multiple" says the attack is one of several linked ones, so at
		// least two sites even when GTD lists no related eventid.
		c.Sites = max(2, 1+len(c.Related))
	}

	if get(col.doubtterr) == "1" {
		c.Flags = append(c.Flags, model.FlagDoubtTerrorism)
	}
	if get(col.success) == "0" {
		c.Flags = append(c.Flags, model.FlagUnsuccessful)
	}

	n := 0
	for _, cc := range col.codes {
		if get(cc.idx) != "" {
			n++
		}
	}
	c.Codes = make(map[string]string, n+2)
	for _, cc := range col.codes {
		if v := get(cc.idx); v != "" {
			c.Codes[cc.name] = v
		}
	}
	// A fractional figure is rounded on the claim; keep what GTD wrote.
	for _, k := range [2]struct {
		name string
		i    int
	}{{"nkill", col.nkill}, {"nwound", col.nwound}} {
		if v := get(k.i); strings.ContainsAny(v, ".eE") {
			c.Codes[k.name] = v
		}
	}

	return model.Record{Report: rep, Claim: c}, nil
}

// country returns the ISO 3166-1 alpha-2 code of a GTD country name, or
// "" when vigil's table lacks it. Lookups are remembered: a file names a
// couple of hundred countries over hundreds of thousands of rows.
func (r *Reader) country(name string) string {
	if iso2, ok := r.countries[name]; ok {
		return iso2
	}
	c, _ := model.CountryByName(name)
	if r.countries == nil {
		r.countries = make(map[string]string)
	}
	if len(r.countries) < 1024 { // bounded, whatever the input
		r.countries[name] = c.ISO2
	}
	return c.ISO2
}

// parseInt parses an integer column. ok is false for an empty value. A
// whole number written as a float ("3.0", as spreadsheet exports write
// integer columns that have gaps) is accepted.
func parseInt(s string) (n int, ok bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1e9 {
		return 0, false, fmt.Errorf("%q is not a whole number", s)
	}
	return int(v), true, nil
}

// parseCount parses a casualty figure: empty or negative (GTD's -9 and
// -99 for unknown) is nil, a fractional figure is rounded half away from
// zero, and anything that is not a number is an error.
func parseCount(s string) (*model.Range, error) {
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		if v > 1e9 {
			return nil, fmt.Errorf("%q is out of range", s)
		}
		n = int(math.Round(v))
	}
	if n < 0 {
		return nil, nil
	}
	return model.Point(n, model.Exact), nil
}

// parseResolution parses the date an extended incident ended: GTD's CSV
// writes it M/D/YYYY; other exports write YYYY-MM-DD.
func parseResolution(s string) (model.Date, bool) {
	if s == "" {
		return model.Date{}, false
	}
	if d, err := model.ParseDate(s); err == nil {
		return d, true
	}
	t, err := time.Parse("1/2/2006", s)
	if err != nil {
		return model.Date{}, false
	}
	return model.DateOf(t), true
}

// coords parses a coordinate pair; both must be numbers within range.
func coords(lat, lon string) (float64, float64, bool) {
	if lat == "" || lon == "" {
		return 0, 0, false
	}
	a, err := strconv.ParseFloat(lat, 64)
	if err != nil || math.IsNaN(a) || a < -90 || a > 90 {
		return 0, 0, false
	}
	o, err := strconv.ParseFloat(lon, 64)
	if err != nil || math.IsNaN(o) || o < -180 || o > 180 {
		return 0, 0, false
	}
	return a, o, true
}

// placePrecision maps GTD's geocoding specificity (1 the spot … 5 only
// the country).
func placePrecision(s string) model.PlacePrecision {
	switch s {
	case "1":
		return model.PlaceExact
	case "2":
		return model.PlaceCity
	case "3":
		return model.PlaceAdmin2
	case "4":
		return model.PlaceAdmin1
	case "5":
		return model.PlaceCountry
	}
	return model.PlaceUnknown
}

// known returns s, or "" for GTD's "Unknown".
func known(s string) string {
	if strings.EqualFold(s, "unknown") {
		return ""
	}
	return s
}

// relatedIDs splits GTD's comma-separated related eventids, without the
// row's own id (GTD lists it first) and without repeats.
func relatedIDs(s, self string) []string {
	if s == "" {
		return nil
	}
	var ids []string
	var seen map[string]bool // only for long lists, so that no input makes this quadratic
	for part := range strings.SplitSeq(s, ",") {
		p := strings.TrimSpace(part)
		if p == "" || p == self {
			continue
		}
		if seen == nil && len(ids) >= 16 {
			seen = make(map[string]bool, 2*len(ids))
			for _, id := range ids {
				seen[id] = true
			}
		}
		if seen != nil {
			if seen[p] {
				continue
			}
			seen[p] = true
		} else if contains(ids, p) {
			continue
		}
		ids = append(ids, p)
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
