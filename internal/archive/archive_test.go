package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// table is a made-up table with a column of every kind, for the line
// tests.
var table = store.DumpTable{Name: "kinds", Order: []string{"i"}, Columns: []store.DumpColumn{
	{Name: "s", Kind: store.KindText}, {Name: "i", Kind: store.KindInt}, {Name: "f", Kind: store.KindFloat, Null: true},
	{Name: "b", Kind: store.KindBool}, {Name: "t", Kind: store.KindTime, Null: true}, {Name: "d", Kind: store.KindDate, Null: true},
	{Name: "j", Kind: store.KindJSON, Null: true}, {Name: "x", Kind: store.KindBytes},
}}

func TestRowRoundTrip(t *testing.T) {
	at := time.Date(2024, 1, 3, 14, 30, 0, 123456000, time.UTC)
	for _, tc := range []struct {
		name string
		row  []any
		line string
	}{
		{"plain", []any{"Kerman", int64(95), 30.28, true, at, "2024-01-03", []byte(`{"a":1}`), []byte{0, 1, 0xff}},
			`{"s":"Kerman","i":95,"f":30.28,"b":true,"t":"2024-01-03T14:30:00.123456Z","d":"2024-01-03","j":{"a":1},"x":"AAH/"}` + "\n"},
		{"nulls", []any{"", int64(-1), nil, false, nil, nil, nil, []byte{}},
			`{"s":"","i":-1,"f":null,"b":false,"t":null,"d":null,"j":null,"x":""}` + "\n"},
		{"escapes and scripts", []any{"a \"q\" \\ \n\t<&> کرمان ۹۵\u2028", int64(1 << 62), 1e-7, false, at.Truncate(time.Second), "0999-12-31",
			[]byte(`[1,"<b>"]`), []byte("raw")},
			`{"s":"a \"q\" \\ \n\t<&> کرمان ۹۵\u2028","i":4611686018427387904,"f":1e-07,"b":false,"t":"2024-01-03T14:30:00Z","d":"0999-12-31","j":[1,"<b>"],"x":"cmF3"}` + "\n"},
	} {
		got, err := appendRow(nil, &table, tc.row)
		if err != nil {
			t.Fatalf("%s: appendRow: %v", tc.name, err)
		}
		if string(got) != tc.line {
			t.Errorf("%s: line\n got %s\nwant %s", tc.name, got, tc.line)
		}
		back := make([]any, len(table.Columns))
		if field, err := parseRow(got, &table, back); err != nil {
			t.Fatalf("%s: parseRow: field %s: %v", tc.name, field, err)
		}
		if !reflect.DeepEqual(back, tc.row) {
			t.Errorf("%s: read back\n got %#v\nwant %#v", tc.name, back, tc.row)
		}
	}
}

