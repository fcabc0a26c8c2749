package csvmap

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/encoding/charmap"

	"github.com/vigil-project/vigil/internal/model"
)

// Mapping is a decoded mapping file: how the columns of one CSV layout map
// onto a claim's fields. LoadMapping and ParseMapping return it validated;
// NewReader validates a hand-built one again.
type Mapping struct {
	// Source is the source's short key; records are stored under "csv:"+Source.
	Source string `toml:"source"`
	// Title is the source's name for people.
	Title string `toml:"title"`
	// Reliability is the source's prior in [0,1]; 0.5 when the file omits it.
	Reliability float64 `toml:"reliability"`
	// Delimiter is the one-character field separator; "," when empty.
	Delimiter string `toml:"delimiter"`
	// Encoding is "utf-8" (the default) or "windows-1252".
	Encoding string `toml:"encoding"`
	// LazyQuotes accepts a quote inside an unquoted field, as tab-separated
	// exports often have; off by default so that a broken CSV file is
	// reported rather than misread.
	LazyQuotes bool `toml:"lazy_quotes"`
	// ListSeparator splits the claimed_by and related cells; ";" when empty.
	ListSeparator string `toml:"list_separator"`
	// ID is the column holding each row's stable id (required).
	ID string `toml:"id"`
	// Revision is the optional column holding a row's revision number.
	Revision string `toml:"revision"`
	// Columns maps claim fields to column names.
	Columns Columns `toml:"columns"`
	// Dates says how date cells are written.
	Dates Dates `toml:"dates"`
	// Values maps a field's source values onto vigil values, per field.
	Values map[string]map[string]string `toml:"values"`

	// Name is the mapping file's name, used in errors.
	Name string `toml:"-"`
}

// Columns maps each claim field to the column that holds it; an empty
// string leaves the field unmapped. The TOML key of each field is its tag;
// the package documentation says how each field's cells are read.
type Columns struct {
	Date             string `toml:"date"`
	Start            string `toml:"start"`
	End              string `toml:"end"`
	DatePrecision    string `toml:"date_precision"`
	Country          string `toml:"country"`
	Admin1           string `toml:"admin1"`
	Admin2           string `toml:"admin2"`
	Place            string `toml:"place"`
	Lat              string `toml:"lat"`
	Lon              string `toml:"lon"`
	PlacePrecision   string `toml:"place_precision"`
	AttackType       string `toml:"attack_type"`
	TargetType       string `toml:"target_type"`
	Weapon           string `toml:"weapon"`
	Perpetrator      string `toml:"perpetrator"`
	ClaimedBy        string `toml:"claimed_by"`
	Suicide          string `toml:"suicide"`
	Sites            string `toml:"sites"`
	Killed           string `toml:"killed"`
	KilledLow        string `toml:"killed_low"`
	KilledHigh       string `toml:"killed_high"`
	KilledQualifier  string `toml:"killed_qualifier"`
	Wounded          string `toml:"wounded"`
	WoundedLow       string `toml:"wounded_low"`
	WoundedHigh      string `toml:"wounded_high"`
	WoundedQualifier string `toml:"wounded_qualifier"`
	Text             string `toml:"text"`
	Related          string `toml:"related"`
	Published        string `toml:"published"`
	// Codes are extra columns kept verbatim in Claim.Codes, by code name.
	Codes map[string]string `toml:"codes"`
}

// Dates lists the Go layouts that date cells are tried against, in order.
type Dates struct {
	Formats []string `toml:"formats"`
}

// Field names, as they appear in [columns] and [values.FIELD].
const (
	fDate             = "date"
	fStart            = "start"
	fEnd              = "end"
	fDatePrecision    = "date_precision"
	fCountry          = "country"
	fAdmin1           = "admin1"
	fAdmin2           = "admin2"
	fPlace            = "place"
	fLat              = "lat"
	fLon              = "lon"
	fPlacePrecision   = "place_precision"
	fAttackType       = "attack_type"
	fTargetType       = "target_type"
	fWeapon           = "weapon"
	fPerpetrator      = "perpetrator"
	fClaimedBy        = "claimed_by"
	fSuicide          = "suicide"
	fSites            = "sites"
	fKilled           = "killed"
	fKilledLow        = "killed_low"
	fKilledHigh       = "killed_high"
	fKilledQualifier  = "killed_qualifier"
	fWounded          = "wounded"
	fWoundedLow       = "wounded_low"
	fWoundedHigh      = "wounded_high"
	fWoundedQualifier = "wounded_qualifier"
	fText             = "text"
	fRelated          = "related"
	fPublished        = "published"
)

