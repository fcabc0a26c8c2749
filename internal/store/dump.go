package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// A dump is every row a store holds that a user needs to move the store
// to another backend, table by table, column by column, as stored. Both
// backends have the same tables and columns (with their own types), so a
// dump is their common logical form: the tables of DumpTables with each
// column's value in the Go type its Kind names. package archive writes
// it as JSON lines and reads it back.
//
// Rows are dumped verbatim, ids and hashes included, so that provenance
// (claims → reports → raw chunks), incident versions and the audit log's
// hash chain still verify after a restore. Raw chunks go as stored
// (encoded, see plan.EncodeChunk): a report's raw bytes are where its
// raw_chunk, raw_offset and raw_length say, whatever a retention run
// left of them.

// Kind is the logical type of a dumped column, the same in both backends.
type Kind uint8

// The kinds, with the Go type of their values in a dumped row (a nil
// value is SQL NULL, only in columns that allow it):
const (
	KindText  Kind = iota // string
	KindInt               // int64
	KindFloat             // float64, finite
	KindBool              // bool
	KindTime              // time.Time in UTC, to the microsecond
	KindDate              // string 'YYYY-MM-DD'
	KindJSON              // []byte: one JSON value (archive writes it in a canonical form)
	KindBytes             // []byte
)

var kindNames = [...]string{"text", "int", "float", "bool", "time", "date", "json", "bytes"}

// String returns the kind's name as DUMP.md uses it.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// DumpColumn is one dumped column.
type DumpColumn struct {
	Name string
	Kind Kind
	// Null says the column may be NULL. In SQLite, times that are stored
	// as microseconds with 0 for "never" dump as NULL in such columns,
	// as PostgreSQL stores them.
	Null bool
}

// DumpTable is one dumped table: its columns in dump order and the
// columns its rows are dumped in order of (the primary key, compared
// bytewise), so that two dumps of the same rows are the same bytes.
type DumpTable struct {
	Name    string
	Columns []DumpColumn
	Order   []string
	// Accounts marks the tables of accounts and API tokens (password and
	// token hashes): dumped only when asked for (--with-accounts).
	Accounts bool
	// Virtual marks a table that is no table of the stores: its rows are
	// made by the backends (see IDSequences).
	Virtual bool
}

// Column returns the index of the named column, or -1.
func (t *DumpTable) Column(name string) int {
	return slices.IndexFunc(t.Columns, func(c DumpColumn) bool { return c.Name == name })
}

// NotDumped are the tables a dump leaves out on purpose, with the reason.
// A backend's DumpRows refuses a store with any other table or column
// that DumpTables does not name, so that a migration that adds one cannot
// make dumps lose it silently.
var NotDumped = map[string]string{
	"sessions":               "logged-in browsers: secrets of the old server, never moved",
	"public_report_contacts": "reporters' contact details are never exported (DESIGN: events, not people)",
	"schema_migrations":      "the schema version, in the manifest instead",
	"deferred_indexes":       "SQLite's bookkeeping of an import's postponed index builds",
	"store_generation":       "the counter of changes that caches are keyed by: it moves on its own in the new store",
	"store_writes":           "PostgreSQL's bookkeeping of the transactions that move the generation",
}

// Bookkeeping are the tables of NotDumped that a store fills on its own,
// so that a new, empty store has rows in them: a restore does not count
// them when it checks that the store is empty.
var Bookkeeping = []string{"schema_migrations", "deferred_indexes", "store_generation", "store_writes"}

