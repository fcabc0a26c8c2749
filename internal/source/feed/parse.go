// Package feed reads news: RSS 0.9x/1.0/2.0, Atom 1.0 and JSON Feed
// documents, saved article pages and text files, and lists of articles,
// into articles (model.Article: a report kept as received plus its plain
// text). Package poll, below it, follows subscribed feeds.
//
// Reading is forgiving, because a feed is what a newsroom's software
// happened to produce: a document in the wrong or no declared encoding is
// decoded by its bytes, a document the XML parser gives up on is read item
// by item, a date in a foreign language or odd format is read by ParseDate,
// and whatever still cannot be read is reported per item (Problem) while
// the rest is kept. Only a document with nothing readable is an error.
package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
)

// Reliability is the reliability prior of a news source (a feed, a
// folder of saved articles) until an analyst sets one: below the curated
// datasets, since a first report is often revised.
const Reliability = 0.5

// Options say where a document came from.
type Options struct {
	// Source is the name of the source the articles' reports belong to
	// (the feed's name).
	Source string
	// Origin names the document in reports and problems: a file path or
	// the feed URL.
	Origin string
	// ContentType is the HTTP Content-Type the document came with, if
	// any; its charset is used when the document declares none.
	ContentType string
	// BaseURL resolves relative item links (the feed's URL).
	BaseURL string
	// Fetched is when the document was fetched or read.
	Fetched time.Time
}

