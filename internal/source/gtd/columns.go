package gtd

import "strings"

// requiredColumns are the columns a file must have to be read as GTD: the
// ones a claim is made from. They are what a KindError lists.
var requiredColumns = []string{
	"eventid", "iyear", "imonth", "iday", "extended", "resolution",
	"country_txt", "provstate", "city", "latitude", "longitude", "specificity",
	"summary", "doubtterr", "multiple", "success", "suicide",
	"attacktype1", "targtype1", "weaptype1", "gname", "claimed",
	"nkill", "nwound", "related",
}

// codeColumns are the GTD codes kept on each claim's Codes (when not
// empty), so that nothing the taxonomy mapping drops is lost. Free-text
// columns that may name private individuals (target, corp, motive,
// weapdetail, addnotes, scite…) are deliberately left out: they stay in
// the report's raw row only.
var codeColumns = []string{
	"country", "country_txt", "region", "region_txt",
	"approxdate", "extended", "resolution", "specificity", "vicinity",
	"crit1", "crit2", "crit3", "doubtterr", "alternative",
	"multiple", "related", "success",
	"attacktype1", "attacktype2", "attacktype3",
	"targtype1", "targsubtype1", "targtype2", "targtype3",
	"gname2", "gname3", "guncertain1", "individual",
	"claimed", "claimmode", "claim2", "claim3",
	"weaptype1", "weapsubtype1", "weaptype2", "weaptype3", "weaptype4",
	"nkillus", "nkillter", "nwoundus", "nwoundte",
	"property", "propextent", "ishostkid", "dbsource",
	"INT_LOG", "INT_IDEO", "INT_MISC", "INT_ANY",
}

// codeColumn is a code column found in the header.
type codeColumn struct {
	name string // as spelled in codeColumns, whatever the header's case
	idx  int
}

// columns holds the index of each column the mapping reads; -1 when an
// optional column is absent.
type columns struct {
	n int // fields per row: the header's length

	eventid, iyear, imonth, iday, extended, resolution       int
	countryTxt, provstate, city, latitude, longitude, specif int
	summary, doubtterr, multiple, success, suicide           int
	attack1, targ1, weap1, gname, claimed, nkill, nwound     int
	related, gname2, gname3, claim2, claim3                  int

	codes []codeColumn
}

// indexColumns finds the columns in a header, matching names without
// regard to case or surrounding spaces. It returns the required columns
// that are missing.
func indexColumns(header []string) (columns, []string) {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		if _, dup := pos[k]; !dup {
			pos[k] = i
		}
	}
	at := func(name string) int {
		if i, ok := pos[strings.ToLower(name)]; ok {
			return i
		}
		return -1
	}
	var missing []string
	for _, name := range requiredColumns {
		if at(name) < 0 {
			missing = append(missing, name)
		}
	}
	c := columns{
		n:       len(header),
		eventid: at("eventid"), iyear: at("iyear"), imonth: at("imonth"), iday: at("iday"),
		extended: at("extended"), resolution: at("resolution"),
		countryTxt: at("country_txt"), provstate: at("provstate"), city: at("city"),
		latitude: at("latitude"), longitude: at("longitude"), specif: at("specificity"),
		summary: at("summary"), doubtterr: at("doubtterr"), multiple: at("multiple"),
		success: at("success"), suicide: at("suicide"),
		attack1: at("attacktype1"), targ1: at("targtype1"), weap1: at("weaptype1"),
		gname: at("gname"), claimed: at("claimed"), nkill: at("nkill"), nwound: at("nwound"),
		related: at("related"), gname2: at("gname2"), gname3: at("gname3"),
		claim2: at("claim2"), claim3: at("claim3"),
	}
	for _, name := range codeColumns {
		if i := at(name); i >= 0 {
			c.codes = append(c.codes, codeColumn{name: name, idx: i})
		}
	}
	return c, missing
}
