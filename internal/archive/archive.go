// Package archive is vigil's dump format: everything a store holds that a
// user needs to move it (SQLite to PostgreSQL and back, or to a new
// machine), as one directory of JSON-lines files, one a table, and a
// manifest with the format version, the schema version, and each file's
// row count and SHA-256. docs/DUMP.md describes the format and the
// promise that goes with it.
//
// Write streams a store.Dumper's rows to the files; Restore checks a dump
// (manifest, checksums, counts) and then streams it into an empty
// store.Restorer, which writes it in one transaction. Neither holds a
// table in memory.
package archive

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// Format is the manifest's format name; FormatVersion the version of the
// format this vigil writes and the newest it reads.
const (
	Format        = "vigil-dump"
	FormatVersion = 1
)

// ManifestFile is the manifest's file name in a dump directory. It is
// written last: a directory without it is an unfinished dump.
const ManifestFile = "manifest.json"

// Manifest describes a dump.
type Manifest struct {
	Format        string `json:"format"`
	FormatVersion int    `json:"format_version"`
	// VigilVersion is the version of the vigil that wrote the dump.
	VigilVersion string `json:"vigil_version"`
	// SchemaVersion is the store's schema version (its newest migration).
	SchemaVersion int `json:"schema_version"`
	// Backend is the kind of store dumped: "sqlite" or "postgres".
	Backend      string    `json:"backend"`
	Created      time.Time `json:"created"`
	WithAccounts bool      `json:"with_accounts"`
	Tables       []Table   `json:"tables"`
}

// Table is one table's file in a dump.
type Table struct {
	Name   string   `json:"name"`
	File   string   `json:"file"`
	Rows   int64    `json:"rows"`
	Bytes  int64    `json:"bytes"`
	SHA256 string   `json:"sha256"`
	Cols   []Column `json:"columns"`
}

// Column is one column of a table as the manifest lists it.
type Column struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Null bool   `json:"null,omitempty"`
}

// Options are what Write records in the manifest besides the rows.
type Options struct {
	WithAccounts  bool // dump users and API tokens (their password and token hashes)
	VigilVersion  string
	SchemaVersion int
	Backend       string
	Now           time.Time
}

// tableWriter is one table's open file.
type tableWriter struct {
	f    *os.File
	w    *bufio.Writer
	sum  hash.Hash
	n    int64
	size int64
}

func (tw *tableWriter) Write(p []byte) (int, error) {
	tw.sum.Write(p)
	tw.size += int64(len(p))
	return tw.w.Write(p)
}

// Write dumps src into dir, which must not exist or be empty: one file a
// table (TABLE.jsonl), then the manifest. On error the files written are
// removed.
func Write(ctx context.Context, dir string, src store.Dumper, opts Options) (m Manifest, err error) {
	if err := emptyDir(dir); err != nil {
		return Manifest{}, err
	}
	tables := store.DumpTablesFor(opts.WithAccounts)
	writers := make(map[string]*tableWriter, len(tables))
	var created []string
	defer func() {
		for _, tw := range writers {
			tw.f.Close()
		}
		if err != nil {
			for _, p := range created {
				os.Remove(p)
			}
		}
	}()
	for _, t := range tables {
		p := filepath.Join(dir, t.Name+".jsonl")
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return Manifest{}, fmt.Errorf("dump: %w", err)
		}
		created = append(created, p)
		writers[t.Name] = &tableWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), sum: sha256.New()}
	}
	var line []byte
	err = src.DumpRows(ctx, tables, func(t *store.DumpTable, row []any) error {
		tw := writers[t.Name]
		var err error
		if line, err = appendRow(line[:0], t, row); err != nil {
			return fmt.Errorf("%s row %d: %w", t.Name, tw.n+1, err)
		}
		if _, err := tw.Write(line); err != nil {
			return fmt.Errorf("dump %s: %w", t.Name, err)
		}
		tw.n++
		return nil
	})
	if err != nil {
		return Manifest{}, err
	}
	m = Manifest{Format: Format, FormatVersion: FormatVersion, VigilVersion: opts.VigilVersion, SchemaVersion: opts.SchemaVersion,
		Backend: opts.Backend, Created: opts.Now.UTC().Truncate(time.Second), WithAccounts: opts.WithAccounts}
	for _, t := range tables {
		tw := writers[t.Name]
		if err := tw.w.Flush(); err != nil {
			return Manifest{}, fmt.Errorf("dump %s: %w", t.Name, err)
		}
		if err := tw.f.Sync(); err != nil {
			return Manifest{}, fmt.Errorf("dump %s: %w", t.Name, err)
		}
		m.Tables = append(m.Tables, Table{Name: t.Name, File: t.Name + ".jsonl", Rows: tw.n, Bytes: tw.size,
			SHA256: hex.EncodeToString(tw.sum.Sum(nil)), Cols: columnsOf(&t)})
	}
	doc, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, fmt.Errorf("dump: manifest: %w", err)
	}
	p := filepath.Join(dir, ManifestFile)
	created = append(created, p)
	if err := writeFileSync(p, append(doc, '\n')); err != nil {
		return Manifest{}, fmt.Errorf("dump: manifest: %w", err)
	}
	return m, nil
}

