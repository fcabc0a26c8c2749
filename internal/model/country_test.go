package model

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/shareddata"
)

// tsvRows parses countries.tsv on its own, independently of the index, so
// that the test sees alternates and blanks the index would hide.
func tsvRows(t *testing.T) [][]string {
	t.Helper()
	var rows [][]string
	for i, line := range strings.Split(countriesTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			t.Fatalf("countries.tsv line %d: got %d columns, want 7: %q", i+1, len(f), line)
		}
		rows = append(rows, f)
	}
	return rows
}

func TestCountryTableRows(t *testing.T) {
	rows := tsvRows(t)
	if len(rows) < 249 {
		t.Fatalf("got %d rows, want every ISO 3166-1 entry (>= 249)", len(rows))
	}
	if got := len(Countries()); got != len(rows) {
		t.Fatalf("Countries() has %d, want %d rows", got, len(rows))
	}
	seen := map[string]string{} // "column:code" -> iso2 of the first row holding it
	dup := func(col, code, iso2 string) {
		k := col + ":" + code
		if prev, ok := seen[k]; ok {
			t.Errorf("%s %q is on both %s and %s", col, code, prev, iso2)
		}
		seen[k] = iso2
	}
	for _, f := range rows {
		iso2 := f[0]
		if len(iso2) != 2 || strings.ToUpper(iso2) != iso2 {
			t.Errorf("row %v: bad iso2", f)
		}
		dup("iso2", iso2, iso2)
		for _, c := range strings.Split(f[1], "|") {
			if len(c) != 3 || strings.ToUpper(c) != c {
				t.Errorf("%s: bad iso3 %q", iso2, c)
			}
			dup("iso3", c, iso2)
		}
		if f[2] != "" {
			n, err := strconv.Atoi(f[2])
			if err != nil || n <= 0 || n > 999 {
				t.Errorf("%s: bad numeric %q", iso2, f[2])
			}
			dup("numeric", strconv.Itoa(n), iso2)
		}
		if f[3] != "" {
			for _, c := range strings.Split(f[3], "|") {
				if len(c) != 2 || strings.ToUpper(c) != c {
					t.Errorf("%s: bad fips %q", iso2, c)
				}
				dup("fips", c, iso2)
			}
		}
		if f[4] != "" {
			for _, c := range strings.Split(f[4], "|") {
				if n, err := strconv.Atoi(c); err != nil || n <= 0 || n >= 1000 {
					t.Errorf("%s: bad gw %q", iso2, c)
				}
				dup("gw", c, iso2)
			}
		}
		if f[5] == "" {
			t.Errorf("%s: no name", iso2)
		}
		names := []string{f[5]}
		if f[6] != "" {
			names = append(names, strings.Split(f[6], "|")...)
		}
		for _, n := range names {
			if n == "" || n != strings.TrimSpace(n) {
				t.Errorf("%s: bad name or alias %q", iso2, n)
			}
			dup("name", foldName(n), iso2)
		}
	}
	// Every row must be reachable by each of its codes through the index.
	for _, c := range Countries() {
		if got, ok := CountryByISO2(c.ISO2); !ok || got.ISO2 != c.ISO2 {
			t.Errorf("CountryByISO2(%q) = %q, %v", c.ISO2, got.ISO2, ok)
		}
		if got, ok := CountryByISO3(c.ISO3); !ok || got.ISO2 != c.ISO2 {
			t.Errorf("CountryByISO3(%q) = %q, %v", c.ISO3, got.ISO2, ok)
		}
		if got, ok := CountryByName(c.Name); !ok || got.ISO2 != c.ISO2 {
			t.Errorf("CountryByName(%q) = %q, %v", c.Name, got.ISO2, ok)
		}
	}
}