// Problem is something of a document that could not be read as it
// should. Item is the item's position in the document (from 1), 0 for the
// document as a whole.
type Problem struct {
	Item   int    `json:"item,omitempty"`
	Line   int    `json:"line,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// String gives the problem as one line: "item 2 (line 14): field: reason".
func (p Problem) String() string {
	var b strings.Builder
	if p.Item > 0 {
		fmt.Fprintf(&b, "item %d", p.Item)
		if p.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", p.Line)
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Result is what was read from one document.
type Result struct {
	Title    string `json:"title,omitempty"`
	Language string `json:"language,omitempty"`
	// Format is "rss", "atom", "json" (feeds), "articles" (a JSON list),
	// "html" or "text".
	Format   string `json:"format"`
	Encoding string `json:"encoding,omitempty"`
	// Items counts the items found, read or not.
	Items    int             `json:"items"`
	Articles []model.Article `json:"articles"`
	// Duplicates counts items left out because an earlier item of the
	// document had the same GUID, URL or content.
	Duplicates int       `json:"duplicates"`
	Problems   []Problem `json:"problems,omitempty"`
}

// ErrNotFeed is returned (wrapped) for a document in which no feed and no
// item could be found.
var ErrNotFeed = errors.New("not a feed")

// maxDoc is the largest document Parse reads: far above any real feed,
// low enough to bound memory for a hostile one.
const maxDoc = 64 << 20

// Parse reads an RSS, Atom or JSON Feed document. It returns an error only
// when nothing could be read; otherwise the articles of the items that
// could be read, and a Problem for each thing that could not.
func Parse(data []byte, opt Options) (*Result, error) {
	if len(data) > maxDoc {
		return nil, fmt.Errorf("feed %s: document of %d bytes is over the %d byte limit", opt.Origin, len(data), maxDoc)
	}
	doc, enc, notes := toUTF8(data, opt.ContentType)
	res := &Result{Encoding: enc}
	for _, n := range notes {
		res.Problems = append(res.Problems, Problem{Field: "encoding", Reason: n})
	}
	kind := gofeed.DetectFeedType(bytes.NewReader(doc))
	if kind == gofeed.FeedTypeJSON {
		return parseJSONFeed(doc, opt, res)
	}
	segs := scanItems(doc)
	f, err := parseFeed(gofeed.NewParser(), doc)
	var items []*gofeed.Item
	raws := make([][]byte, 0, len(segs))
	lines := make([]int, 0, len(segs))
	switch {
	case err == nil && len(segs) <= len(f.Items):
		items = f.Items
		res.Title, res.Language = extract.PlainText(f.Title), cleanLang(f.Language)
		if len(segs) == len(items) {
			for _, s := range segs {
				raws = append(raws, doc[s.start:s.end])
				lines = append(lines, s.line)
			}
		}
	case len(segs) > 0:
		// The parser stopped at an error, or (being lenient) read past
		// one and lost items on the way: read each item on its own,
		// inside the document's own opening so that its namespaces are
		// declared.
		if err != nil {
			res.Problems = append(res.Problems, Problem{Reason: "document is not well-formed (" + ShortErr(err) + "): read item by item"})
		} else {
			res.Problems = append(res.Problems, Problem{Reason: fmt.Sprintf("parser read %d of %d items: read item by item", len(f.Items), len(segs))})
			res.Title, res.Language = extract.PlainText(f.Title), cleanLang(f.Language)
		}
		var probs []Problem
		items, probs = salvage(doc, segs, kind, res)
		res.Problems = append(res.Problems, probs...)
		for _, s := range segs {
			raws = append(raws, doc[s.start:s.end])
			lines = append(lines, s.line)
		}
	default:
		return nil, fmt.Errorf("feed %s: %w: %s", opt.Origin, ErrNotFeed, ShortErr(err))
	}
	res.Format = formatName(kind)

	d := newDedup()
	for i, it := range items {
		res.Items++
		if it == nil {
			continue
		}
		var raw []byte
		line := 0
		if i < len(raws) {
			raw, line = raws[i], lines[i]
		} else if raw, err = json.Marshal(it); err != nil {
			res.Problems = append(res.Problems, Problem{Item: i + 1, Reason: "cannot keep item: " + err.Error()})
			continue
		}
		a, probs := article(it, raw, i+1, line, res.Language, opt)
		res.Problems = append(res.Problems, probs...)
		if a == nil {
			continue
		}
		if d.seen(a) {
			res.Duplicates++
			continue
		}
		res.Articles = append(res.Articles, *a)
	}
	return res, nil
}

// salvage parses each item segment alone; an item that cannot be read
// is nil in the result, with a Problem. It fills in the feed's title and
// language from the first item read when res has none.
func salvage(doc []byte, segs []segment, kind gofeed.FeedType, res *Result) ([]*gofeed.Item, []Problem) {
	var probs []Problem
	items := make([]*gofeed.Item, 0, len(segs))
	head, tail := envelope(doc, segs[0].start, kind)
	p := gofeed.NewParser()
	for i, s := range segs {
		one := make([]byte, 0, len(head)+s.end-s.start+len(tail))
		one = append(append(append(one, head...), doc[s.start:s.end]...), tail...)
		g, err := parseFeed(p, one)
		if err == nil && len(g.Items) != 1 {
			err = fmt.Errorf("found %d items", len(g.Items))
		}
		if err != nil {
			// The parser's line is the line in the envelope, not in the
			// document: the item's own line is given instead.
			msg := envelopeLine.ReplaceAllString(ShortErr(err), "XML syntax error:")
			probs = append(probs, Problem{Item: i + 1, Line: s.line, Reason: "unreadable item: " + msg})
			items = append(items, nil)
			continue
		}
		items = append(items, g.Items[0])
		if res.Title == "" {
			res.Title, res.Language = extract.PlainText(g.Title), cleanLang(g.Language)
		}
	}
	return items, probs
}

// envelopeLine is the position in an XML error about an item parsed in
// its envelope.
var envelopeLine = regexp.MustCompile(`XML syntax error on line \d+:`)

// parseFeed runs the feed parser, turning a panic in it into an error:
// the parser is not ours, its input is anyone's, and one hostile feed must
// not take the poller down with it.
func parseFeed(p *gofeed.Parser, doc []byte) (f *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("feed parser failed: %v", r)
		}
	}()
	return p.Parse(bytes.NewReader(doc))
}

// formatName names a detected feed type.
func formatName(t gofeed.FeedType) string {
	switch t {
	case gofeed.FeedTypeAtom:
		return "atom"
	case gofeed.FeedTypeRSS:
		return "rss"
	case gofeed.FeedTypeJSON:
		return "json"
	}
	return "unknown"
}

// envelope returns what to put around one item so that it parses alone:
// the document up to its first item (root element, namespaces, channel)
// and the end tags that close what that opened.
func envelope(doc []byte, first int, kind gofeed.FeedType) (head, tail []byte) {
	head = doc[:first]
	switch {
	case kind == gofeed.FeedTypeAtom:
		tail = []byte("</feed>")
	case bytes.Contains(head, []byte("<rdf:RDF")):
		// RSS 1.0 items are siblings of the channel, which is closed.
		tail = []byte("</rdf:RDF>")
	default:
		tail = []byte("</channel></rss>")
	}
	return head, tail
}

// ShortErr returns an error's message cut to a length that fits a status
// line.
func ShortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// article makes the article of one parsed item, or nil when the item has
// nothing to store; with the problems found.
func article(it *gofeed.Item, raw []byte, n, line int, feedLang string, opt Options) (*model.Article, []Problem) {
	var probs []Problem
	problem := func(field, reason string) {
		probs = append(probs, Problem{Item: n, Line: line, Field: field, Reason: reason})
	}
	title := oneLine(extract.PlainText(it.Title))
	body := it.Content
	if strings.TrimSpace(body) == "" {
		body = it.Description
	}
	text := extract.PlainText(body)
	link := resolve(strings.TrimSpace(it.Link), opt.BaseURL)
	guid := strings.TrimSpace(it.GUID)
	if title == "" && text == "" && link == "" {
		problem("", "empty item: no title, text or link")
		return nil, probs
	}

	published := itemDate(it, problem)
	if published != nil {
		t := published.UTC()
		if !opt.Fetched.IsZero() && t.After(opt.Fetched.Add(48*time.Hour)) || t.Year() < 1970 {
			problem("published", fmt.Sprintf("date %s is implausible: kept without it", t.Format(time.RFC3339)))
			published = nil
		} else {
			published = &t
		}
	}

	lang := ""
	if it.DublinCoreExt != nil && len(it.DublinCoreExt.Language) > 0 {
		lang = cleanLang(it.DublinCoreExt.Language[0])
	}
	if lang == "" {
		lang = feedLang
	}
	if lang == "" {
		lang = GuessLanguage(title + "\n" + text)
	}

	hash := ContentHash(title, text)
	ref := guid
	if ref == "" {
		ref = link
	}
	if ref == "" {
		ref = "sha256:" + hash[:32]
	}
	a := &model.Article{
		Report: model.Report{
			ID:        model.ReportID(opt.Source, ref, 0),
			Source:    opt.Source,
			SourceRef: ref,
			Raw:       raw,
			Hash:      hashOf(raw),
			Origin:    origin(opt.Origin, n, line),
			Fetched:   opt.Fetched,
			Published: published,
		},
		URL:         link,
		Language:    lang,
		Title:       title,
		Text:        text,
		ContentHash: hash,
	}
	if err := a.CheckText(); err != nil {
		problem("", "unusable text: "+err.Error())
		return nil, probs
	}
	return a, probs
}

// itemDate returns an item's publication time: the parser's reading of
// its published or updated date, else ParseDate's (foreign month names,
// Solar Hijri). A year before 1800 from the parser is a Solar Hijri date
// it took for a Gregorian one ("1402-10-13"), read again by ParseDate.
func itemDate(it *gofeed.Item, problem func(field, reason string)) *time.Time {
	for _, d := range []struct {
		field, raw string
		parsed     *time.Time
	}{{"published", it.Published, it.PublishedParsed}, {"updated", it.Updated, it.UpdatedParsed}} {
		if d.parsed != nil && d.parsed.Year() >= 1800 {
			return d.parsed
		}
		if strings.TrimSpace(d.raw) == "" {
			continue
		}
		t, err := ParseDate(d.raw)
		if err != nil {
			problem(d.field, fmt.Sprintf("unreadable date %q: kept without it", cut(d.raw, 60)))
			continue
		}
		return &t
	}
	return nil
}

// origin names an item in its document: file:line when the line is
// known, else file#n.
func origin(doc string, n, line int) string {
	if line > 0 {
		return doc + ":" + strconv.Itoa(line)
	}
	return doc + "#" + strconv.Itoa(n)
}

// hashOf returns the hex SHA-256 of raw, as source.Hash does.
func hashOf(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// resolve makes link absolute against base when it is relative and base
// is an absolute URL, and drops what makes one article's address differ
// between feeds without naming another page: the fragment and tracking
// parameters (utm_*, fbclid, gclid…), so that deduplication by URL sees
// the same article. A link that does not parse is returned as given.
func resolve(link, base string) string {
	if link == "" {
		return link
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	if !u.IsAbs() && base != "" {
		if b, err := url.Parse(base); err == nil && b.IsAbs() {
			u = b.ResolveReference(u)
		}
	}
	if !u.IsAbs() {
		return link
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
				q.Del(k)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// trackingParams are query parameters that only say where a click came
// from.
var trackingParams = map[string]bool{"fbclid": true, "gclid": true, "dclid": true, "msclkid": true,
	"mc_cid": true, "mc_eid": true, "ocid": true, "cmpid": true, "at_medium": true, "at_campaign": true}

// cleanLang returns a language tag as feeds write it ("en_US", " EN-us ")
// in BCP 47 form ("en-US"), or "" for nothing usable.
func cleanLang(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	if s == "" || len(s) > 35 {
		return ""
	}
	parts := strings.Split(s, "-")
	for i, p := range parts {
		for _, r := range p {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
				return ""
			}
		}
		if i == 0 {
			parts[i] = strings.ToLower(p)
		} else if len(p) == 2 {
			parts[i] = strings.ToUpper(p)
		}
	}
	return strings.Join(parts, "-")
}

// cut returns s cut to n bytes at a rune boundary, marked when cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// dedup remembers the GUIDs (source refs), URLs and content hashes of the
// articles kept so far.
type dedup struct{ refs, urls, hashes map[string]bool }

func newDedup() *dedup {
	return &dedup{refs: map[string]bool{}, urls: map[string]bool{}, hashes: map[string]bool{}}
}

// seen reports whether an article repeats one kept before, and
// remembers it when it does not.
func (d *dedup) seen(a *model.Article) bool {
	if d.refs[a.Report.SourceRef] || a.URL != "" && d.urls[a.URL] || d.hashes[a.ContentHash] {
		return true
	}
	d.refs[a.Report.SourceRef] = true
	if a.URL != "" {
		d.urls[a.URL] = true
	}
	d.hashes[a.ContentHash] = true
	return false
}
