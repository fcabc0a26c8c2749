package store

import (
	"slices"
	"strings"
	"testing"
)

// schemaOf is the schema DumpTables describes, as a store's catalogue
// would give it.
func schemaOf() map[string][]SchemaColumn {
	out := map[string][]SchemaColumn{"schema_migrations": {{Name: "version"}}, "sessions": {{Name: "id_hash"}}}
	for _, t := range DumpTables {
		for _, c := range t.Columns {
			out[t.Name] = append(out[t.Name], SchemaColumn{Name: c.Name, Null: c.Null})
		}
	}
	return out
}

func TestCheckDumpSchema(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(s map[string][]SchemaColumn)
		physical []string
		want     string // "" for no error, else a part of the message
	}{
		{"as described", func(map[string][]SchemaColumn) {}, nil, ""},
		{"a new table", func(s map[string][]SchemaColumn) { s["sightings"] = []SchemaColumn{{Name: "id"}} }, nil,
			"table sightings is not in the dump format"},
		{"a new column", func(s map[string][]SchemaColumn) {
			s["reports"] = append(s["reports"], SchemaColumn{Name: "note", Null: true})
		}, nil, "column reports.note is not in the dump format"},
		{"a backend's own column", func(s map[string][]SchemaColumn) { s["claims"] = append(s["claims"], SchemaColumn{Name: "seq"}) },
			[]string{"claims.seq"}, ""},
		{"a column gone", func(s map[string][]SchemaColumn) { s["feeds"] = s["feeds"][1:] }, nil,
			"column feeds.name of the dump format is not in the store"},
		{"a table gone", func(s map[string][]SchemaColumn) { delete(s, "fuse_model") }, nil,
			"table fuse_model of the dump format is not in the store"},
		{"a column that became nullable", func(s map[string][]SchemaColumn) { s["reports"][5].Null = true }, nil,
			"column reports.raw_chunk allows NULL"},
		{"tables left out on purpose", func(s map[string][]SchemaColumn) {
			s["public_report_contacts"] = []SchemaColumn{{Name: "contact"}}
			s["deferred_indexes"] = []SchemaColumn{{Name: "sql"}}
		}, nil, ""},
	} {
		s := schemaOf()
		tc.change(s)
		err := CheckDumpSchema(s, tc.physical)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: got %v, want no error", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func TestDumpTablesFor(t *testing.T) {
	with, without := DumpTablesFor(true), DumpTablesFor(false)
	if len(with) != len(DumpTables) {
		t.Errorf("with accounts: got %d tables, want all %d", len(with), len(DumpTables))
	}
	for _, tb := range without {
		if tb.Accounts {
			t.Errorf("without accounts: got table %s", tb.Name)
		}
	}
	if got, want := len(without), len(DumpTables)-2; got != want {
		t.Errorf("without accounts: got %d tables, want %d (all but users and api_tokens)", got, want)
	}
	for _, name := range Bookkeeping {
		if _, ok := NotDumped[name]; !ok {
			t.Errorf("bookkeeping table %s is not among those left out of dumps", name)
		}
	}
	for _, tb := range DumpTables {
		if _, ok := NotDumped[tb.Name]; ok {
			t.Errorf("table %s is both dumped and left out", tb.Name)
		}
		for _, o := range tb.Order {
			if tb.Column(o) < 0 {
				t.Errorf("table %s is ordered by %s, not one of its columns", tb.Name, o)
			}
		}
	}
}

func TestSequenceTables(t *testing.T) {
	if !slices.IsSorted(SequenceTables) {
		t.Errorf("SequenceTables %v: want them sorted, the order of %s", SequenceTables, IDSequences)
	}
	for _, name := range SequenceTables {
		i := slices.IndexFunc(DumpTables, func(t DumpTable) bool { return t.Name == name })
		if i < 0 || DumpTables[i].Column("id") != 0 || DumpTables[i].Columns[0].Kind != KindInt {
			t.Errorf("sequence table %s: want a dumped table whose first column is an int id", name)
		}
	}
	if last := DumpTables[len(DumpTables)-1]; last.Name != IDSequences || !last.Virtual {
		t.Errorf("the last dumped table is %s: want %s, which a restore applies once every row is in", last.Name, IDSequences)
	}
	for _, tc := range []struct {
		row  []any
		want string
	}{
		{[]any{"audit_log", int64(7)}, ""},
		{[]any{"audit_log; DROP TABLE users", int64(7)}, "has no id sequence"},
		{[]any{"incidents", int64(7)}, "has no id sequence"},
		{[]any{"users", int64(-1)}, "negative"},
		{[]any{"users", "7"}, "want a table name and a number"},
		{[]any{"users"}, "want a table name and a number"},
	} {
		_, _, err := SequenceRow(tc.row)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("SequenceRow(%v): got %v, want %q", tc.row, err, tc.want)
		}
	}
}
