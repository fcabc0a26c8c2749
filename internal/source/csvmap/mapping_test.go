package csvmap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

// minimal is the smallest valid mapping; the error cases below add to it.
const minimal = `
source = "t"
id = "id"
[columns]
date = "date"
`

func TestParseMappingErrors(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // substrings of the error
	}{
		{"valid minimal mapping", minimal, nil},
		{"misspelt top-level key", `source = "t"
id = "id"
delimeter = ";"
[columns]
date = "date"`, []string{"m.toml", `unknown key "delimeter"`}},
		{"unknown field in columns", minimal + `plcae = "city"`, []string{"m.toml", "columns.plcae", `unknown field "plcae"`, "place"}},
		{"unknown key in dates", minimal + "[dates]\nformat = [\"2006\"]", []string{"dates.format", "formats"}},
		{"missing id", `source = "t"
[columns]
date = "date"`, []string{"m.toml: id: required"}},
		{"missing source", `id = "id"
[columns]
date = "date"`, []string{"m.toml: source: required"}},
		{"bad source key", `source = "My Source"
id = "id"
[columns]
date = "date"`, []string{"source", `"My Source"`}},
		{"missing date", `source = "t"
id = "id"
[columns]
place = "city"`, []string{"columns.date", "required"}},
		{"date and start", minimal + `start = "from"`, []string{"columns.start", "not both"}},
		{"lat without lon", minimal + `lat = "lat"`, []string{"columns.lat", "both"}},
		{"killed_low without killed", minimal + `killed_low = "kl"`, []string{"columns.killed_low", "columns.killed"}},
		{"wounded_qualifier without wounded", minimal + `wounded_qualifier = "wq"`, []string{"columns.wounded_qualifier"}},
		{"reliability out of range", `reliability = 1.5
` + minimal, []string{"reliability", "1.5", "[0, 1]"}},
		{"reliability of the wrong type", `reliability = "high"
` + minimal, []string{"m.toml", "reliability"}},
		{"delimiter of two characters", `delimiter = ";;"
` + minimal, []string{"delimiter", `";;"`}},
		{"quote as delimiter", `delimiter = '"'
` + minimal, []string{"delimiter"}},
		{"unknown encoding", `encoding = "latin-2"
` + minimal, []string{"encoding", `"latin-2"`, "windows-1252"}},
		{"blank list separator", `list_separator = " "
` + minimal, []string{"list_separator"}},
		{"layout without a year", minimal + "[dates]\nformats = [\"2006-01-02\", \"YYYY-MM-DD\"]",
			[]string{"dates.formats[1]", `"YYYY-MM-DD"`, "no year"}},
		{"layout that cannot read back", minimal + "[dates]\nformats = [\"Monday 2006-01\"]",
			[]string{"dates.formats[0]"}},
		{"values for an unknown field", minimal + "[values.colour]\n\"red\" = \"blue\"",
			[]string{"values.colour", "takes no value map"}},
		{"values for a field without a value map", minimal + "[values.date]\n\"today\" = \"2024-01-01\"",
			[]string{"values.date", "takes no value map"}},
		{"values for an unmapped field", minimal + "[values.attack_type]\n\"Shooting\" = \"armed_assault\"",
			[]string{"values.attack_type", "not mapped"}},
		{"invalid attack type target", minimal + "attack_type = \"type\"\n[values.attack_type]\n\"Suicide bombing\" = \"suicide\"",
			[]string{`values.attack_type."Suicide bombing"`, `"suicide" is not an attack type`, "armed_assault"}},
		{"invalid target type target", minimal + "target_type = \"t\"\n[values.target_type]\n\"Shrine\" = \"shrine\"",
			[]string{`values.target_type."Shrine"`, "not a target type"}},
		{"invalid weapon target", minimal + "weapon = \"w\"\n[values.weapon]\n\"AK\" = \"rifle\"",
			[]string{`values.weapon."AK"`, "not a weapon type"}},
		{"invalid country target", minimal + "country = \"c\"\n[values.country]\n\"Persia\" = \"XX\"",
			[]string{`values.country."Persia"`, "country"}},
		{"invalid qualifier target", minimal + "killed = \"k\"\nkilled_qualifier = \"q\"\n[values.killed_qualifier]\n\"approx\" = \"roughly\"",
			[]string{`values.killed_qualifier."approx"`, "not a qualifier", "at_least"}},
		{"invalid boolean target", minimal + "suicide = \"s\"\n[values.suicide]\n\"maybe\" = \"perhaps\"",
			[]string{`values.suicide."maybe"`, "not a boolean"}},
		{"clashing value keys", minimal + "attack_type = \"a\"\n[values.attack_type]\n\"Shooting\" = \"armed_assault\"\n\"shooting\" = \"assassination\"",
			[]string{"values.attack_type", "clashes"}},
		{"empty code column", minimal + "[columns.codes]\nurl = \"\"", []string{"columns.codes.url", "empty column"}},
		{"TOML syntax error", "source = \"t\nid = \"id\"", []string{"m.toml"}},
		{"value map of the wrong shape", minimal + "attack_type = \"a\"\n[values]\nattack_type = \"bombing\"", []string{"m.toml"}},
		{"invalid UTF-8", "source = \"t\xff\"", []string{"m.toml", "UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMapping("m.toml", []byte(tt.toml))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ParseMapping: got error %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseMapping: got %+v, want an error containing %q", m, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseMapping error: got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestParseMappingDefaults(t *testing.T) {
	m, err := ParseMapping("m.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if m.Reliability != defaultReliability {
		t.Errorf("reliability: got %v, want the default %v", m.Reliability, defaultReliability)
	}
	p, err := m.compile()
	if err != nil {
		t.Fatal(err)
	}
	if p.comma != ',' || p.listSep != ";" || p.decode != nil {
		t.Errorf("defaults: got comma %q, list separator %q, decoder set %v; want ',', ';', false", p.comma, p.listSep, p.decode != nil)
	}
	if len(p.layouts) != 1 || p.layouts[0].layout != "2006-01-02" {
		t.Errorf("layouts: got %+v, want the one default 2006-01-02", p.layouts)
	}
	if got, want := p.src, (model.Source{Name: "csv:t", Kind: model.KindDataset, Reliability: 0.5}); got != want {
		t.Errorf("source: got %+v, want %+v", got, want)
	}

	// An explicit reliability of 0 is kept, not replaced by the default.
	m, err = ParseMapping("m.toml", []byte("reliability = 0.0\n"+minimal))
	if err != nil {
		t.Fatal(err)
	}
	if m.Reliability != 0 {
		t.Errorf("explicit reliability 0: got %v", m.Reliability)
	}
}

func TestLoadMapping(t *testing.T) {
	m, err := LoadMapping(filepath.Join("testdata", "incidents.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "incidents.toml" || m.Source != "test" || m.Reliability != 0.6 {
		t.Errorf("got name %q source %q reliability %v, want incidents.toml test 0.6", m.Name, m.Source, m.Reliability)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte(minimal+"colour = \"red\""), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadMapping(bad)
	if err == nil || !strings.Contains(err.Error(), "bad.toml") || !strings.Contains(err.Error(), "columns.colour") {
		t.Errorf("LoadMapping(bad): got %v, want an error naming bad.toml and columns.colour", err)
	}
	if _, err := LoadMapping(filepath.Join(dir, "missing.toml")); err == nil {
		t.Error("LoadMapping(missing): got no error")
	}
}

func TestLayoutPrecision(t *testing.T) {
	tests := []struct {
		layout string
		want   model.DatePrecision
		bad    bool
	}{
		{"2006-01-02", model.PrecisionDay, false},
		{"02/01/2006", model.PrecisionDay, false},
		{"January 2, 2006", model.PrecisionDay, false},
		{"2006-01-02 15:04", model.PrecisionDay, false},
		{"2006-002", model.PrecisionDay, false},
		{"01/2006", model.PrecisionMonth, false},
		{"Jan 2006", model.PrecisionMonth, false},
		{"2006", model.PrecisionYear, false},
		{"YYYY-MM-DD", "", true},
		{"dd/mm/yyyy", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := layoutPrecision(tt.layout)
		if (err != nil) != tt.bad {
			t.Errorf("layoutPrecision(%q): got error %v, want error %v", tt.layout, err, tt.bad)
			continue
		}
		if got != tt.want {
			t.Errorf("layoutPrecision(%q): got %q, want %q", tt.layout, got, tt.want)
		}
	}
}