// DumpTables is every dumped table, in restore order: a table comes
// after the tables its foreign keys refer to.
var DumpTables = []DumpTable{
	{Name: "sources", Order: []string{"name"}, Columns: []DumpColumn{
		{"name", KindText, false}, {"kind", KindText, false}, {"title", KindText, false}, {"reliability", KindFloat, false}}},
	{Name: "raw_chunks", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"codec", KindText, false}, {"data", KindBytes, false}}},
	{Name: "reports", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindText, false}, {"source", KindText, false}, {"source_ref", KindText, false}, {"revision", KindInt, false},
		{"hash", KindText, false}, {"raw_chunk", KindInt, false}, {"raw_offset", KindInt, false}, {"raw_length", KindInt, false},
		{"origin", KindText, false}, {"fetched", KindTime, false}, {"published", KindTime, true}, {"superseded_by", KindText, true},
		{"pruned", KindTime, true}}},
	{Name: "incidents", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindText, false}, {"version", KindInt, false}, {"status", KindText, false}, {"start_date", KindDate, true},
		{"end_date", KindDate, true}, {"country", KindText, false}, {"admin1", KindText, false}, {"attack_type", KindText, false},
		{"killed_best", KindInt, true}, {"perpetrator", KindText, false}, {"actors", KindText, false}, {"doc", KindJSON, false},
		{"first_seen", KindTime, false}, {"updated", KindTime, false}}},
	{Name: "claims", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindText, false}, {"report_id", KindText, false}, {"incident_id", KindText, false}, {"superseded_by", KindText, true},
		{"source", KindText, false}, {"start_date", KindDate, true}, {"end_date", KindDate, true}, {"country", KindText, false},
		{"admin1", KindText, false}, {"lat", KindFloat, true}, {"lon", KindFloat, true}, {"attack_type", KindText, false},
		{"doc_offset", KindInt, false}, {"doc_length", KindInt, false}, {"fused", KindBool, false}}},
	{Name: "incident_versions", Order: []string{"incident_id", "version"}, Columns: []DumpColumn{
		{"incident_id", KindText, false}, {"version", KindInt, false}, {"at", KindTime, false}, {"author", KindText, false},
		{"reason", KindText, false}, {"doc", KindJSON, true}}},
	{Name: "fuse_claims", Order: []string{"claim_id"}, Columns: []DumpColumn{
		{"claim_id", KindText, false}, {"incident_id", KindText, false}, {"source", KindText, false}, {"source_ref", KindText, false},
		{"country", KindText, false}, {"win_lo", KindInt, false}, {"win_hi", KindInt, false}, {"wide", KindBool, false},
		{"size", KindInt, false}, {"published", KindTime, true}, {"fetched", KindTime, false}, {"doc", KindJSON, false},
		{"link", KindJSON, true}}},
	{Name: "fuse_retired", Order: []string{"incident_id"}, Columns: []DumpColumn{
		{"incident_id", KindText, false}, {"merged_into", KindText, false}, {"at", KindTime, false}, {"reason", KindText, false}}},
	{Name: "fuse_constraints", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"at", KindTime, false}, {"author", KindText, false}, {"reason", KindText, false}, {"doc", KindJSON, false}}},
	{Name: "fuse_model", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"at", KindTime, false}, {"doc", KindJSON, false}}},
	{Name: "rejections", Order: []string{"source", "file", "line"}, Columns: []DumpColumn{
		{"source", KindText, false}, {"file", KindText, false}, {"line", KindInt, false}, {"field", KindText, false},
		{"reason", KindText, false}, {"raw", KindBytes, false}, {"at", KindTime, false}}},
	{Name: "import_runs", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"source", KindText, false}, {"file", KindText, false}, {"started", KindTime, false},
		{"finished", KindTime, true}, {"read", KindInt, false}, {"new", KindInt, false}, {"updated", KindInt, false},
		{"unchanged", KindInt, false}, {"rejected", KindInt, false}, {"status", KindText, false}, {"error", KindText, false}}},
	{Name: "prune_runs", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"at", KindTime, false}, {"cutoff", KindTime, false}, {"reports", KindInt, false},
		{"articles", KindInt, false}, {"rejections", KindInt, false}, {"bytes", KindInt, false}, {"chunks", KindInt, false}}},
	{Name: "feeds", Order: []string{"name"}, Columns: []DumpColumn{
		{"name", KindText, false}, {"url", KindText, false}, {"interval_s", KindInt, false}, {"allow_private", KindBool, false},
		{"etag", KindText, false}, {"last_modified", KindText, false}, {"added", KindTime, false}, {"last_poll", KindTime, true},
		{"last_success", KindTime, true}, {"last_error", KindText, false}, {"problems", KindText, false},
		{"items_seen", KindInt, false}, {"failures", KindInt, false}, {"next_poll", KindTime, false}}},
	{Name: "articles", Order: []string{"report_id"}, Columns: []DumpColumn{
		{"report_id", KindText, false}, {"source", KindText, false}, {"url", KindText, false}, {"language", KindText, false},
		{"title", KindText, false}, {"text", KindText, false}, {"content_hash", KindText, false}}},
	{Name: "alert_rules", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"name", KindText, false}, {"kind", KindText, false}, {"spec", KindJSON, false},
		{"created", KindTime, false}, {"checked", KindTime, false}}},
	{Name: "alerts", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"rule_id", KindInt, false}, {"rule_name", KindText, false}, {"kind", KindText, false},
		{"key", KindText, false}, {"at", KindTime, false}, {"title", KindText, false}, {"summary", KindText, false},
		{"incidents", KindJSON, false}, {"reports", KindJSON, false}, {"details", KindJSON, true}}},
	{Name: "alert_outbox", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"alert_id", KindInt, false}, {"rule_id", KindInt, false}, {"channel", KindText, false},
		{"target", KindText, false}, {"idem_key", KindText, false}, {"state", KindText, false}, {"attempts", KindInt, false},
		{"next_attempt", KindTime, false}, {"lease_until", KindTime, true}, {"delivered", KindTime, true},
		{"last_error", KindText, false}}},
	{Name: "users", Order: []string{"id"}, Accounts: true, Columns: []DumpColumn{
		{"id", KindInt, false}, {"name", KindText, false}, {"role", KindText, false}, {"password_hash", KindText, false},
		{"disabled", KindBool, false}, {"created", KindTime, false}}},
	{Name: "api_tokens", Order: []string{"id"}, Accounts: true, Columns: []DumpColumn{
		{"id", KindInt, false}, {"name", KindText, false}, {"role", KindText, false}, {"hash", KindText, false},
		{"creator", KindText, false}, {"created", KindTime, false}, {"last_used", KindTime, true}, {"revoked", KindTime, true}}},
	{Name: "audit_log", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"at", KindTime, false}, {"actor", KindText, false}, {"action", KindText, false},
		{"target", KindText, false}, {"details", KindText, false}, {"prev", KindText, false}, {"hash", KindText, false}}},
	{Name: "public_reports", Order: []string{"id"}, Columns: []DumpColumn{
		{"id", KindInt, false}, {"received", KindTime, false}, {"what", KindText, false}, {"place", KindText, false},
		{"lat", KindFloat, true}, {"lon", KindFloat, true}, {"day", KindText, false}, {"link", KindText, false},
		{"state", KindText, false}, {"moderated_by", KindText, false}, {"moderated_at", KindTime, true},
		{"note", KindText, false}, {"duplicate_of", KindText, false}, {"claim_ref", KindText, false}}},
	{Name: IDSequences, Order: []string{"name"}, Virtual: true, Columns: []DumpColumn{
		{"name", KindText, false}, {"value", KindInt, false}}},
}

