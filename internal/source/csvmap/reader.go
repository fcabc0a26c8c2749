package csvmap

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// HeaderError is returned at open when the mapping names columns that the
// file's header lacks. It unwraps to a *source.KindError, so callers that
// treat "file of the wrong kind" alike need not know this type.
type HeaderError struct {
	File     string
	Mapping  string          // the mapping file's name
	Kind     string          // the source: "csv:demo"
	Missing  []MissingColumn // the mapped columns the header lacks
	Header   []string        // the header's columns, as read
	Expected []string        // every column the mapping names
}

// MissingColumn is a column the mapping names and the fields it maps it to.
type MissingColumn struct {
	Column string
	Fields []string // "place", "id", "codes.url", …
}

func (e *HeaderError) Error() string {
	missing := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		missing[i] = fmt.Sprintf("%q (%s)", m.Column, strings.Join(m.Fields, ", "))
	}
	return fmt.Sprintf("%s: mapping %s names columns the header lacks: %s; the header has: %s",
		e.File, e.Mapping, strings.Join(missing, ", "), strings.Join(e.Header, ", "))
}

// Unwrap returns the equivalent *source.KindError.
func (e *HeaderError) Unwrap() error {
	cols := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		cols[i] = m.Column
	}
	return &source.KindError{File: e.File, Kind: e.Kind, Expected: e.Expected, Missing: cols}
}

// Reader reads the records of one CSV file through a mapping. It
// implements source.Reader.
type Reader struct {
	p      *plan
	opts   source.Options
	cr     *csv.Reader
	header []string
	width  int
	idx    map[string]int     // column name → index
	bound  map[string]binding // field → its column and index
	seen   map[string]int     // report id → line first seen, to reject duplicate ids
	raw    bytes.Buffer
	rw     *csv.Writer
}

var _ source.Reader = (*Reader)(nil)

// NewReader reads the header of r and checks it against the mapping m.
// A column the mapping names but the header lacks is an error here, once,
// rather than on every row.
func NewReader(r io.Reader, m *Mapping, opts source.Options) (*Reader, error) {
	if m == nil {
		return nil, errors.New("csvmap: nil mapping")
	}
	p, err := m.compile()
	if err != nil {
		return nil, err
	}
	if p.decode != nil {
		r = p.decode(r)
	}
	cr := csv.NewReader(r)
	cr.Comma = p.comma
	cr.LazyQuotes = p.lazy
	cr.FieldsPerRecord = -1 // checked per row, so one short row is a row error, not the end of the file
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%s: empty file: no header row", opts.Name)
	case err != nil:
		return nil, fmt.Errorf("%s: reading the header: %w", opts.Name, err)
	}
	for i := range header {
		if i == 0 {
			header[i] = strings.TrimPrefix(header[i], "\ufeff")
		}
		header[i] = strings.TrimSpace(header[i])
	}
	rd := &Reader{p: p, opts: opts, cr: cr, header: header, width: len(header),
		idx: map[string]int{}, seen: map[string]int{}}
	rd.rw = csv.NewWriter(&rd.raw)
	rd.rw.Comma = p.comma

	if err := rd.bind(); err != nil {
		return nil, err
	}
	return rd, nil
}

