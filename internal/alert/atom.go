package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/store"
)

// FeedOptions describe the Atom feed around the alerts.
type FeedOptions struct {
	Title string // default "vigil alerts"
	// ID is the feed's permanent IRI; default "urn:vigil:alerts".
	ID string
	// Self is the URL the feed is served at, if any.
	Self string
	// Updated is the feed's time when it has no alert; otherwise the
	// newest alert's time is, so that the feed never reads the clock.
	Updated time.Time
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link,omitempty"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
	Content    atomText       `xml:"content"`
}

// EntryID is an alert's permanent Atom id: made from its rule and key, so
// that the same alert keeps its id in every rendering of the feed.
func EntryID(a store.Alert) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s", a.RuleID, a.Key))
	return "urn:vigil:alert:" + hex.EncodeToString(sum[:16])
}

// RenderAtom writes alerts (newest first, as the store gives them) as an
// Atom 1.0 feed (RFC 4287): one entry per alert, its evidence trail (the
// incident and report ids) in the content.
func RenderAtom(w io.Writer, alerts []store.Alert, o FeedOptions) error {
	f := atomFeed{Title: o.Title, ID: o.ID, Author: atomPerson{Name: "vigil"}}
	if f.Title == "" {
		f.Title = "vigil alerts"
	}
	if f.ID == "" {
		f.ID = "urn:vigil:alerts"
	}
	if o.Self != "" {
		f.Links = append(f.Links, atomLink{Rel: "self", Href: o.Self})
	}
	updated := o.Updated
	for _, a := range alerts {
		if a.At.After(updated) {
			updated = a.At
		}
		at := a.At.UTC().Format(time.RFC3339)
		var content strings.Builder
		fmt.Fprintf(&content, "Rule: %s (%s)\n", a.RuleName, a.Kind)
		if a.Summary != "" {
			fmt.Fprintf(&content, "\n%s\n", a.Summary)
		}
		fmt.Fprintf(&content, "\nEvidence:\nincidents: %s\nreports: %s\n", listOrNone(a.Incidents), listOrNone(a.Reports))
		f.Entries = append(f.Entries, atomEntry{
			ID:         EntryID(a),
			Title:      atomText{Type: "text", Body: a.Title},
			Updated:    at,
			Published:  at,
			Categories: []atomCategory{{Term: a.Kind}},
			Summary:    atomText{Type: "text", Body: a.Title},
			Content:    atomText{Type: "text", Body: content.String()},
		})
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("atom feed: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("atom feed: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("atom feed: %w", err)
	}
	return nil
}