func TestCountryLookups(t *testing.T) {
	fips := map[string]string{
		"IR": "IR", "IZ": "IQ", "BO": "BY", "BG": "BD", "BM": "MM", "UP": "UA", "GM": "DE", "UK": "GB", "SF": "ZA",
		"RS": "RU", "CH": "CN", "JA": "JP", "KS": "KR", "KN": "KP", "AS": "AU", "AU": "AT", "PK": "PK", "AF": "AF",
		"IS": "IL", "WE": "PS", "GZ": "PS", "SY": "SY", "TU": "TR", "LE": "LB", "JO": "JO", "SA": "SA", "YM": "YE",
		"MU": "OM", "AE": "AE", "QA": "QA", "BA": "BH", "KU": "KW", "EG": "EG", "LY": "LY", "NI": "NG", "NG": "NE",
		"SU": "SD", "OD": "SS", "ET": "ET", "SO": "SO", "KE": "KE", "CG": "CD", "CF": "CG", "ML": "ML", "UV": "BF",
		"CD": "TD", "MZ": "MZ", "CE": "LK", "IN": "IN", "NP": "NP", "TH": "TH", "RP": "PH", "ID": "ID", "MY": "MY",
		"VM": "VN", "BR": "BR", "MX": "MX", "CO": "CO", "VE": "VE", "PE": "PE", "US": "US", "CA": "CA", "FR": "FR",
		"SP": "ES", "PO": "PT", "IT": "IT", "GR": "GR", "NL": "NL", "BE": "BE", "SZ": "CH", "SW": "SE", "NO": "NO",
		"DA": "DK", "FI": "FI", "PL": "PL", "EZ": "CZ", "LO": "SK", "HU": "HU", "RO": "RO", "BU": "BG", "EN": "EE",
		"LG": "LV", "LH": "LT", "AJ": "AZ", "AM": "AM", "GG": "GE", "KZ": "KZ", "UZ": "UZ", "TX": "TM", "TI": "TJ",
		"KG": "KG", "MG": "MN", "EI": "IE", "IC": "IS", "KV": "XK", "RI": "RS", "YI": "RS", "MJ": "ME", "TC": "",
		"TK": "TC", "BK": "BA", "MK": "MK", "HK": "HK", "TW": "TW", "CY": "CY", "JE": "JE", "WA": "NA", "ZI": "ZW",
		"ZA": "ZM", "VI": "VG", "VQ": "VI", "RQ": "PR", "OS": "", "XX": "",
	}
	for code, want := range fips {
		got, ok := CountryByFIPS(code)
		if got.ISO2 != want || ok != (want != "") {
			t.Errorf("CountryByFIPS(%q) = %q, %v; want %q", code, got.ISO2, ok, want)
		}
	}
	gw := map[int]string{
		2: "US", 20: "CA", 70: "MX", 200: "GB", 220: "FR", 255: "DE", 260: "DE", 265: "DE", 365: "RU", 369: "UA",
		370: "BY", 630: "IR", 640: "TR", 645: "IQ", 652: "SY", 666: "IL", 700: "AF", 710: "CN", 750: "IN", 770: "PK",
		771: "BD", 775: "MM", 520: "SO", 475: "NG", 625: "SD", 626: "SS", 530: "ET", 490: "CD", 484: "CG", 432: "ML",
		439: "BF", 541: "MZ", 780: "LK", 800: "TH", 840: "PH", 850: "ID", 678: "YE", 679: "YE", 680: "YE", 620: "LY",
		651: "EG", 345: "RS", 347: "XK", 316: "CZ", 315: "CZ", 317: "SK", 713: "TW", 731: "KP", 732: "KR", 816: "VN",
		817: "VN", 860: "TL", 437: "CI", 572: "SZ", 1: "", 999: "",
	}
	for n, want := range gw {
		got, ok := CountryByGW(n)
		if got.ISO2 != want || ok != (want != "") {
			t.Errorf("CountryByGW(%d) = %q, %v; want %q", n, got.ISO2, ok, want)
		}
	}
	if c, _ := CountryByGW(255); c.GW != 260 {
		t.Errorf("CountryByGW(255).GW = %d, want the canonical 260", c.GW)
	}
	names := map[string]string{
		// GTD country_txt
		"United States": "US", "West Bank and Gaza Strip": "PS", "Democratic Republic of the Congo": "CD",
		"People's Republic of the Congo": "CG", "Republic of the Congo": "CG", "Ivory Coast": "CI",
		"Czech Republic": "CZ", "United Kingdom": "GB", "Great Britain": "GB", "South Korea": "KR", "North Korea": "KP",
		"Russia": "RU", "Vietnam": "VN", "Laos": "LA", "Syria": "SY", "Bosnia-Herzegovina": "BA", "Macedonia": "MK",
		"East Timor": "TL", "Swaziland": "SZ", "Slovak Republic": "SK", "Kosovo": "XK", "Soviet Union": "RU",
		"West Germany (FRG)": "DE", "East Germany (GDR)": "DE", "Yugoslavia": "RS", "Czechoslovakia": "CZ",
		"Zaire": "CD", "Rhodesia": "ZW", "South Vietnam": "VN", "North Yemen": "YE", "South Yemen": "YE",
		"Serbia-Montenegro": "RS", "New Hebrides": "VU", "Falkland Islands": "FK", "Vatican City": "VA",
		"Macau": "MO", "Hong Kong": "HK", "Taiwan": "TW", "Western Sahara": "EH", "Iran": "IR", "Iraq": "IQ",
		// ACLED country
		"Democratic Republic of Congo": "CD", "Republic of Congo": "CG", "North Macedonia": "MK", "Curacao": "CW",
		"eSwatini": "SZ", "Palestine": "PS", "Bosnia and Herzegovina": "BA", "Guinea-Bissau": "GW", "Myanmar": "MM",
		// UCDP country
		"Myanmar (Burma)": "MM", "Russia (Soviet Union)": "RU", "Yemen (North Yemen)": "YE", "Serbia (Yugoslavia)": "RS",
		"Cambodia (Kampuchea)": "KH", "DR Congo (Zaire)": "CD", "Zimbabwe (Rhodesia)": "ZW", "Madagascar (Malagasy)": "MG",
		"Bangladesh": "BD",
		// ISO / UN long forms
		"Iran (Islamic Republic of)": "IR", "Iran, Islamic Republic of": "IR", "Syrian Arab Republic": "SY",
		"Russian Federation": "RU", "Viet Nam": "VN", "Korea, Republic of": "KR",
		"Korea, Democratic People's Republic of": "KP", "Türkiye": "TR", "Turkey": "TR", "Côte d'Ivoire": "CI",
		"Cote d'Ivoire": "CI", "Congo": "CG", "Congo, The Democratic Republic of the": "CD", "Czechia": "CZ",
		"Lao People's Democratic Republic": "LA", "Tanzania, United Republic of": "TZ", "Palestine, State of": "PS",
		"Bolivia, Plurinational State of": "BO", "Venezuela, Bolivarian Republic of": "VE", "Moldova, Republic of": "MD",
		"United Kingdom of Great Britain and Northern Ireland": "GB", "United States of America": "US",
		"  united   states ": "US", "Atlantis": "", "Korea": "",
	}
	for name, want := range names {
		got, ok := CountryByName(name)
		if got.ISO2 != want || ok != (want != "") {
			t.Errorf("CountryByName(%q) = %q, %v; want %q", name, got.ISO2, ok, want)
		}
	}
	iso3 := map[string]string{"IRN": "IR", "MMR": "MM", "XKX": "XK", "ROU": "RO", "ROM": "RO", "COD": "CD", "ZAR": "CD",
		"TLS": "TL", "TMP": "TL", "PSE": "PS", "irn": "IR", "XXX": ""}
	for code, want := range iso3 {
		got, ok := CountryByISO3(code)
		if got.ISO2 != want || ok != (want != "") {
			t.Errorf("CountryByISO3(%q) = %q, %v; want %q", code, got.ISO2, ok, want)
		}
	}
	if c, _ := CountryByISO3("ROM"); c.ISO3 != "ROU" {
		t.Errorf("CountryByISO3(ROM).ISO3 = %q, want the canonical ROU", c.ISO3)
	}
	numeric := map[int]string{364: "IR", 104: "MM", 50: "BD", 4: "AF", 275: "PS", 728: "SS", 729: "SD", 531: "CW", 0: ""}
	for n, want := range numeric {
		got, ok := CountryByNumeric(n)
		if got.ISO2 != want || ok != (want != "") {
			t.Errorf("CountryByNumeric(%d) = %q, %v; want %q", n, got.ISO2, ok, want)
		}
	}
	ir, _ := CountryByISO2("ir")
	want := Country{ISO2: "IR", ISO3: "IRN", Numeric: 364, FIPS: "IR", GW: 630, Name: "Iran"}
	if ir.ISO2 != want.ISO2 || ir.ISO3 != want.ISO3 || ir.Numeric != want.Numeric || ir.FIPS != want.FIPS ||
		ir.GW != want.GW || ir.Name != want.Name {
		t.Errorf("CountryByISO2(ir) = %+v, want %+v", ir, want)
	}
}

