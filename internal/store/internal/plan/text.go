package plan

import (
	"strings"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/model"
)

// Text rules. PostgreSQL refuses text with a NUL character or invalid
// UTF-8 (in text columns and in jsonb), where SQLite takes any bytes; so
// that both backends accept and refuse the same things, the stores hold
// text to PostgreSQL's rule: an import record that breaks it is refused
// (CheckRecord), and diagnostics about bad input, which may quote it, are
// cleaned (CleanText). Raw bytes (a report's or a rejection's) are kept
// exactly, as bytes.

// CleanText returns s with each invalid UTF-8 sequence and each NUL
// replaced by U+FFFD, for text that only describes bad input.
func CleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// checkRecord checks every text field of a record's report and claim.
func checkRecord(r model.Record) error { return r.CheckText() }