// bind finds each mapped column in the header: by exact name, else by a
// case-insensitive name that only one column has.
func (r *Reader) bind() error {
	exact := map[string]int{}
	folded := map[string][]int{}
	for i, h := range r.header {
		if _, dup := exact[h]; !dup {
			exact[h] = i
		}
		folded[strings.ToLower(h)] = append(folded[strings.ToLower(h)], i)
	}
	uses := map[string][]string{} // column → fields naming it, for messages
	add := func(col, use string) { uses[col] = append(uses[col], use) }
	add(r.p.idCol, "id")
	if r.p.revCol != "" {
		add(r.p.revCol, "revision")
	}
	for _, fc := range (&Columns{}).fieldColumns() {
		if col, ok := r.p.fields[fc.field]; ok {
			add(col, fc.field)
		}
	}
	for _, c := range r.p.codes {
		add(c.column, "codes."+c.code)
	}

	var missing []MissingColumn
	for _, col := range r.p.expected {
		i, ok := exact[col]
		if !ok {
			if cand := folded[strings.ToLower(col)]; len(cand) == 1 {
				i, ok = cand[0], true
			}
		}
		if !ok {
			missing = append(missing, MissingColumn{Column: col, Fields: uses[col]})
			continue
		}
		if n := countEqual(r.header, r.header[i]); n > 1 {
			return fmt.Errorf("%s: column %q (%s) appears %d times in the header; the mapping cannot tell which to read",
				r.opts.Name, col, strings.Join(uses[col], ", "), n)
		}
		r.idx[col] = i
	}
	if len(missing) > 0 {
		return &HeaderError{File: r.opts.Name, Mapping: r.p.name, Kind: r.p.src.Name, Missing: missing,
			Header: r.header, Expected: r.p.expected}
	}
	r.bound = make(map[string]binding, len(r.p.fields))
	for f, col := range r.p.fields {
		r.bound[f] = binding{col: col, idx: r.idx[col]}
	}
	return nil
}

// binding is a mapped field's column and its index in the header.
type binding struct {
	col string
	idx int
}

func countEqual(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// Source returns the source the records belong to: "csv:"+the mapping's
// source, a dataset, with the mapping's reliability.
func (r *Reader) Source() model.Source { return r.p.src }

// Header returns the file's columns, as read.
func (r *Reader) Header() []string { return append([]string(nil), r.header...) }

// Next returns the next record, a *source.RowError for a row that cannot
// be used, or io.EOF at the end of the file.
func (r *Reader) Next() (model.Record, error) {
	rec, err := r.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return model.Record{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// encoding/csv resumes after a malformed record, so it is one bad row.
			return model.Record{}, &source.RowError{File: r.opts.Name, Line: pe.StartLine,
				Reason: "malformed CSV: " + pe.Err.Error()}
		}
		return model.Record{}, fmt.Errorf("%s: %w", r.opts.Name, err)
	}
	line, _ := r.cr.FieldPos(0)
	raw := r.encode(rec)
	row := &row{r: r, rec: rec, line: line, raw: raw}
	out, rerr := row.convert()
	if rerr != nil {
		return model.Record{}, rerr
	}
	return out, nil
}

// encode re-encodes a record as one CSV line: the report's raw bytes.
func (r *Reader) encode(rec []string) []byte {
	r.raw.Reset()
	_ = r.rw.Write(rec) // writes to a bytes.Buffer cannot fail
	r.rw.Flush()
	return bytes.Clone(bytes.TrimSuffix(r.raw.Bytes(), []byte("\n")))
}

// row is one record being converted.
type row struct {
	r    *Reader
	rec  []string
	line int
	raw  []byte
	// codes collects the original values that value maps replaced.
	orig map[string]string
}

// fail makes the row error for a column and the field it is mapped to.
func (w *row) fail(col, field, format string, args ...any) *source.RowError {
	reason := fmt.Sprintf(format, args...)
	if field != "" {
		reason = field + ": " + reason
	}
	return &source.RowError{File: w.r.opts.Name, Line: w.line, Field: col, Reason: reason, Raw: string(w.raw)}
}

// cell returns the trimmed cell of a column.
func (w *row) cell(col string) string {
	i, ok := w.r.idx[col]
	if !ok || i >= len(w.rec) {
		return ""
	}
	return strings.TrimSpace(w.rec[i])
}

// get returns a field's value after its value map, and its column; ok is
// false when the field is unmapped.
func (w *row) get(field string) (val, col string, ok bool) {
	b, ok := w.r.bound[field]
	if !ok {
		return "", "", false
	}
	col = b.col
	val = strings.TrimSpace(w.rec[b.idx]) // convert checked the row's width
	if vm, has := w.r.p.values[field]; has {
		if t, hit := vm.lookup(val); hit {
			if t != val && val != "" {
				w.keepOrig(col, val)
			}
			val = strings.TrimSpace(t)
		}
	}
	return val, col, true
}