// fieldColumns pairs each field name with its column in c, in the order
// the documentation lists them.
func (c *Columns) fieldColumns() []struct{ field, column string } {
	return []struct{ field, column string }{
		{fDate, c.Date}, {fStart, c.Start}, {fEnd, c.End}, {fDatePrecision, c.DatePrecision},
		{fCountry, c.Country}, {fAdmin1, c.Admin1}, {fAdmin2, c.Admin2}, {fPlace, c.Place},
		{fLat, c.Lat}, {fLon, c.Lon}, {fPlacePrecision, c.PlacePrecision},
		{fAttackType, c.AttackType}, {fTargetType, c.TargetType}, {fWeapon, c.Weapon},
		{fPerpetrator, c.Perpetrator}, {fClaimedBy, c.ClaimedBy}, {fSuicide, c.Suicide}, {fSites, c.Sites},
		{fKilled, c.Killed}, {fKilledLow, c.KilledLow}, {fKilledHigh, c.KilledHigh}, {fKilledQualifier, c.KilledQualifier},
		{fWounded, c.Wounded}, {fWoundedLow, c.WoundedLow}, {fWoundedHigh, c.WoundedHigh}, {fWoundedQualifier, c.WoundedQualifier},
		{fText, c.Text}, {fRelated, c.Related}, {fPublished, c.Published},
	}
}

// fieldNames lists every field that [columns] accepts, for error messages.
func fieldNames() []string {
	var c Columns
	var names []string
	for _, fc := range c.fieldColumns() {
		names = append(names, fc.field)
	}
	return append(names, "codes")
}

// valueTargets says which fields take a [values.FIELD] map, and how the
// map's targets are checked (nil: any text).
var valueTargets = map[string]func(string) error{
	fDatePrecision:    checkDatePrecision,
	fCountry:          checkCountry,
	fAdmin1:           nil,
	fAdmin2:           nil,
	fPlace:            nil,
	fPlacePrecision:   checkPlacePrecision,
	fAttackType:       checkAttackType,
	fTargetType:       checkTargetType,
	fWeapon:           checkWeapon,
	fPerpetrator:      nil,
	fClaimedBy:        nil,
	fSuicide:          checkBool,
	fKilledQualifier:  checkQualifier,
	fWoundedQualifier: checkQualifier,
}

// defaultReliability is the prior of a source whose mapping gives none:
// neither trusted nor distrusted.
const defaultReliability = 0.5

var sourceKey = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// LoadMapping reads and validates a mapping file. Errors name the file and
// the offending key.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	return ParseMapping(filepath.Base(path), data)
}

// ParseMapping decodes and validates a mapping; name is the file name that
// errors are prefixed with. Keys the format does not define are errors, so
// a misspelt key never silently leaves a column unmapped.
func ParseMapping(name string, data []byte) (*Mapping, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not valid UTF-8 (mapping files are UTF-8)", name)
	}
	var m Mapping
	md, err := toml.Decode(string(data), &m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, unknownKeyError(name, keys)
	}
	// The decoder leaves a map empty, without an error, when the TOML value
	// is not a table; a table written as a string must not pass silently.
	// (Only empty maps are checked: the decoder's key types are unreliable
	// for tables holding the key "".)
	tables := [][]string{{"columns"}, {"dates"}}
	if len(m.Columns.Codes) == 0 {
		tables = append(tables, []string{"columns", "codes"})
	}
	if len(m.Values) == 0 {
		tables = append(tables, []string{"values"})
	}
	for k, vm := range m.Values {
		if len(vm) == 0 {
			tables = append(tables, []string{"values", k})
		}
	}
	for _, key := range tables {
		if typ := md.Type(key...); typ != "" && typ != "Hash" {
			return nil, fmt.Errorf("%s: %s: want a table, got a %s", name, strings.Join(key, "."), strings.ToLower(typ))
		}
	}
	if !md.IsDefined("reliability") {
		m.Reliability = defaultReliability
	}
	m.Name = name
	if _, err := m.compile(); err != nil {
		return nil, err
	}
	return &m, nil
}

