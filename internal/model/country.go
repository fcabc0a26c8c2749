package model

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

// Country is one row of the embedded country table, with the codes that
// the datasets use for it.
type Country struct {
	ISO2    string   // ISO 3166-1 alpha-2, vigil's country code
	ISO3    string   // ISO 3166-1 alpha-3 (ACLED iso3)
	Numeric int      // ISO 3166-1 numeric (ACLED iso)
	FIPS    string   // FIPS 10-4 (GDELT); "" when none
	GW      int      // Gleditsch–Ward number (UCDP country_id, gwno); 0 when none
	Name    string   // English short name
	Aliases []string // other names the datasets use: "Myanmar (Burma)", "Iran (Islamic Republic of)"
}

// countriesTSV columns: iso2, iso3, numeric, fips, gw, name, aliases ("|"-separated).
// iso3, fips and gw may hold "|"-separated alternates after the canonical
// code (retired codes, historic states such as Gaza Strip GZ or North Yemen
// 678): the Country carries the first, the lookups find all of them.
//
//go:embed countries.tsv
var countriesTSV string

type countryIndex struct {
	all    []Country
	byISO2 map[string]*Country
	byISO3 map[string]*Country
	byNum  map[int]*Country
	byFIPS map[string]*Country
	byGW   map[int]*Country
	byName map[string]*Country
}

var countries = sync.OnceValue(func() *countryIndex {
	ix := &countryIndex{byISO2: map[string]*Country{}, byISO3: map[string]*Country{}, byNum: map[int]*Country{},
		byFIPS: map[string]*Country{}, byGW: map[int]*Country{}, byName: map[string]*Country{}}
	var altISO3, altFIPS, altGW [][]string // per row, the alternates after the canonical code
	for _, line := range strings.Split(countriesTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 6 {
			panic("model: countries.tsv: short line: " + line) // embedded data, checked by tests
		}
		iso3, fips, gw := strings.Split(f[1], "|"), strings.Split(f[3], "|"), strings.Split(f[4], "|")
		c := Country{ISO2: f[0], ISO3: iso3[0], FIPS: fips[0], Name: f[5]}
		c.Numeric, _ = strconv.Atoi(f[2])
		c.GW, _ = strconv.Atoi(gw[0])
		altISO3, altFIPS, altGW = append(altISO3, iso3[1:]), append(altFIPS, fips[1:]), append(altGW, gw[1:])
		if len(f) > 6 && f[6] != "" {
			c.Aliases = strings.Split(f[6], "|")
		}
		ix.all = append(ix.all, c)
	}
	for i := range ix.all {
		c := &ix.all[i]
		ix.byISO2[c.ISO2] = c
		if c.ISO3 != "" {
			ix.byISO3[c.ISO3] = c
		}
		if c.Numeric != 0 {
			ix.byNum[c.Numeric] = c
		}
		if c.FIPS != "" {
			ix.byFIPS[c.FIPS] = c
		}
		if c.GW != 0 {
			if _, dup := ix.byGW[c.GW]; !dup {
				ix.byGW[c.GW] = c
			}
		}
		for _, a := range altISO3[i] {
			ix.byISO3[a] = c
		}
		for _, a := range altFIPS[i] {
			ix.byFIPS[a] = c
		}
		for _, a := range altGW[i] {
			if n, err := strconv.Atoi(a); err == nil {
				if _, dup := ix.byGW[n]; !dup {
					ix.byGW[n] = c
				}
			}
		}
		ix.byName[foldName(c.Name)] = c
		for _, a := range c.Aliases {
			ix.byName[foldName(a)] = c
		}
	}
	return ix
})

func foldName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func lookup[K comparable](m map[K]*Country, k K) (Country, bool) {
	if c, ok := m[k]; ok {
		return *c, true
	}
	return Country{}, false
}

// Countries returns every country of the table.
func Countries() []Country { return append([]Country(nil), countries().all...) }

// CountryByISO2 looks a country up by its ISO alpha-2 code (upper case).
func CountryByISO2(code string) (Country, bool) {
	return lookup(countries().byISO2, strings.ToUpper(code))
}

// CountryByISO3 looks a country up by its ISO alpha-3 code.
func CountryByISO3(code string) (Country, bool) {
	return lookup(countries().byISO3, strings.ToUpper(code))
}

// CountryByNumeric looks a country up by its ISO numeric code.
func CountryByNumeric(n int) (Country, bool) { return lookup(countries().byNum, n) }

// CountryByFIPS looks a country up by its FIPS 10-4 code, as GDELT gives it.
func CountryByFIPS(code string) (Country, bool) {
	return lookup(countries().byFIPS, strings.ToUpper(code))
}

// CountryByGW looks a country up by its Gleditsch–Ward number, as UCDP gives it.
func CountryByGW(n int) (Country, bool) { return lookup(countries().byGW, n) }

// CountryByName looks a country up by its English name or an alias the
// datasets use, ignoring case and repeated spaces.
func CountryByName(name string) (Country, bool) { return lookup(countries().byName, foldName(name)) }