func (w *row) keepOrig(col, val string) {
	if w.orig == nil {
		w.orig = map[string]string{}
	}
	w.orig[col] = val
}

func (w *row) convert() (model.Record, *source.RowError) {
	r, p := w.r, w.r.p
	if len(w.rec) != r.width {
		return model.Record{}, w.fail("", "", "row has %d fields, the header has %d", len(w.rec), r.width)
	}
	for i, f := range w.rec {
		if !utf8.ValidString(f) {
			return model.Record{}, w.fail(r.header[i], "", "not valid UTF-8 (if the file is Windows-1252, set encoding = \"windows-1252\" in the mapping)")
		}
	}

	ref := w.cell(p.idCol)
	if ref == "" {
		return model.Record{}, w.fail(p.idCol, "id", "empty: every row needs a stable id")
	}
	var rev int64
	if p.revCol != "" {
		if s := w.cell(p.revCol); s != "" {
			n, err := strconv.ParseInt(asciiDigits(s), 10, 64)
			if err != nil || n < 0 {
				return model.Record{}, w.fail(p.revCol, "revision", "%q is not a non-negative whole number", s)
			}
			rev = n
		}
	}
	rep := source.NewReport(p.src.Name, ref, rev, w.raw, r.opts, w.line)
	if first, dup := r.seen[rep.ID]; dup {
		return model.Record{}, w.fail(p.idCol, "id", "%q is also the id of the row on line %d", ref, first)
	}
	r.seen[rep.ID] = w.line

	c := model.Claim{ID: model.ClaimID(rep.ID, 1), ReportID: rep.ID, Source: p.src.Name}
	if err := w.dates(&c); err != nil {
		return model.Record{}, err
	}
	if err := w.place(&c); err != nil {
		return model.Record{}, err
	}
	if err := w.what(&c); err != nil {
		return model.Record{}, err
	}
	var err *source.RowError
	if c.Killed, err = w.figure(fKilled); err != nil {
		return model.Record{}, err
	}
	if c.Killed != nil && !c.Killed.Ordered() {
		c.Flags = append(c.Flags, model.FlagKilledRangeOrder)
	}
	if c.Wounded, err = w.figure(fWounded); err != nil {
		return model.Record{}, err
	}
	if c.Wounded != nil && !c.Wounded.Ordered() {
		c.Flags = append(c.Flags, model.FlagWoundedRangeOrder)
	}
	if v, _, ok := w.get(fText); ok {
		c.Text = v
	}
	if v, _, ok := w.get(fRelated); ok {
		c.Related = w.list(v)
	}
	if v, col, ok := w.get(fPublished); ok && v != "" {
		t, perr := w.published(v)
		if perr != nil {
			return model.Record{}, w.fail(col, fPublished, "%v", perr)
		}
		rep.Published = &t
	}
	for _, cc := range p.codes {
		if i, ok := r.idx[cc.column]; ok && w.rec[i] != "" {
			if c.Codes == nil {
				c.Codes = map[string]string{}
			}
			c.Codes[cc.code] = w.rec[i]
		}
	}
	for col, v := range w.orig {
		if c.Codes == nil {
			c.Codes = map[string]string{}
		}
		if _, taken := c.Codes[col]; !taken {
			c.Codes[col] = v
		}
	}
	return model.Record{Report: rep, Claim: c}, nil
}

