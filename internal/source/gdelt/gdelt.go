// Package gdelt reads GDELT event files (the GDELT 2.0 15-minute
// *.export.CSV and the GDELT 1.0 daily files) into reports and claims.
//
// The files are tab-separated, UTF-8, with no header and no quoting: one
// event a line. The layout is told by the first row's column count: 61 is
// GDELT 2.0, 58 is GDELT 1.0 (no *_ADM2Code columns, DATEADDED as a day),
// 57 is the 1.0 back-file before April 2013 (no SOURCEURL either). Anything
// else, such as a comma-separated CSV with a header, is not a GDELT file.
//
// GDELT is machine-coded from news, hence its low reliability prior. Only
// events whose CAMEO root is one the caller asks for (by default 18
// assault, 19 fight and 20 unconventional mass violence) become records;
// the rest are skipped silently and counted. The choices made where GDELT
// does not map one to one onto vigil's model:
//
//   - The date is SQLDATE, the day the event took place as GDELT dated it,
//     with day precision; DATEADDED, when GDELT saw it, is the report's
//     publication time (UTC).
//   - The place is the ActionGeo: ActionGeo_CountryCode is FIPS 10-4 and is
//     turned into ISO alpha-2 (an unknown code, such as OS for the oceans,
//     leaves the country empty and flags the claim FlagUnknownCountry).
//     ActionGeo_FullName is "Place, ADM1, Country" for a city: the first
//     part is the place, the parts between the first and the last the
//     admin1 ("Edinburgh, City of" has a comma of its own). For a state
//     ("Texas, United States", "Essex, Essex, United Kingdom") it is the
//     admin1 and there is no place.
//   - ActionGeo_Type gives the precision: 1 country, 2 US state and 5 world
//     state admin1, 3 US city and 4 world city city, 0 or empty unknown.
//   - The attack type comes from EventCode by model.AttackTypeFromCAMEO;
//     an event outside roots 18–20, read because the caller asked for its
//     root, is of unknown attack type.
//   - The perpetrator is Actor1Name as given (upper case, may be empty).
//     GDELT has no casualty counts, so Killed and Wounded stay nil.
//   - Codes keep the CAMEO codes, Goldstein scale, tone, mention counts,
//     actor codes and geo codes as strings, exactly as given (leading
//     zeros kept: "040").
package gdelt

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
)

// Source is GDELT. Its reliability prior is low: events are coded by
// machine from news text, often duplicated, misdated or misplaced.
var Source = model.Source{
	Name:        "gdelt",
	Kind:        model.KindDataset,
	Title:       "GDELT Event Database",
	Reliability: 0.3,
}

// FlagUnknownCountry marks a claim whose ActionGeo_CountryCode is not a
// FIPS code of the country table.
const FlagUnknownCountry = "unknown_country"

// DefaultCAMEORoots are the CAMEO roots read when Options.CAMEORoots is
// empty: 18 assault, 19 fight, 20 unconventional mass violence.
var DefaultCAMEORoots = []string{"18", "19", "20"}

// kind names GDELT files in errors.
const kind = "GDELT event"

// maxLine bounds one row: real rows are under 2 KB, so a longer line is
// not a GDELT row, and reading it whole could exhaust memory.
const maxLine = 1 << 20

// codeColumns are kept on each claim's Codes when present and non-empty.
var codeColumns = []string{
	"EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
	"NumMentions", "NumSources", "NumArticles", "AvgTone",
	"Actor1Code", "Actor2Code", "Actor2Name", "IsRootEvent",
	"ActionGeo_Type", "ActionGeo_CountryCode", "ActionGeo_ADM1Code", "ActionGeo_ADM2Code",
	"ActionGeo_FeatureID", "SOURCEURL",
}

// Options are what a GDELT reader is given.
type Options struct {
	source.Options
	// CAMEORoots are the two-digit CAMEO root codes ("18", "04") whose
	// events are read; a one-digit root is taken as zero-padded. Empty
	// means DefaultCAMEORoots.
	CAMEORoots []string
}

