package plan

import (
	"fmt"
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

// checkText returns an error naming field when s breaks the text rules.
func checkText(field, s string) error {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return fmt.Errorf("%s has a NUL character at byte %d", field, i)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	return nil
}

// CleanText returns s with each invalid UTF-8 sequence and each NUL
// replaced by U+FFFD, for text that only describes bad input.
func CleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// checkRecord checks every text field of a record's report and claim.
func checkRecord(r model.Record) error {
	rep, c := r.Report, r.Claim
	fields := []struct{ name, s string }{
		{"report id", rep.ID}, {"source", rep.Source}, {"source_ref", rep.SourceRef}, {"hash", rep.Hash},
		{"origin", rep.Origin}, {"claim id", c.ID}, {"date_precision", string(c.DatePrecision)},
		{"country", c.Country}, {"admin1", c.Admin1}, {"admin2", c.Admin2}, {"place", c.Place},
		{"place_precision", string(c.PlacePrecision)}, {"attack_type", string(c.AttackType)},
		{"target_type", string(c.TargetType)}, {"weapon", string(c.Weapon)}, {"perpetrator", c.Perpetrator},
		{"text", c.Text},
	}
	for _, f := range fields {
		if err := checkText(f.name, f.s); err != nil {
			return err
		}
	}
	for _, list := range []struct {
		name string
		s    []string
	}{{"claimed_by", c.ClaimedBy}, {"related", c.Related}, {"flags", c.Flags}} {
		for _, s := range list.s {
			if err := checkText(list.name, s); err != nil {
				return err
			}
		}
	}
	for k, v := range c.Codes {
		if err := checkText("codes key", k); err != nil {
			return err
		}
		if err := checkText("codes "+CleanText(k), v); err != nil {
			return err
		}
	}
	return nil
}