// dates fills start, end and precision. An explicit date_precision wins
// over the precision the cell's form implies, but may not claim more than
// the cell says (precision "day" on a cell "2017-06" is an error).
func (w *row) dates(c *model.Claim) *source.RowError {
	v, col, _ := w.get(fDate)
	if v == "" {
		return w.fail(col, fDate, "empty: every row needs a date")
	}
	start, err := w.r.p.parseDate(v)
	if err != nil {
		return w.fail(col, fDate, "%v", err)
	}
	prec := start.prec
	end := start.end
	if ev, ecol, ok := w.get(fEnd); ok && ev != "" {
		e, err := w.r.p.parseDate(ev)
		if err != nil {
			return w.fail(ecol, fEnd, "%v", err)
		}
		if e.end.Before(start.start) {
			return w.fail(ecol, fEnd, "%s is before the start %s", e.end, start.start)
		}
		end = e.end
		if coarser(e.prec, prec) {
			prec = e.prec
		}
	}
	if pv, pcol, ok := w.get(fDatePrecision); ok && pv != "" {
		given := model.DatePrecision(normEnum(pv))
		if !given.Valid() {
			return w.fail(pcol, fDatePrecision, "%v", checkDatePrecision(pv))
		}
		if coarser(prec, given) {
			return w.fail(pcol, fDatePrecision, "%q is finer than the date %q can say (%s)", pv, v, prec)
		}
		if given != prec {
			// A coarser precision widens the period to the one the start falls in.
			s, e := widen(start.start, given)
			start.start = s
			if end.Before(e) {
				end = e
			}
		}
		prec = given
	}
	c.Start, c.End, c.DatePrecision = start.start, end, prec
	return nil
}

var precRank = map[model.DatePrecision]int{model.PrecisionDay: 0, model.PrecisionWeek: 1, model.PrecisionMonth: 2, model.PrecisionYear: 3}

// coarser reports whether a is a coarser precision than b.
func coarser(a, b model.DatePrecision) bool { return precRank[a] > precRank[b] }

// widen returns the period of precision p that d falls in; a week runs
// seven days from d, since sources that say "week" mean "within a few days
// of" rather than a calendar week.
func widen(d model.Date, p model.DatePrecision) (model.Date, model.Date) {
	switch p {
	case model.PrecisionWeek:
		return d, d.AddDays(6)
	case model.PrecisionMonth:
		return model.Date{Year: d.Year, Month: d.Month, Day: 1}, model.Date{Year: d.Year, Month: d.Month, Day: model.DaysIn(d.Year, d.Month)}
	case model.PrecisionYear:
		return model.Date{Year: d.Year, Month: 1, Day: 1}, model.Date{Year: d.Year, Month: 12, Day: 31}
	}
	return d, d
}