func TestAppendRowRefuses(t *testing.T) {
	ok := []any{"s", int64(1), nil, true, nil, nil, nil, []byte{}}
	for _, tc := range []struct {
		name string
		col  int
		v    any
		want string
	}{
		{"invalid UTF-8", 0, "a\xffb", "not valid UTF-8"},
		{"null where not allowed", 1, nil, "null in a column"},
		{"wrong type", 1, "1", "value of type string"},
		{"not finite", 2, func() any { z := 0.0; return 1 / z }(), "not a finite number"},
		{"invalid JSON", 6, []byte(`{"a":`), "invalid JSON"},
		{"two JSON values", 6, []byte(`1 2`), "more than one value"},
	} {
		row := append([]any(nil), ok...)
		row[tc.col] = tc.v
		if _, err := appendRow(nil, &table, row); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestCanonical: the same JSON value, written by Go or by PostgreSQL's
// jsonb (keys reordered, spaces, numbers rewritten), gives the same bytes.
func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"b": 1, "a": [true, null, "x"]}`, `{"a":[true,null,"x"],"b":1}`},
		{`{"lat":30.28,"n":17.0,"big":12345678901234567890,"tiny":1E-7,"neg":-0}`, `{"big":12345678901234567890,"lat":30.28,"n":17,"neg":0,"tiny":1e-07}`},
		{`{"t":"<b>&amp;</b>","u":"\u003c"}`, `{"t":"<b>&amp;</b>","u":"<"}`},
		{`{"z":{"y":1,"x":2}}`, `{"z":{"x":2,"y":1}}`},
		{`"کرمان"`, `"کرمان"`},
	} {
		got, err := appendCanonical(nil, []byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("canonical %s: got %s, want %s", tc.in, got, tc.want)
		}
		again, err := appendCanonical(nil, got)
		if err != nil || !bytes.Equal(again, got) {
			t.Errorf("canonical of canonical %s: got %s (%v)", got, again, err)
		}
	}
}

func TestParseRowErrors(t *testing.T) {
	for _, tc := range []struct {
		line, field, want string
	}{
		{`{"s":"a","i":1,"b":true,"x":"","extra":1}`, "extra", "no such column"},
		{`{"s":"a","b":true,"x":""}`, "i", "missing"},
		{`{"s":"a","i":1.5,"b":true,"x":""}`, "i", "want an integer"},
		{`{"s":"a","i":1,"b":"yes","x":""}`, "b", "want true or false"},
		{`{"s":"a","i":1,"b":true,"x":"","t":"yesterday"}`, "t", "RFC 3339"},
		{`{"s":"a","i":1,"b":true,"x":"","d":"03/01/2024"}`, "d", "YYYY-MM-DD"},
		{`{"s":"a","i":1,"b":true,"x":"!!"}`, "x", "base64"},
		{`{"s":"a","i":1,"b":true,"x":"","f":"1"}`, "f", "want a number"},
		{`{"s":null,"i":1,"b":true,"x":""}`, "s", "null in a column"},
		{`[1,2]`, "", "not a JSON object"},
		{`{"s":"a"} {"s":"b"}`, "", "more than one"},
	} {
		row := make([]any, len(table.Columns))
		field, err := parseRow([]byte(tc.line), &table, row)
		if err == nil || field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got field %q, %v; want field %q and an error with %q", tc.line, field, err, tc.field, tc.want)
		}
	}
}

// schema returns b's schema version.
func schema(t *testing.T, b backend) int {
	t.Helper()
	v, err := b.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// populated is a dump of a populated SQLite store, written once per test.
func populated(t *testing.T) (string, Manifest) {
	t.Helper()
	s := openSQLite(t)
	storetest.Populate(t, s)
	return dump(t, s, "sqlite")
}

// rewrite replaces a dump file's content and fixes its manifest entry, as
// someone editing a dump by hand would, so that the checksums pass.
func rewrite(t *testing.T, dir, name string, edit func([]byte) []byte) {
	t.Helper()
	p := filepath.Join(dir, name+".jsonl")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data = edit(data)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, ManifestFile)
	var m Manifest
	raw, err := os.ReadFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for i := range m.Tables {
		if m.Tables[i].Name == name {
			sum := sha256.Sum256(data)
			m.Tables[i].SHA256, m.Tables[i].Bytes = hex.EncodeToString(sum[:]), int64(len(data))
			m.Tables[i].Rows = int64(bytes.Count(data, []byte("\n")))
		}
	}
	writeManifest(t, dir, m)
}

func writeManifest(t *testing.T, dir string, m Manifest) {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBadDumps: a damaged or wrong dump is refused with the file, line
// and field, and the store restored into stays empty.
func TestBadDumps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, dir string, m Manifest)
		want  string
		field *FieldError // when the error must be a FieldError like it
	}{
		{"a flipped byte", func(t *testing.T, dir string, m Manifest) {
			p := filepath.Join(dir, "incidents.jsonl")
			data, _ := os.ReadFile(p)
			data[10] ^= 1
			os.WriteFile(p, data, 0o600)
		}, "incidents.jsonl: SHA-256 differs from the manifest's", nil},
		{"a truncated file", func(t *testing.T, dir string, m Manifest) {
			p := filepath.Join(dir, "claims.jsonl")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)/2], 0o600)
		}, "claims.jsonl: ", nil},
		{"a missing file", func(t *testing.T, dir string, m Manifest) { os.Remove(filepath.Join(dir, "audit_log.jsonl")) },
			"audit_log.jsonl", nil},
		{"no manifest", func(t *testing.T, dir string, m Manifest) { os.Remove(filepath.Join(dir, ManifestFile)) },
			"no manifest", nil},
		{"a newer format", func(t *testing.T, dir string, m Manifest) { m.FormatVersion = 2; writeManifest(t, dir, m) },
			"field format_version: 2 is newer than this vigil reads (1)", nil},
		{"another format", func(t *testing.T, dir string, m Manifest) { m.Format = "pg_dump"; writeManifest(t, dir, m) },
			"field format", nil},
		{"an unknown table", func(t *testing.T, dir string, m Manifest) {
			m.Tables[0].Name = "people"
			writeManifest(t, dir, m)
		}, `field tables[0].name: unknown table "people"`, nil},
		{"a newer schema", func(t *testing.T, dir string, m Manifest) { m.SchemaVersion = 99; writeManifest(t, dir, m) },
			"schema version 99", nil},
		{"a bad time, checksums fixed", func(t *testing.T, dir string, m Manifest) {
			rewrite(t, dir, "audit_log", func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"at":"2024-01-05T09:00:00.123456Z"`), []byte(`"at":"5 Jan 2024"`), 1)
			})
		}, "audit_log.jsonl:2: field at: want an RFC 3339 time", &FieldError{Line: 2, Field: "at"}},
		{"an unknown field, checksums fixed", func(t *testing.T, dir string, m Manifest) {
			rewrite(t, dir, "sources", func(b []byte) []byte { return bytes.Replace(b, []byte(`{"name"`), []byte(`{"owner":"x","name"`), 1) })
		}, "sources.jsonl:1: field owner: table sources has no such column", &FieldError{Line: 1, Field: "owner"}},
		{"a row twice, checksums fixed", func(t *testing.T, dir string, m Manifest) {
			rewrite(t, dir, "sources", func(b []byte) []byte {
				first, _, _ := bytes.Cut(b, []byte("\n"))
				return append(append(first, '\n'), b...)
			})
		}, "sources.jsonl:2: insert: constraint failed: UNIQUE", nil},
		{"a claim without its report, checksums fixed", func(t *testing.T, dir string, m Manifest) {
			rewrite(t, dir, "articles", func([]byte) []byte { return nil })
			rewrite(t, dir, "reports", func(b []byte) []byte { _, rest, _ := bytes.Cut(b, []byte("\n")); return rest })
		}, "refers to a missing row", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, m := populated(t)
			tc.spoil(t, dir, m)
			dst := openSQLite(t)
			_, err := Restore(t.Context(), dir, dst, schema(t, dst))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Restore: got %v, want an error with %q", err, tc.want)
			}
			if tc.field != nil {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Line != tc.field.Line || fe.Field != tc.field.Field || !strings.HasSuffix(fe.File, ".jsonl") {
					t.Errorf("Restore: got %#v, want a FieldError at line %d, field %s", fe, tc.field.Line, tc.field.Field)
				}
			}
			if full := storetest.Dump(t, dst, store.DumpTables).NotEmpty(); len(full) != 0 {
				t.Errorf("after a refused restore the store holds %v, want nothing", full)
			}
		})
	}
}