// IDSequences is the virtual table of the highest id each table of
// SequenceTables has ever given out (SQLite's sqlite_sequence,
// PostgreSQL's identity sequences), at least its largest id stored. A
// restore moves each table's next id past it, so that an id is never
// given twice: an alert rule deleted keeps its alerts (they name its id),
// and the audit log names tokens by id, also when accounts are left out.
// Last in DumpTables: a restore applies it once every row is in.
const IDSequences = "id_sequences"

// SequenceTables are the tables whose id column never gives an id twice
// (AUTOINCREMENT in SQLite, an identity in PostgreSQL), with a row each
// in IDSequences, whatever the tables dumped.
var SequenceTables = []string{"alert_outbox", "alert_rules", "alerts", "api_tokens", "audit_log", "fuse_constraints",
	"import_runs", "prune_runs", "public_reports", "users"}

// DumpTablesFor returns the tables a dump holds: DumpTables, without
// the account tables unless withAccounts.
func DumpTablesFor(withAccounts bool) []DumpTable {
	out := make([]DumpTable, 0, len(DumpTables))
	for _, t := range DumpTables {
		if t.Accounts && !withAccounts {
			continue
		}
		out = append(out, t)
	}
	return out
}

// SequenceRow checks a row of IDSequences as a restore reads it: a table
// of SequenceTables (a name that goes into SQL) and a value not negative.
func SequenceRow(row []any) (table string, value int64, err error) {
	if len(row) != 2 {
		return "", 0, fmt.Errorf("row of %d values, want a table name and a number", len(row))
	}
	name, ok1 := row[0].(string)
	v, ok2 := row[1].(int64)
	switch {
	case !ok1 || !ok2:
		return "", 0, fmt.Errorf("row %v: want a table name and a number", row)
	case !slices.Contains(SequenceTables, name):
		return "", 0, fmt.Errorf("table %q has no id sequence", name)
	case v < 0:
		return "", 0, fmt.Errorf("%s: id %d is negative", name, v)
	}
	return name, v, nil
}