// unknownKeyError names the first unknown key and says what is allowed
// where it stands.
func unknownKeyError(name string, keys []string) error {
	k := keys[0]
	switch {
	case strings.HasPrefix(k, "columns."):
		return fmt.Errorf("%s: %s: unknown field %q (fields: %s)", name, k,
			strings.TrimPrefix(k, "columns."), strings.Join(fieldNames(), ", "))
	case strings.HasPrefix(k, "dates."):
		return fmt.Errorf("%s: %s: unknown key (the [dates] table has only formats)", name, k)
	}
	return fmt.Errorf("%s: unknown key %q (keys: source, title, reliability, delimiter, encoding, "+
		"lazy_quotes, list_separator, id, revision, [columns], [columns.codes], [dates], [values.FIELD])", name, k)
}

// plan is a mapping checked and compiled for reading.
type plan struct {
	name     string
	src      model.Source
	comma    rune
	decode   func(io.Reader) io.Reader // nil for UTF-8
	listSep  string
	lazy     bool
	idCol    string
	revCol   string
	fields   map[string]string // field → column, mapped fields only
	codes    []codeColumn      // sorted by code name
	layouts  []layout
	values   map[string]valueMap
	expected []string // every column the mapping names, for KindError
}

type codeColumn struct{ code, column string }

// layout is a Go date layout with the precision its cells give.
type layout struct {
	layout string
	prec   model.DatePrecision
}

// valueMap maps source values to vigil values: exact match first, then
// ignoring case and surrounding spaces.
type valueMap struct {
	exact  map[string]string
	folded map[string]string
}

func (v valueMap) lookup(s string) (string, bool) {
	if t, ok := v.exact[s]; ok {
		return t, true
	}
	t, ok := v.folded[foldValue(s)]
	return t, ok
}

