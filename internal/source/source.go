// Package source holds what every reader of incident data shares: the
// reader contract, row errors that name file, line and field, and the
// helpers for decoding raw files. The readers themselves live one per
// sub-package (gtd, acled, ucdp, gdelt, csv).
package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// Reader yields the records of one file.
//
// Next returns the next record; a *RowError for a row that cannot be used
// (the caller records it and calls Next again); io.EOF at the end; any
// other error is fatal for the file (I/O, a file of the wrong kind).
// Next never panics, whatever the input.
type Reader interface {
	Next() (model.Record, error)
	// Source is the source that the records belong to.
	Source() model.Source
}

// Options are what every reader is given.
type Options struct {
	// Name is the file name used in row errors and in each report's origin.
	Name string
	// Fetched is the time the file was read, stamped on each report.
	Fetched time.Time
}

// RowError is a row that cannot be used, with where and why.
type RowError struct {
	File   string
	Line   int    // 1-based physical line where the row starts
	Field  string // column name; "" when the row as a whole is bad
	Reason string
	Raw    string // the row as read, for the rejection log
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Reason)
}

// IsRowError reports whether err is a rejected row (not fatal for the file).
func IsRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// KindError is returned when a file is not of the kind its reader reads:
// it names the columns that were expected.
type KindError struct {
	File     string
	Kind     string   // "GTD", "ACLED", …
	Expected []string // the columns a file of this kind must have
	Missing  []string // the ones this file lacks
}

func (e *KindError) Error() string {
	return fmt.Sprintf("%s: not a %s file: expected columns %s; missing %s",
		e.File, e.Kind, strings.Join(e.Expected, ", "), strings.Join(e.Missing, ", "))
}

// Hash returns the hex SHA-256 of a raw report.
func Hash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// NewReport fills in a report's id, hash, origin and fetch time.
func NewReport(src, ref string, revision int64, raw []byte, opts Options, line int) model.Report {
	return model.Report{
		ID:        model.ReportID(src, ref, revision),
		Source:    src,
		SourceRef: ref,
		Raw:       raw,
		Hash:      Hash(raw),
		Revision:  revision,
		Origin:    fmt.Sprintf("%s:%d", opts.Name, line),
		Fetched:   opts.Fetched,
	}
}