// ErrNotEmpty is returned by RestoreRows when the store already holds
// rows: a dump is restored into an empty store only, so that nothing
// stored is mixed with it or lost.
var ErrNotEmpty = errors.New("the store is not empty")

// RowFunc receives one dumped row: its values in the table's column
// order, typed as the columns' kinds say. The slice is reused for the
// next row: keep a copy, not the slice.
type RowFunc func(row []any) error

// RowSource gives RestoreRows the rows of a dump, table by table.
type RowSource interface {
	// Rows calls fn with every row of table t, in the dump's order, and
	// returns the first error, fn's included.
	Rows(ctx context.Context, t *DumpTable, fn RowFunc) error
}

// Dumper streams every row of the given tables as stored, from one
// consistent snapshot of the store, without holding a table in memory.
// Both backends implement it.
type Dumper interface {
	DumpRows(ctx context.Context, tables []DumpTable, fn func(t *DumpTable, row []any) error) error
}

// Restorer writes a dump's rows back verbatim into an empty store, in one
// transaction: on any error nothing is stored. It refuses a store that
// holds any row with an error wrapping ErrNotEmpty. Both backends
// implement it.
type Restorer interface {
	RestoreRows(ctx context.Context, tables []DumpTable, src RowSource) error
}

// SchemaColumn is a column as a store's catalogue describes it.
type SchemaColumn struct {
	Name string
	Null bool // the column allows NULL
}

// CheckDumpSchema compares a store's tables and their columns with
// DumpTables: every table is dumped or left out on purpose (NotDumped),
// every column of a dumped table is dumped, every dumped column exists,
// and no column allows NULL where the dump does not.
// physical names the columns that are a backend's own bookkeeping, as
// "table.column". Backends call it before they dump or restore, so that
// a migration that adds a table or a column makes dumps fail until
// DumpTables names it, rather than lose it.
func CheckDumpSchema(schema map[string][]SchemaColumn, physical []string) error {
	var problems []string
	for table, cols := range schema {
		if _, ok := NotDumped[table]; ok {
			continue
		}
		i := slices.IndexFunc(DumpTables, func(t DumpTable) bool { return t.Name == table })
		if i < 0 {
			problems = append(problems, "table "+table+" is not in the dump format")
			continue
		}
		t := &DumpTables[i]
		for _, col := range cols {
			j := t.Column(col.Name)
			switch {
			case j < 0 && !slices.Contains(physical, table+"."+col.Name):
				problems = append(problems, "column "+table+"."+col.Name+" is not in the dump format")
			case j >= 0 && col.Null && !t.Columns[j].Null:
				problems = append(problems, "column "+table+"."+col.Name+" allows NULL, the dump format does not")
			}
		}
		for _, c := range t.Columns {
			if !slices.ContainsFunc(cols, func(sc SchemaColumn) bool { return sc.Name == c.Name }) {
				problems = append(problems, "column "+table+"."+c.Name+" of the dump format is not in the store")
			}
		}
	}
	for _, t := range DumpTables {
		if _, ok := schema[t.Name]; !ok && !t.Virtual {
			problems = append(problems, "table "+t.Name+" of the dump format is not in the store")
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("this vigil's dump format does not match the store's schema: %s", strings.Join(problems, "; "))
	}
	return nil
}