func foldValue(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// compile validates m and returns its plan. Every error names the mapping
// file and the key.
func (m *Mapping) compile() (*plan, error) {
	name := m.Name
	if name == "" {
		name = "mapping"
	}
	errf := func(key, format string, args ...any) error {
		return fmt.Errorf("%s: %s: %s", name, key, fmt.Sprintf(format, args...))
	}
	p := &plan{name: name, fields: map[string]string{}, values: map[string]valueMap{}}

	switch {
	case m.Source == "":
		return nil, errf("source", "required (a short key such as \"demo\"; records are stored under \"csv:demo\")")
	case !sourceKey.MatchString(m.Source):
		return nil, errf("source", "%q: use lower-case letters, digits, '_', '-' and '.'", m.Source)
	}
	if math.IsNaN(m.Reliability) || m.Reliability < 0 || m.Reliability > 1 {
		return nil, errf("reliability", "%v is not in [0, 1]", m.Reliability)
	}
	p.src = model.Source{Name: "csv:" + m.Source, Kind: model.KindDataset, Title: m.Title, Reliability: m.Reliability}

	p.comma = ','
	if m.Delimiter != "" {
		r, size := utf8.DecodeRuneInString(m.Delimiter)
		if size != len(m.Delimiter) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0xFEFF {
			return nil, errf("delimiter", "%q: want one character other than a quote or a line break (\",\", \";\", \"\\t\")", m.Delimiter)
		}
		p.comma = r
	}
	switch strings.ToLower(strings.ReplaceAll(m.Encoding, "_", "-")) {
	case "", "utf-8", "utf8":
	case "windows-1252", "cp1252":
		p.decode = func(r io.Reader) io.Reader { return charmap.Windows1252.NewDecoder().Reader(r) }
	default:
		return nil, errf("encoding", "%q: want \"utf-8\" or \"windows-1252\"", m.Encoding)
	}
	p.lazy = m.LazyQuotes
	p.listSep = ";"
	if m.ListSeparator != "" {
		if strings.TrimSpace(m.ListSeparator) == "" {
			return nil, errf("list_separator", "%q: want a visible separator such as \";\" or \"|\"", m.ListSeparator)
		}
		p.listSep = m.ListSeparator
	}

	if strings.TrimSpace(m.ID) == "" {
		return nil, errf("id", "required: the column that holds each row's stable id")
	}
	p.idCol = strings.TrimSpace(m.ID)
	p.revCol = strings.TrimSpace(m.Revision)
	p.expected = append(p.expected, p.idCol)
	if p.revCol != "" {
		p.expected = append(p.expected, p.revCol)
	}

	for _, fc := range m.Columns.fieldColumns() {
		col := strings.TrimSpace(fc.column)
		if col == "" {
			continue
		}
		p.fields[fc.field] = col
		if !slices.Contains(p.expected, col) {
			p.expected = append(p.expected, col)
		}
	}
	has := func(f string) bool { _, ok := p.fields[f]; return ok }
	switch {
	case has(fDate) && has(fStart):
		return nil, errf("columns.start", "map either date or start, not both (start is date's other name)")
	case !has(fDate) && !has(fStart):
		return nil, errf("columns.date", "required: the column holding each row's date (or start)")
	}
	if has(fStart) {
		p.fields[fDate] = p.fields[fStart]
		delete(p.fields, fStart)
	}
	if has(fLat) != has(fLon) {
		return nil, errf("columns.lat", "lat and lon go together: map both or neither")
	}
	for _, fig := range []string{fKilled, fWounded} {
		for _, part := range []string{"_low", "_high", "_qualifier"} {
			if has(fig+part) && !has(fig) {
				return nil, errf("columns."+fig+part, "needs columns.%s, the best figure (low and high default to it)", fig)
			}
		}
	}

	codeNames := make([]string, 0, len(m.Columns.Codes))
	for code := range m.Columns.Codes {
		codeNames = append(codeNames, code)
	}
	sort.Strings(codeNames)
	for _, code := range codeNames {
		col := strings.TrimSpace(m.Columns.Codes[code])
		key := "columns.codes." + code
		switch {
		case strings.TrimSpace(code) == "":
			return nil, errf(key, "empty code name")
		case col == "":
			return nil, errf(key, "empty column name")
		}
		p.codes = append(p.codes, codeColumn{code: code, column: col})
		if !slices.Contains(p.expected, col) {
			p.expected = append(p.expected, col)
		}
	}

	formats := m.Dates.Formats
	if len(formats) == 0 {
		formats = []string{time.DateOnly}
	}
	for i, f := range formats {
		prec, err := layoutPrecision(f)
		if err != nil {
			return nil, errf(fmt.Sprintf("dates.formats[%d]", i), "%v", err)
		}
		p.layouts = append(p.layouts, layout{layout: f, prec: prec})
	}

	fields := make([]string, 0, len(m.Values))
	for f := range m.Values {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		key := "values." + f
		check, ok := valueTargets[f]
		if !ok {
			return nil, errf(key, "field %q takes no value map (fields that do: %s)", f, strings.Join(valueMapFields(), ", "))
		}
		if !has(f) {
			return nil, errf(key, "field %q is not mapped in [columns]", f)
		}
		vm := valueMap{exact: map[string]string{}, folded: map[string]string{}}
		srcs := make([]string, 0, len(m.Values[f]))
		for s := range m.Values[f] {
			srcs = append(srcs, s)
		}
		sort.Strings(srcs)
		for _, s := range srcs {
			t := m.Values[f][s]
			if check != nil && strings.TrimSpace(t) != "" {
				if err := check(t); err != nil {
					return nil, errf(fmt.Sprintf("%s.%q", key, s), "%v", err)
				}
			}
			vm.exact[s] = t
			if prev, dup := vm.folded[foldValue(s)]; dup && prev != t {
				return nil, errf(fmt.Sprintf("%s.%q", key, s), "clashes with another source value that differs only in case or spaces")
			}
			vm.folded[foldValue(s)] = t
		}
		p.values[f] = vm
	}
	return p, nil
}

func valueMapFields() []string {
	fs := make([]string, 0, len(valueTargets))
	for f := range valueTargets {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	return fs
}

// layoutPrecision checks a Go date layout and says what precision its
// cells give. A layout is probed by formatting dates that differ in one
// part only: if the output does not change with the day, cells written in
// it cannot say the day.
func layoutPrecision(l string) (model.DatePrecision, error) {
	base := time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC)
	s := base.Format(l)
	if s == base.AddDate(1, 0, 0).Format(l) {
		return "", fmt.Errorf("layout %q has no year: Go layouts are written with the reference date, e.g. \"2006-01-02\" or \"02/01/2006\"", l)
	}
	t, err := time.Parse(l, s)
	if err != nil || t.Year() != base.Year() {
		return "", fmt.Errorf("layout %q cannot read back what it writes (%q): write it with the reference date 2006-01-02", l, s)
	}
	hasMonth := s != time.Date(2001, 3, 3, 0, 0, 0, 0, time.UTC).Format(l)
	hasDay := s != time.Date(2001, 2, 4, 0, 0, 0, 0, time.UTC).Format(l)
	switch {
	case hasDay:
		if model.DateOf(t) != model.DateOf(base) {
			return "", fmt.Errorf("layout %q reads %q back as %s: write it with the reference date 2006-01-02", l, s, model.DateOf(t))
		}
		return model.PrecisionDay, nil
	case hasMonth:
		return model.PrecisionMonth, nil
	}
	return model.PrecisionYear, nil
}

// normEnum lets people write "Armed Assault" or "armed-assault" for
// armed_assault.
func normEnum(s string) string {
	return enumReplacer.Replace(strings.ToLower(strings.TrimSpace(s)))
}

var enumReplacer = strings.NewReplacer(" ", "_", "-", "_")

func checkAttackType(s string) error {
	if model.AttackType(normEnum(s)).Valid() {
		return nil
	}
	return fmt.Errorf("%q is not an attack type (one of %s)", s, joinAny(model.AttackTypes))
}

func checkTargetType(s string) error {
	if model.TargetType(normEnum(s)).Valid() {
		return nil
	}
	return fmt.Errorf("%q is not a target type (one of %s)", s, joinAny(model.TargetTypes))
}

func checkWeapon(s string) error {
	if model.WeaponType(normEnum(s)).Valid() {
		return nil
	}
	return fmt.Errorf("%q is not a weapon type (one of %s)", s, joinAny(model.WeaponTypes))
}

var qualifiers = []model.Qualifier{model.Exact, model.AtLeast, model.About, model.UpTo}

func checkQualifier(s string) error {
	if model.Qualifier(normEnum(s)).Valid() {
		return nil
	}
	return fmt.Errorf("%q is not a qualifier (one of %s)", s, joinAny(qualifiers))
}

var datePrecisions = []model.DatePrecision{model.PrecisionDay, model.PrecisionWeek, model.PrecisionMonth, model.PrecisionYear}

func checkDatePrecision(s string) error {
	if model.DatePrecision(normEnum(s)).Valid() {
		return nil
	}
	return fmt.Errorf("%q is not a date precision (one of %s)", s, joinAny(datePrecisions))
}

var placePrecisions = []model.PlacePrecision{model.PlaceExact, model.PlaceCity, model.PlaceAdmin2,
	model.PlaceAdmin1, model.PlaceCountry, model.PlaceUnknown}

func checkPlacePrecision(s string) error {
	if model.PlacePrecision(normEnum(s)).Valid() {
		return nil
	}
	return fmt.Errorf("%q is not a place precision (one of %s)", s, joinAny(placePrecisions))
}

func checkCountry(s string) error {
	_, err := countryCode(s)
	return err
}

func checkBool(s string) error {
	_, err := parseBool(s)
	return err
}

// countryCode reads an ISO 3166-1 alpha-2 code or an English country name.
func countryCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2 {
		if c, ok := model.CountryByISO2(s); ok {
			return c.ISO2, nil
		}
	}
	if c, ok := model.CountryByName(s); ok {
		return c.ISO2, nil
	}
	return "", fmt.Errorf("%q is neither an ISO 3166-1 alpha-2 code nor a country name vigil knows", s)
}

// parseBool reads the yes/no spellings that spreadsheets and datasets use.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "t":
		return true, nil
	case "false", "no", "n", "0", "f":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true/false, yes/no, 1/0)", s)
}

func joinAny[T ~string](vs []T) string {
	ss := make([]string, len(vs))
	for i, v := range vs {
		ss[i] = string(v)
	}
	return strings.Join(ss, ", ")
}
