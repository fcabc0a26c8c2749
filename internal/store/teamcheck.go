package store

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The checks both backends make before storing a team's records, so that
// they refuse the same things with the same messages.

// Limits on what accounts, tokens and public reports hold.
const (
	MaxUserName      = 64
	MaxTokenName     = 128
	MaxReportWhat    = 10000
	MaxReportPlace   = 200
	MaxReportLink    = 2048
	MaxReportContact = 500
	MaxReportNote    = 2000
)

// CheckUserName checks an account name: 1 to MaxUserName characters,
// letters, digits and . _ - @ only, so that it reads the same in a
// terminal, a URL and an audit actor ("user:NAME").
func CheckUserName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > MaxUserName || !utf8.ValidString(name) {
		return fmt.Errorf("user name %q: want 1 to %d characters", clip(name), MaxUserName)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@", r) {
			return fmt.Errorf("user name %q: character %q not allowed (letters, digits and . _ - @ only)", clip(name), r)
		}
	}
	return nil
}

// CheckNewUser checks an account to create.
func CheckNewUser(u NewUser) error {
	if err := CheckUserName(u.Name); err != nil {
		return err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return fmt.Errorf("user %s: %w", u.Name, err)
	}
	if u.Created.IsZero() {
		return fmt.Errorf("user %s: no creation time", u.Name)
	}
	return nil
}

// CheckNewToken checks a token to store.
func CheckNewToken(t NewToken) error {
	if t.Name == "" || len(t.Name) > MaxTokenName || !cleanLine(t.Name) {
		return fmt.Errorf("token name %q: want 1 to %d bytes of text on one line", clip(t.Name), MaxTokenName)
	}
	if _, err := ParseRole(string(t.Role)); err != nil {
		return fmt.Errorf("token %s: %w", t.Name, err)
	}
	if len(t.Hash) != 64 || strings.Trim(t.Hash, "0123456789abcdef") != "" {
		return fmt.Errorf("token %s: hash is not 64 hex digits (store the SHA-256 of the token, never the token)", t.Name)
	}
	if !cleanLine(t.Creator) || len(t.Creator) > 512 {
		return fmt.Errorf("token %s: invalid creator", t.Name)
	}
	if t.Created.IsZero() {
		return fmt.Errorf("token %s: no creation time", t.Name)
	}
	return nil
}

// CheckSession checks a session to store.
func CheckSession(s Session) error {
	if s.IDHash == "" || s.UserID == 0 || s.CSRF == "" {
		return errors.New("session: empty id hash, user or CSRF token")
	}
	if !s.Expires.After(s.Created) {
		return errors.New("session: expires before it is created")
	}
	return nil
}

// CheckPublicReport checks a report from the public form and its
// optional contact. The messages name the form's fields.
func CheckPublicReport(r PublicReport, contact string) error {
	if strings.TrimSpace(r.What) == "" {
		return errors.New("report: what: say what happened")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"what", r.What, MaxReportWhat}, {"place", r.Place, MaxReportPlace}, {"link", r.Link, MaxReportLink}, {"contact", contact, MaxReportContact}} {
		if len(f.v) > f.max {
			return fmt.Errorf("report: %s: over %d bytes", f.name, f.max)
		}
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return fmt.Errorf("report: %s: not valid text", f.name)
		}
	}
	if (r.Lat == nil) != (r.Lon == nil) {
		return errors.New("report: point: give both latitude and longitude, or neither")
	}
	if r.Lat != nil && (!(*r.Lat >= -90 && *r.Lat <= 90) || !(*r.Lon >= -180 && *r.Lon <= 180)) {
		return fmt.Errorf("report: point: %v, %v is not a latitude and longitude", *r.Lat, *r.Lon)
	}
	if r.When != "" {
		if _, err := time.Parse(time.DateOnly, r.When); err != nil {
			return fmt.Errorf("report: when: %q is not a day (YYYY-MM-DD)", clip(r.When))
		}
	}
	if r.Link != "" {
		u, err := url.Parse(r.Link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("report: link: %q is not an http or https address", clip(r.Link))
		}
	}
	if r.Received.IsZero() {
		return errors.New("report: no time received")
	}
	return nil
}

// CheckModeration checks an analyst's decision on a report.
func CheckModeration(m Moderation) error {
	switch m.State {
	case ReportApproved, ReportRejected:
	case ReportDuplicate:
		if m.DuplicateOf == "" {
			return errors.New("moderation: a duplicate names the incident it duplicates")
		}
	default:
		return fmt.Errorf("moderation: state %q: want approved, rejected or duplicate", clip(m.State))
	}
	if m.By == "" || m.At.IsZero() {
		return errors.New("moderation: no moderator or time")
	}
	if len(m.Note) > MaxReportNote || !utf8.ValidString(m.Note) || strings.ContainsRune(m.Note, 0) {
		return fmt.Errorf("moderation: note over %d bytes or not valid text", MaxReportNote)
	}
	for _, v := range []string{m.By, m.DuplicateOf, m.ClaimRef} {
		if len(v) > 512 || !cleanLine(v) {
			return errors.New("moderation: invalid moderator, duplicate or claim reference")
		}
	}
	return nil
}

// cleanLine says whether s is valid UTF-8 without control characters.
func cleanLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// clip shortens what an error message quotes.
func clip(s string) string {
	if len(s) <= 80 {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:80], "") + "…"
}