func columnsOf(t *store.DumpTable) []Column {
	out := make([]Column, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = Column{Name: c.Name, Kind: c.Kind.String(), Null: c.Null}
	}
	return out
}

// emptyDir makes dir if it does not exist and refuses one that holds
// anything: a dump never mixes with other files or overwrites one.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("dump: %w", err)
	}
	if len(names) > 0 {
		return fmt.Errorf("dump: directory %s is not empty: dump into a new directory", dir)
	}
	return nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadManifest reads and checks dir's manifest: its format and version,
// and that every table it lists is one this vigil knows, with columns it
// knows (a dump may lack columns added since, when they allow NULL, and
// whole tables, which restore empty).
func ReadManifest(dir string) (Manifest, error) {
	p := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, fmt.Errorf("%s: no manifest: not a vigil dump, or an unfinished one", dir)
	}
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", p, err)
	}
	switch {
	case m.Format != Format:
		return Manifest{}, fmt.Errorf("%s: field format: %q, want %q", p, m.Format, Format)
	case m.FormatVersion < 1:
		return Manifest{}, fmt.Errorf("%s: field format_version: %d is not a version", p, m.FormatVersion)
	case m.FormatVersion > FormatVersion:
		return Manifest{}, fmt.Errorf("%s: field format_version: %d is newer than this vigil reads (%d): upgrade vigil", p, m.FormatVersion, FormatVersion)
	}
	seen := map[string]bool{}
	for i, t := range m.Tables {
		field := fmt.Sprintf("tables[%d]", i)
		dt := lookup(t.Name)
		switch {
		case dt == nil:
			return Manifest{}, fmt.Errorf("%s: field %s.name: unknown table %q", p, field, t.Name)
		case seen[t.Name]:
			return Manifest{}, fmt.Errorf("%s: field %s.name: table %q listed twice", p, field, t.Name)
		case t.File != t.Name+".jsonl":
			return Manifest{}, fmt.Errorf("%s: field %s.file: %q, want %q", p, field, t.File, t.Name+".jsonl")
		case t.Rows < 0 || t.Bytes < 0 || len(t.SHA256) != 64:
			return Manifest{}, fmt.Errorf("%s: field %s: rows, bytes or sha256 missing", p, field)
		}
		if dt.Accounts && !m.WithAccounts {
			return Manifest{}, fmt.Errorf("%s: field %s.name: table %s in a dump without accounts", p, field, t.Name)
		}
		seen[t.Name] = true
		for j, c := range t.Cols {
			k := dt.Column(c.Name)
			if k < 0 {
				return Manifest{}, fmt.Errorf("%s: field %s.columns[%d]: table %s has no column %q in this vigil", p, field, j, t.Name, c.Name)
			}
			if dc := dt.Columns[k]; dc.Kind.String() != c.Kind || (c.Null && !dc.Null) {
				return Manifest{}, fmt.Errorf("%s: field %s.columns[%d]: column %s.%s is %s (null %v), this vigil has %s (null %v)",
					p, field, j, t.Name, c.Name, c.Kind, c.Null, dc.Kind, dc.Null)
			}
		}
	}
	return m, nil
}

func lookup(name string) *store.DumpTable {
	i := slices.IndexFunc(store.DumpTables, func(t store.DumpTable) bool { return t.Name == name })
	if i < 0 {
		return nil
	}
	return &store.DumpTables[i]
}