// Reader reads a GDELT event file. It implements source.Reader.
type Reader struct {
	br      *bufio.Reader
	opts    Options
	roots   map[string]bool
	layout  *layout
	c       columns
	line    int    // physical line number of the last line read
	first   []byte // the first row, read to tell the layout, not yet returned
	firstAt int
	skipped int
	err     error // sticky: io.EOF or the error that ended the file
}

// columns holds the indexes of the columns the reader uses; -1 when the
// layout lacks one.
type columns struct {
	id, sqlDate, eventCode, rootCode, actor1Name                 int
	geoType, geoFullName, geoCountry, geoLat, geoLong, dateAdded int
	sourceURL                                                    int
	codes                                                        []codeColumn
}

type codeColumn struct {
	name string
	i    int
}

// NewReader reads the first row at once to tell the layout: a file whose
// first row is not a GDELT event row gives a *source.KindError naming the
// expected layout. An empty file gives a reader that is at its end.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	roots, err := rootSet(opts.CAMEORoots)
	if err != nil {
		return nil, fmt.Errorf("gdelt: %s: %w", opts.Name, err)
	}
	rd := &Reader{br: bufio.NewReaderSize(r, 64<<10), opts: opts, roots: roots}
	for {
		line, err := rd.readLine()
		if errors.Is(err, io.EOF) {
			rd.err = io.EOF
			return rd, nil
		}
		if errors.Is(err, errLineTooLong) {
			return nil, rd.kindError("the first row is over 1 MiB long")
		}
		if err != nil {
			return nil, fmt.Errorf("gdelt: %s: reading the first row: %w", opts.Name, err)
		}
		if rd.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		n := bytes.Count(line, []byte{'\t'}) + 1
		l, ok := layouts[n]
		if !ok && n == 1 {
			return nil, rd.kindError("the first row has no tab (a comma-separated CSV?)")
		}
		if !ok {
			return nil, rd.kindError(fmt.Sprintf("the first row has %d columns", n))
		}
		first, _, _ := bytes.Cut(line, []byte{'\t'})
		if _, err := strconv.ParseUint(string(first), 10, 64); err != nil {
			return nil, rd.kindError(fmt.Sprintf("the first field, %.40q, is not a GLOBALEVENTID (a header row?)", first))
		}
		rd.layout = l
		rd.c = columnsOf(l)
		rd.first, rd.firstAt = bytes.Clone(line), rd.line
		return rd, nil
	}
}

// kindError says the file is not a GDELT event file, naming the expected
// layout and what the first row has instead.
func (r *Reader) kindError(what string) *source.KindError {
	return &source.KindError{File: r.opts.Name, Kind: kind, Expected: Columns20,
		Missing: []string{"the layout (no header; 61 tab-separated columns for GDELT 2.0, 57 or 58 for 1.0): " + what}}
}

// rootSet checks and normalises the CAMEO roots asked for.
func rootSet(roots []string) (map[string]bool, error) {
	if len(roots) == 0 {
		roots = DefaultCAMEORoots
	}
	set := make(map[string]bool, len(roots))
	for _, r := range roots {
		r = strings.TrimSpace(r)
		if len(r) == 1 {
			r = "0" + r
		}
		if len(r) != 2 || r[0] < '0' || r[0] > '9' || r[1] < '0' || r[1] > '9' {
			return nil, fmt.Errorf("CAMEO root %q: want a two-digit root code such as 18", r)
		}
		set[r] = true
	}
	return set, nil
}

func columnsOf(l *layout) columns {
	c := columns{
		id: l.col("GLOBALEVENTID"), sqlDate: l.col("SQLDATE"), eventCode: l.col("EventCode"),
		rootCode: l.col("EventRootCode"), actor1Name: l.col("Actor1Name"),
		geoType: l.col("ActionGeo_Type"), geoFullName: l.col("ActionGeo_FullName"),
		geoCountry: l.col("ActionGeo_CountryCode"), geoLat: l.col("ActionGeo_Lat"),
		geoLong: l.col("ActionGeo_Long"), dateAdded: l.col("DATEADDED"), sourceURL: l.col("SOURCEURL"),
	}
	for _, name := range codeColumns {
		if i := l.col(name); i >= 0 {
			c.codes = append(c.codes, codeColumn{name, i})
		}
	}
	return c
}