// period is a parsed date cell: the period it denotes and its precision.
type period struct {
	start, end model.Date
	prec       model.DatePrecision
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseDate reads a date cell: "YYYY" and "YYYY-MM" first, then each
// layout in order.
func (p *plan) parseDate(s string) (period, error) {
	s = asciiDigits(s)
	if len(s) == 4 && allDigits(s) {
		y, _ := strconv.Atoi(s)
		return mkPeriod(y, 0, 0)
	}
	if (len(s) == 6 || len(s) == 7) && s[4] == '-' && allDigits(s[:4]) && allDigits(s[5:]) {
		y, _ := strconv.Atoi(s[:4])
		mo, _ := strconv.Atoi(s[5:])
		if mo < 1 || mo > 12 {
			return period{}, fmt.Errorf("%q: month %d is not 1–12", s, mo)
		}
		return mkPeriod(y, mo, 0)
	}
	for _, l := range p.layouts {
		t, err := time.Parse(l.layout, s)
		if err != nil {
			continue
		}
		switch l.prec {
		case model.PrecisionYear:
			return mkPeriod(t.Year(), 0, 0)
		case model.PrecisionMonth:
			return mkPeriod(t.Year(), int(t.Month()), 0)
		}
		return mkPeriod(t.Year(), int(t.Month()), t.Day())
	}
	names := make([]string, len(p.layouts))
	for i, l := range p.layouts {
		names[i] = strconv.Quote(l.layout)
	}
	return period{}, fmt.Errorf("%q matches none of the date formats %s (nor YYYY or YYYY-MM)", s, strings.Join(names, ", "))
}

func mkPeriod(y, m, d int) (period, error) {
	if y < 1 || y > 9999 {
		return period{}, fmt.Errorf("year %d is out of range", y)
	}
	s, e, prec, err := model.Period(y, m, d)
	if err != nil {
		return period{}, err
	}
	return period{start: s, end: e, prec: prec}, nil
}

// published reads the publication time: RFC 3339, a date and time without
// zone (taken as UTC), or a date in one of the mapping's layouts
// (midnight UTC).
func (w *row) published(s string) (time.Time, error) {
	s = asciiDigits(s)
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range w.r.p.layouts {
		if l.prec != model.PrecisionDay {
			continue
		}
		if t, err := time.Parse(l.layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (RFC 3339, \"2006-01-02 15:04:05\" or a date in the mapping's formats)", s)
}

// place fills country, admin areas, place, coordinates and precision.
// Without a place_precision column the precision is that of the finest
// name given, never "exact": coordinates alone do not say how exact they are.
func (w *row) place(c *model.Claim) *source.RowError {
	if v, col, ok := w.get(fCountry); ok && v != "" {
		code, err := countryCode(v)
		if err != nil {
			return w.fail(col, fCountry, "%v", err)
		}
		c.Country = code
	}
	c.Admin1, _, _ = w.get(fAdmin1)
	c.Admin2, _, _ = w.get(fAdmin2)
	c.Place, _, _ = w.get(fPlace)

	lat, latCol, _ := w.get(fLat)
	lon, lonCol, _ := w.get(fLon)
	switch {
	case lat != "" && lon != "":
		la, err := parseCoord(lat, 90)
		if err != nil {
			return w.fail(latCol, fLat, "%v", err)
		}
		lo, err := parseCoord(lon, 180)
		if err != nil {
			return w.fail(lonCol, fLon, "%v", err)
		}
		c.Lat, c.Lon = &la, &lo
	case lat != "":
		return w.fail(lonCol, fLon, "empty while lat is %q: give both coordinates or neither", lat)
	case lon != "":
		return w.fail(latCol, fLat, "empty while lon is %q: give both coordinates or neither", lon)
	}

	if v, col, ok := w.get(fPlacePrecision); ok && v != "" {
		pp := model.PlacePrecision(normEnum(v))
		if !pp.Valid() {
			return w.fail(col, fPlacePrecision, "%v", checkPlacePrecision(v))
		}
		c.PlacePrecision = pp
		return nil
	}
	switch {
	case c.Place != "":
		c.PlacePrecision = model.PlaceCity
	case c.Admin2 != "":
		c.PlacePrecision = model.PlaceAdmin2
	case c.Admin1 != "":
		c.PlacePrecision = model.PlaceAdmin1
	case c.Country != "":
		c.PlacePrecision = model.PlaceCountry
	default:
		c.PlacePrecision = model.PlaceUnknown
	}
	return nil
}

func parseCoord(s string, limit float64) (float64, error) {
	f, err := strconv.ParseFloat(asciiDigits(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if f < -limit || f > limit {
		return 0, fmt.Errorf("%v is outside [-%v, %v]", f, limit, limit)
	}
	return f, nil
}

// what fills the attack, target, weapon, groups, suicide and sites.
func (w *row) what(c *model.Claim) *source.RowError {
	c.AttackType = model.UnknownAttack
	if v, col, ok := w.get(fAttackType); ok && v != "" {
		a := model.AttackType(normEnum(v))
		if !a.Valid() {
			return w.fail(col, fAttackType, "%v", checkAttackType(v))
		}
		c.AttackType = a
	}
	if v, col, ok := w.get(fTargetType); ok && v != "" {
		t := model.TargetType(normEnum(v))
		if !t.Valid() {
			return w.fail(col, fTargetType, "%v", checkTargetType(v))
		}
		c.TargetType = t
	}
	if v, col, ok := w.get(fWeapon); ok && v != "" {
		t := model.WeaponType(normEnum(v))
		if !t.Valid() {
			return w.fail(col, fWeapon, "%v", checkWeapon(v))
		}
		c.Weapon = t
	}
	c.Perpetrator, _, _ = w.get(fPerpetrator)
	if col, ok := w.r.p.fields[fClaimedBy]; ok {
		vm, hasMap := w.r.p.values[fClaimedBy]
		items := w.list(w.cell(col))
		if t, hit := vm.exact[""]; hasMap && hit && len(items) == 0 {
			items = w.list(t) // the map's "" key names who claims a row with an empty cell
		}
		for _, g := range items {
			if hasMap {
				if t, hit := vm.lookup(g); hit {
					if t != g {
						w.keepOrig(col, w.cell(col))
					}
					g = strings.TrimSpace(t)
				}
			}
			if g != "" {
				c.ClaimedBy = append(c.ClaimedBy, g)
			}
		}
	}
	if v, col, ok := w.get(fSuicide); ok && v != "" {
		b, err := parseBool(v)
		if err != nil {
			return w.fail(col, fSuicide, "%v", err)
		}
		c.Suicide = &b
	}
	if v, col, ok := w.get(fSites); ok && v != "" {
		n, err := count(v)
		if err != nil {
			return w.fail(col, fSites, "%v", err)
		}
		c.Sites = n
	}
	return nil
}

// list splits a cell on the list separator, dropping empty items.
func (w *row) list(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, it := range strings.Split(s, w.r.p.listSep) {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// figure reads killed or wounded: best, with low and high defaulting to it
// and the qualifier to exact. A range given out of order is kept as given;
// the caller flags it.
func (w *row) figure(name string) (*model.Range, *source.RowError) {
	best, bcol, ok := w.get(name)
	if !ok {
		return nil, nil
	}
	low, lcol, _ := w.get(name + "_low")
	high, hcol, _ := w.get(name + "_high")
	if best == "" {
		switch {
		case low != "":
			return nil, w.fail(bcol, name, "empty while %s_low is %q: give the best figure too", name, low)
		case high != "":
			return nil, w.fail(bcol, name, "empty while %s_high is %q: give the best figure too", name, high)
		}
		return nil, nil // no figure; a qualifier alone says nothing
	}
	b, err := count(best)
	if err != nil {
		return nil, w.fail(bcol, name, "%v", err)
	}
	rg := &model.Range{Low: b, Best: b, High: b, Qualifier: model.Exact}
	if low != "" {
		if rg.Low, err = count(low); err != nil {
			return nil, w.fail(lcol, name+"_low", "%v", err)
		}
	}
	if high != "" {
		if rg.High, err = count(high); err != nil {
			return nil, w.fail(hcol, name+"_high", "%v", err)
		}
	}
	if q, qcol, ok := w.get(name + "_qualifier"); ok && q != "" {
		rg.Qualifier = model.Qualifier(normEnum(q))
		if !rg.Qualifier.Valid() {
			return nil, w.fail(qcol, name+"_qualifier", "%v", checkQualifier(q))
		}
	}
	return rg, nil
}

// maxCount bounds figures: no event has had a billion casualties, and the
// bound keeps int arithmetic elsewhere far from overflow.
const maxCount = 1_000_000_000

// count reads a non-negative whole number; "12.0", as spreadsheets export
// whole numbers, is accepted.
func count(s string) (int, error) {
	s = asciiDigits(s)
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
		if f < 0 || f > maxCount {
			return 0, fmt.Errorf("%q is out of range 0–%d", s, maxCount)
		}
		n = int(f)
	}
	if n < 0 || n > maxCount {
		return 0, fmt.Errorf("%q is out of range 0–%d", s, maxCount)
	}
	return n, nil
}

// asciiDigits turns Persian (۰–۹) and Arabic-Indic (٠–٩) digits into
// ASCII ones, and the Arabic decimal separator into a point, so that
// figures and dates typed on a Persian keyboard read as numbers.
func asciiDigits(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r == '٫':
			return '.'
		}
		return r
	}, s)
}