// TestOlderDump: what DUMP.md promises for a dump made before a column or
// a table existed. A line without a column that allows NULL reads it as
// NULL, and a table the manifest does not list restores empty.
func TestOlderDump(t *testing.T) {
	row := make([]any, len(table.Columns))
	if field, err := parseRow([]byte(`{"s":"a","i":1,"b":true,"x":""}`), &table, row); err != nil {
		t.Fatalf("a line without its nullable columns: field %s: %v", field, err)
	}
	for _, i := range []int{2, 4, 5, 6} {
		if row[i] != nil {
			t.Errorf("column %s of a line without it: got %v, want nil", table.Columns[i].Name, row[i])
		}
	}

	dir, m := populated(t)
	var kept []Table
	for _, tb := range m.Tables {
		if tb.Name == "public_reports" {
			os.Remove(filepath.Join(dir, tb.File))
			continue
		}
		kept = append(kept, tb)
	}
	m.Tables = kept
	writeManifest(t, dir, m)
	dst := openSQLite(t)
	if _, err := Restore(t.Context(), dir, dst, schema(t, dst)); err != nil {
		t.Fatalf("Restore of a dump without public_reports: %v", err)
	}
	got := storetest.Dump(t, dst, store.DumpTables)
	if len(got["public_reports"]) != 0 || len(got["incidents"]) == 0 {
		t.Errorf("after restoring a dump without public_reports: %d of them, %d incidents; want none and all",
			len(got["public_reports"]), len(got["incidents"]))
	}
}

