package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TextError says which field of a record breaks the text rule.
type TextError struct {
	Field  string
	Reason string
}

func (e *TextError) Error() string { return e.Field + ": " + e.Reason }

// The text rule: every text field is valid UTF-8 without NUL characters.
// PostgreSQL refuses anything else (SQLite would take it), so both stores
// hold text to this rule and readers' output is checked against it before
// it reaches a store; raw bytes are exempt.
func checkText(field, s string) error {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return &TextError{Field: field, Reason: fmt.Sprintf("NUL character at byte %d", i)}
	}
	if !utf8.ValidString(s) {
		return &TextError{Field: field, Reason: "not valid UTF-8"}
	}
	return nil
}

// CheckText returns a *TextError naming the first text field of the
// record's report or claim that breaks the text rule, or nil.
func (r Record) CheckText() error {
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
		if err := checkText(k, v); err != nil {
			return err
		}
	}
	return nil
}