// Open opens a GDELT file: plain, or a .zip holding it (the first member
// whose name ends in .csv, in any case), as GDELT distributes them. The
// closer closes the file; call it when done, also after an error from
// Next. opts.Name defaults to path.
func Open(path string, opts Options) (*Reader, io.Closer, error) {
	if opts.Name == "" {
		opts.Name = path
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("gdelt: %w", err)
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("gdelt: %s: %w", path, err)
	}
	if n < 4 || string(magic[:]) != "PK\x03\x04" {
		rd, err := NewReader(f, opts)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		return rd, f, nil
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("gdelt: %s: %w", path, err)
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("gdelt: %s: reading zip: %w", path, err)
	}
	for _, m := range zr.File {
		if m.FileInfo().IsDir() || !strings.HasSuffix(strings.ToLower(m.Name), ".csv") {
			continue
		}
		rc, err := m.Open()
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("gdelt: %s: opening %s in the zip: %w", path, m.Name, err)
		}
		rd, err := NewReader(rc, opts)
		if err != nil {
			rc.Close()
			f.Close()
			return nil, nil, err
		}
		return rd, multiCloser{rc, f}, nil
	}
	f.Close()
	return nil, nil, fmt.Errorf("gdelt: %s: the zip holds no .csv file", path)
}

// multiCloser closes a zip member and then its file.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Source returns the GDELT source.
func (r *Reader) Source() model.Source { return Source }

// Skipped returns how many rows so far were passed over because their
// CAMEO root is not one of those asked for.
func (r *Reader) Skipped() int { return r.skipped }