// csvColumns reads the named columns of a CSV file with a header row.
func csvColumns(t *testing.T, path string, cols ...string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, h := range head {
			if strings.TrimPrefix(h, "\ufeff") == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			t.Fatalf("%s: no column %q", path, c)
		}
	}
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		row := make([]string, len(cols))
		for i, j := range idx {
			if j < len(rec) {
				row[i] = rec[j]
			}
		}
		out = append(out, row)
	}
	return out
}

// TestCountriesInSharedData checks that every country the real files name
// resolves, by the code or name each reader will look it up by.
func TestCountriesInSharedData(t *testing.T) {
	t.Run("gtd", func(t *testing.T) {
		rows := csvColumns(t, shareddata.Path(t, "gtd", "gtd_0718dist_us_2000-2017.csv"), "country_txt")
		for _, r := range rows {
			if _, ok := CountryByName(r[0]); !ok {
				t.Errorf("GTD country_txt %q does not resolve", r[0])
			}
		}
	})
	t.Run("acled", func(t *testing.T) {
		rows := csvColumns(t, shareddata.Path(t, "acled", "acled_2020-04-27_to_2020-05-09_outside_middle_east.csv"),
			"iso", "iso3", "country")
		for _, r := range rows {
			byName, ok1 := CountryByName(r[2])
			byISO3, ok2 := CountryByISO3(r[1])
			if !ok1 || !ok2 || byName.ISO2 != byISO3.ISO2 {
				t.Errorf("ACLED %v: by name %q %v, by iso3 %q %v", r, byName.ISO2, ok1, byISO3.ISO2, ok2)
			}
			if n, _ := strconv.Atoi(r[0]); n != 0 {
				if byNum, ok := CountryByNumeric(n); !ok || byNum.ISO2 != byName.ISO2 {
					t.Errorf("ACLED %v: by iso %q %v, want %q", r, byNum.ISO2, ok, byName.ISO2)
				}
			}
		}
	})
	t.Run("ucdp", func(t *testing.T) {
		rows := csvColumns(t, shareddata.Path(t, "ucdp", "ged191_myanmar_bangladesh.csv"), "country", "country_id")
		for _, r := range rows {
			n, _ := strconv.Atoi(r[1])
			byName, ok1 := CountryByName(r[0])
			byGW, ok2 := CountryByGW(n)
			if !ok1 || !ok2 || byName.ISO2 != byGW.ISO2 {
				t.Errorf("UCDP %v: by name %q %v, by gw %q %v", r, byName.ISO2, ok1, byGW.ISO2, ok2)
			}
		}
	})
	t.Run("gdelt", func(t *testing.T) {
		f, err := os.Open(shareddata.Path(t, "gdelt", "20191024143000.export.CSV"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		const actionGeoCountryCode = 53
		for line := 1; sc.Scan(); line++ {
			cols := strings.Split(sc.Text(), "\t")
			if len(cols) != 61 {
				t.Fatalf("line %d: %d columns, want 61", line, len(cols))
			}
			code := cols[actionGeoCountryCode]
			// "" is an event with no place; OS is GDELT's code for the oceans,
			// which no country holds.
			if code == "" || code == "OS" {
				continue
			}
			if _, ok := CountryByFIPS(code); !ok {
				t.Errorf("GDELT line %d: ActionGeo_CountryCode %q does not resolve", line, code)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	})
}
