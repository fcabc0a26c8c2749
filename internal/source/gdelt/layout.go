package gdelt

import (
	"slices"
	"strings"
)

// Columns20 lists the 61 columns of a GDELT 2.0 event export, in file
// order, by the codebook's names.
var Columns20 = []string{
	"GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
	"Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode",
	"Actor1Religion1Code", "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code", "Actor1Type3Code",
	"Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2EthnicCode",
	"Actor2Religion1Code", "Actor2Religion2Code", "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code",
	"IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
	"NumMentions", "NumSources", "NumArticles", "AvgTone",
	"Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code", "Actor1Geo_ADM2Code",
	"Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
	"Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code", "Actor2Geo_ADM2Code",
	"Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
	"ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code", "ActionGeo_ADM2Code",
	"ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
	"DATEADDED", "SOURCEURL",
}

// Columns10 lists the 58 columns of a GDELT 1.0 daily event file: the 2.0
// columns without the three *_ADM2Code ones. Files of the back-file before
// April 2013 stop one short, at DATEADDED (57 columns, no SOURCEURL).
var Columns10 = slices.DeleteFunc(slices.Clone(Columns20), func(c string) bool {
	return strings.HasSuffix(c, "_ADM2Code")
})

// layout is one of the column orders a GDELT event file can have.
type layout struct {
	name  string         // "GDELT 2.0", "GDELT 1.0"
	cols  []string       // column names in file order
	index map[string]int // column name → index
	// dateAdded is DATEADDED's Go time layout: 2.0 gives the second,
	// 1.0 only the day.
	dateAdded     string
	dateAddedForm string // the same for people: YYYYMMDDHHMMSS
}

func newLayout(name string, cols []string, dateAdded string) *layout {
	form := strings.NewReplacer("2006", "YYYY", "01", "MM", "02", "DD", "15", "HH", "04", "MM", "05", "SS").Replace(dateAdded)
	l := &layout{name: name, cols: cols, index: make(map[string]int, len(cols)), dateAdded: dateAdded, dateAddedForm: form}
	for i, c := range cols {
		l.index[c] = i
	}
	return l
}

// The three layouts, keyed by their column count.
var layouts = map[int]*layout{
	61: newLayout("GDELT 2.0", Columns20, "20060102150405"),
	58: newLayout("GDELT 1.0", Columns10, "20060102"),
	57: newLayout("GDELT 1.0 (before April 2013, no SOURCEURL)", Columns10[:57], "20060102"),
}

// col returns the index of a column, or -1 when the layout lacks it.
func (l *layout) col(name string) int {
	if i, ok := l.index[name]; ok {
		return i
	}
	return -1
}