// Next returns the next record, a *source.RowError for a row that cannot
// be used, io.EOF at the end, or another error that ends the file.
func (r *Reader) Next() (model.Record, error) {
	for r.err == nil {
		line, at := r.first, r.firstAt
		if line != nil {
			r.first = nil
		} else {
			var err error
			line, err = r.readLine()
			at = r.line
			switch {
			case errors.Is(err, io.EOF):
				r.err = io.EOF
				continue
			case errors.Is(err, errLineTooLong):
				return model.Record{}, r.rowErr(at, "", fmt.Sprintf("row over %d bytes long", maxLine), line)
			case err != nil:
				r.err = fmt.Errorf("gdelt: %s: %w", r.opts.Name, err)
				continue
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
		}
		rec, skip, err := r.record(line, at)
		if skip {
			r.skipped++
			continue
		}
		return rec, err
	}
	return model.Record{}, r.err
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next physical line without its line ending. A line
// longer than maxLine is read to its end and returned cut, with
// errLineTooLong.
func (r *Reader) readLine() ([]byte, error) {
	var buf []byte
	long := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxLine {
			long = true
			if room := maxLine - len(buf); room > 0 {
				buf = append(buf, chunk[:room]...)
			}
		} else {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if errors.Is(err, io.EOF) && len(buf) == 0 && !long {
			return nil, io.EOF
		}
		r.line++
		buf = bytes.TrimSuffix(buf, []byte{'\n'})
		buf = bytes.TrimSuffix(buf, []byte{'\r'})
		if long {
			return buf, errLineTooLong
		}
		return buf, nil
	}
}

func (r *Reader) rowErr(line int, field, reason string, raw []byte) *source.RowError {
	return &source.RowError{File: r.opts.Name, Line: line, Field: field, Reason: reason, Raw: string(raw)}
}

// record makes the record of one row, or says it is skipped (its CAMEO
// root is not one asked for).
func (r *Reader) record(raw []byte, line int) (model.Record, bool, error) {
	text := string(raw)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	row := strings.Split(text, "\t")
	if want := len(r.layout.cols); len(row) != want {
		return model.Record{}, false, r.rowErr(line, "",
			fmt.Sprintf("%d tab-separated columns, want %d as in the first row (%s)", len(row), want, r.layout.name), raw)
	}
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	fail := func(col int, format string, args ...any) (model.Record, bool, error) {
		return model.Record{}, false, r.rowErr(line, r.layout.cols[col], fmt.Sprintf(format, args...), raw)
	}

	code := get(r.c.eventCode)
	root := get(r.c.rootCode)
	if root == "" && len(code) >= 2 {
		root = code[:2]
	}
	if !r.roots[root] {
		return model.Record{}, true, nil
	}

	ref := get(r.c.id)
	if _, err := strconv.ParseUint(ref, 10, 64); err != nil {
		return fail(r.c.id, "%q is not an event id", ref)
	}
	date, err := parseDay(get(r.c.sqlDate))
	if err != nil {
		return fail(r.c.sqlDate, "%v", err)
	}
	var published *time.Time
	if s := get(r.c.dateAdded); s != "" {
		t, err := time.ParseInLocation(r.layout.dateAdded, s, time.UTC)
		if err != nil {
			return fail(r.c.dateAdded, "%q is not a time in the form %s", s, r.layout.dateAddedForm)
		}
		published = &t
	}

	var flags []string
	var iso2 string
	if fips := get(r.c.geoCountry); fips != "" {
		if c, ok := model.CountryByFIPS(fips); ok {
			iso2 = c.ISO2
		} else {
			flags = append(flags, FlagUnknownCountry)
		}
	}
	geoType := get(r.c.geoType)
	prec, ok := placePrecision(geoType)
	if !ok {
		return fail(r.c.geoType, "%q is not a geographic type 0–5", geoType)
	}
	place, admin1 := splitFullName(get(r.c.geoFullName), geoType)
	lat, err := source.Coordinate(get(r.c.geoLat), 90)
	if err != nil {
		return fail(r.c.geoLat, "%v", err)
	}
	lon, err := source.Coordinate(get(r.c.geoLong), 180)
	if err != nil {
		return fail(r.c.geoLong, "%v", err)
	}

	attack, ok := model.AttackTypeFromCAMEO(code)
	if !ok {
		attack = model.UnknownAttack
	}

	rep := source.NewReport(Source.Name, ref, 0, raw, r.opts.Options, line)
	rep.Published = published
	claim := model.Claim{
		ID:             model.ClaimID(rep.ID, 1),
		ReportID:       rep.ID,
		Source:         Source.Name,
		Start:          date,
		End:            date,
		DatePrecision:  model.PrecisionDay,
		Country:        iso2,
		Admin1:         admin1,
		Place:          place,
		Lat:            lat,
		Lon:            lon,
		PlacePrecision: prec,
		AttackType:     attack,
		Perpetrator:    get(r.c.actor1Name),
		Text:           get(r.c.sourceURL),
		Codes:          make(map[string]string, len(r.c.codes)),
		Flags:          flags,
	}
	for _, cc := range r.c.codes {
		if v := get(cc.i); v != "" {
			claim.Codes[cc.name] = v
		}
	}
	return model.Record{Report: rep, Claim: claim}, false, nil
}

// parseDay parses SQLDATE, YYYYMMDD.
func parseDay(s string) (model.Date, error) {
	if len(s) != 8 {
		return model.Date{}, fmt.Errorf("%q is not a date in the form YYYYMMDD", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return model.Date{}, fmt.Errorf("%q is not a date in the form YYYYMMDD", s)
	}
	d, err := model.NewDate(n/10000, time.Month(n/100%100), n%100)
	if err != nil {
		return model.Date{}, fmt.Errorf("%q: %w", s, err)
	}
	return d, nil
}

// placePrecision maps ActionGeo_Type.
func placePrecision(t string) (model.PlacePrecision, bool) {
	switch t {
	case "", "0":
		return model.PlaceUnknown, true
	case "1":
		return model.PlaceCountry, true
	case "2", "5":
		return model.PlaceAdmin1, true
	case "3", "4":
		return model.PlaceCity, true
	}
	return "", false
}

// splitFullName reads the place and the admin1 off ActionGeo_FullName (see
// the package doc).
func splitFullName(full, geoType string) (place, admin1 string) {
	if full == "" || geoType == "1" {
		return "", ""
	}
	parts := strings.Split(full, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	state := geoType == "2" || geoType == "5"
	switch {
	case len(parts) >= 3:
		admin1 = strings.Join(parts[1:len(parts)-1], ", ")
		if !state {
			place = parts[0]
		}
	case len(parts) == 2 && state:
		admin1 = parts[0]
	case len(parts) == 2:
		place = parts[0]
	}
	return place, admin1
}