// Verify reads every file of a dump and checks it against its manifest:
// size, SHA-256 and row count. It returns the manifest.
func Verify(ctx context.Context, dir string) (Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return Manifest{}, err
	}
	for _, t := range m.Tables {
		if err := ctx.Err(); err != nil {
			return Manifest{}, err
		}
		if err := verifyFile(dir, t); err != nil {
			return Manifest{}, err
		}
	}
	return m, nil
}

func verifyFile(dir string, t Table) error {
	p := filepath.Join(dir, t.File)
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("dump file: %w", err)
	}
	defer f.Close()
	sum := sha256.New()
	lines := &lineCounter{}
	n, err := io.Copy(io.MultiWriter(sum, lines), f)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return checkFile(p, t, n, lines.n, lines.last, sum)
}

func checkFile(p string, t Table, size, rows int64, last byte, sum hash.Hash) error {
	switch {
	case size != t.Bytes:
		return fmt.Errorf("%s: %d bytes, the manifest says %d: the dump is damaged or incomplete", p, size, t.Bytes)
	case hex.EncodeToString(sum.Sum(nil)) != t.SHA256:
		return fmt.Errorf("%s: SHA-256 differs from the manifest's: the dump is damaged or was changed", p)
	case size > 0 && last != '\n':
		return fmt.Errorf("%s: the last line does not end with a newline", p)
	case rows != t.Rows:
		return fmt.Errorf("%s: %d rows, the manifest says %d", p, rows, t.Rows)
	}
	return nil
}

type lineCounter struct {
	n    int64
	last byte
}

func (c *lineCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			c.n++
		}
	}
	if len(p) > 0 {
		c.last = p[len(p)-1]
	}
	return len(p), nil
}

// ErrSchemaNewer is returned by Restore for a dump of a store whose
// schema is newer than the one restored into.
var ErrSchemaNewer = errors.New("the dump's schema is newer than this vigil's")

// Restore checks the dump in dir (Verify) and writes it into dst, which
// must be an empty store of schema version schemaVersion or newer. The
// files are checked again as they are read (a file changed in between
// fails the restore, which then stores nothing). It returns the manifest.
func Restore(ctx context.Context, dir string, dst store.Restorer, schemaVersion int) (Manifest, error) {
	m, err := Verify(ctx, dir)
	if err != nil {
		return Manifest{}, err
	}
	if m.SchemaVersion > schemaVersion {
		return Manifest{}, fmt.Errorf("%s: schema version %d, this vigil's store is %d: %w; upgrade vigil first",
			filepath.Join(dir, ManifestFile), m.SchemaVersion, schemaVersion, ErrSchemaNewer)
	}
	var tables []store.DumpTable
	files := map[string]Table{}
	for _, t := range store.DumpTables {
		for _, mt := range m.Tables {
			if mt.Name == t.Name {
				tables = append(tables, t)
				files[t.Name] = mt
			}
		}
	}
	if err := dst.RestoreRows(ctx, tables, &reader{dir: dir, files: files}); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// maxLine bounds one line of a dump: a raw chunk is at most 1 GiB
// decoded (plan.DecodeChunk's bound), far less encoded and in base64.
const maxLine = 2 << 30

// reader is the store.RowSource of a dump directory.
type reader struct {
	dir   string
	files map[string]Table
}

// Rows implements store.RowSource.
func (r *reader) Rows(ctx context.Context, t *store.DumpTable, fn store.RowFunc) error {
	mt, ok := r.files[t.Name]
	if !ok {
		return nil
	}
	p := filepath.Join(r.dir, mt.File)
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("dump file: %w", err)
	}
	defer f.Close()
	sum := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, sum), 1<<20)
	row := make([]any, len(t.Columns))
	var n, size int64
	var last byte
	for {
		line, err := br.ReadBytes('\n')
		size += int64(len(line))
		if len(line) > 0 {
			last = line[len(line)-1]
			if len(line) > maxLine {
				return &FieldError{File: p, Line: n + 1, Err: errors.New("line too long")}
			}
			n++
			if field, perr := parseRow(line, t, row); perr != nil {
				return &FieldError{File: p, Line: n, Field: field, Err: perr}
			}
			if ferr := fn(row); ferr != nil {
				return fmt.Errorf("%s:%d: %w", p, n, ferr)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return checkFile(p, mt, size, n, last, sum)
}