func TestRestoreRefusesNonEmpty(t *testing.T) {
	dir, _ := populated(t)
	dst := openSQLite(t)
	storetest.Populate(t, dst)
	before := storetest.Dump(t, dst, store.DumpTables)
	_, err := Restore(t.Context(), dir, dst, schema(t, dst))
	if !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("Restore into a populated store: %v, want ErrNotEmpty", err)
	}
	if after := storetest.Dump(t, dst, store.DumpTables); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused restore changed the store")
	}
}

func TestWriteRefusesNonEmptyDir(t *testing.T) {
	s := openSQLite(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(t.Context(), dir, s, Options{Now: now}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Write into a directory with a file: %v, want a refusal", err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(data) != "mine" {
		t.Errorf("the file already there: %q, %v", data, err)
	}
}

// TestWithoutAccounts: a dump without accounts has no user or token file
// and restores; with accounts, the password hashes come back.
func TestWithoutAccounts(t *testing.T) {
	s := openSQLite(t)
	storetest.Populate(t, s)
	dir := filepath.Join(t.TempDir(), "d")
	m, err := Write(t.Context(), dir, s, Options{Backend: "sqlite", SchemaVersion: schema(t, s), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range m.Tables {
		if tb.Name == "users" || tb.Name == "api_tokens" {
			t.Errorf("a dump without accounts lists %s", tb.Name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "users.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("users.jsonl in a dump without accounts: %v", err)
	}
	dst := openSQLite(t)
	if _, err := Restore(t.Context(), dir, dst, schema(t, dst)); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if us, err := dst.Users(t.Context()); err != nil || len(us) != 0 {
		t.Errorf("users after restoring a dump without accounts: %d, %v", len(us), err)
	}

	dir2, _ := dump(t, s, "sqlite")
	dst2 := openSQLite(t)
	restore(t, dir2, dst2)
	u, err := dst2.User(t.Context(), "admin")
	if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Errorf("admin after a dump with accounts: %+v, %v; want its password hash", u, err)
	}
}

func FuzzParseRow(f *testing.F) {
	f.Add([]byte(`{"s":"Kerman","i":95,"f":30.28,"b":true,"t":"2024-01-03T14:30:00.123456Z","d":"2024-01-03","j":{"a":1},"x":"AAH/"}`))
	f.Add([]byte(`{"s":"","i":-1,"f":null,"b":false,"t":null,"d":null,"j":null,"x":""}`))
	f.Add([]byte(`{"s":"\u2028","i":0,"b":false,"x":"","j":[1e400]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		row := make([]any, len(table.Columns))
		if _, err := parseRow(line, &table, row); err != nil {
			return
		}
		// What reads writes, and what it writes reads back and writes
		// the same bytes again.
		out, err := appendRow(nil, &table, row)
		if err != nil {
			t.Fatalf("a row read from %q does not write: %v", line, err)
		}
		back := make([]any, len(table.Columns))
		if _, err := parseRow(out, &table, back); err != nil {
			t.Fatalf("%q does not read back: %v", out, err)
		}
		again, err := appendRow(nil, &table, back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("%q read back and written again as %q (%v)", out, again, err)
		}
	})
}

func BenchmarkAppendRow(b *testing.B) {
	doc := []byte(`{"id":"i53cb0767b23c","version":3,"status":"confirmed","start":"2024-01-03","country":"IR","admin1":"Kerman","lat":30.28,"lon":57.08,"killed":{"low":84,"best":95,"high":103},"claimed_by":["Islamic State"],"sources":13}`)
	row := []any{"Kerman", int64(95), 30.28, true, time.Now().UTC(), "2024-01-03", doc, bytes.Repeat([]byte("raw"), 100)}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = appendRow(buf[:0], &table, row); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkParseRow(b *testing.B) {
	doc := []byte(`{"id":"i53cb0767b23c","version":3,"status":"confirmed","start":"2024-01-03","country":"IR","admin1":"Kerman","lat":30.28,"lon":57.08,"killed":{"low":84,"best":95,"high":103},"claimed_by":["Islamic State"],"sources":13}`)
	line, err := appendRow(nil, &table, []any{"Kerman", int64(95), 30.28, true, time.Now().UTC(), "2024-01-03", doc, bytes.Repeat([]byte("raw"), 100)})
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, len(table.Columns))
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := parseRow(line, &table, row); err != nil {
			b.Fatal(err)
		}
	}
}
