package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
)

// ErrUnknownFile is returned (wrapped) for a file that is neither a feed,
// an article page, a text file nor a list of articles.
var ErrUnknownFile = errors.New("not a feed, article or list of articles")

// ParseFile reads a saved file by its name and content: a feed (.xml,
// .rss, .atom, .rdf, or JSON Feed .json), a list of articles (a .json
// array, as in the Fars News set), an article page (.html, .htm) or an
// article as plain text (.txt: the first line is the title). A file of
// another name is recognised by its first bytes. Origin in opt should be
// the file's path.
func ParseFile(name string, data []byte, opt Options) (*Result, error) {
	head := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
		head = bytes.TrimLeft(head[3:], " \t\r\n")
	}
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case notArticles[ext]:
		return nil, fmt.Errorf("%s: %w (a %s file: datasets go through 'vigil import')", opt.Origin, ErrUnknownFile, ext)
	case ext == ".json" && bytes.HasPrefix(head, []byte("[")):
		return parseList(data, opt)
	case ext == ".html" || ext == ".htm" || ext == ".xhtml":
		return parsePage(data, opt)
	case ext == ".txt" || ext == ".text":
		return parseText(data, opt)
	case ext == ".xml" || ext == ".rss" || ext == ".atom" || ext == ".rdf" || ext == ".json" || ext == ".feed":
		return Parse(data, opt)
	}
	// Unknown name: sniff.
	lower := bytes.ToLower(head[:min(len(head), 512)])
	switch {
	case bytes.HasPrefix(head, []byte("[")):
		return parseList(data, opt)
	case bytes.Contains(lower, []byte("<html")) || bytes.HasPrefix(lower, []byte("<!doctype html")):
		return parsePage(data, opt)
	case bytes.HasPrefix(head, []byte("<")) || bytes.HasPrefix(head, []byte("{")):
		return Parse(data, opt)
	case utf8.Valid(data) && !bytes.ContainsRune(data, 0):
		return parseText(data, opt)
	}
	return nil, fmt.Errorf("%s: %w", opt.Origin, ErrUnknownFile)
}

// notArticles are file types that are datasets or containers, never an
// article, however text-like.
var notArticles = map[string]bool{".csv": true, ".tsv": true, ".xlsx": true, ".xls": true, ".zip": true,
	".gz": true, ".pdf": true, ".db": true, ".sqlite": true, ".parquet": true}

// parsePage reads one saved article page.
func parsePage(data []byte, opt Options) (*Result, error) {
	a, err := Page(data, PageOptions{Source: opt.Source, Origin: opt.Origin, ContentType: opt.ContentType,
		URL: canonicalURL(data), Fetched: opt.Fetched})
	if err != nil {
		return nil, err
	}
	return &Result{Format: "html", Items: 1, Articles: []model.Article{a}}, nil
}

// canonicalLink finds a saved page's own address in its <link
// rel="canonical"> or og:url, which browsers' "save page" keeps.
var canonicalLink = regexp.MustCompile(`(?is)<link[^>]+rel=["']canonical["'][^>]*href=["']([^"']+)["']|<meta[^>]+property=["']og:url["'][^>]*content=["']([^"']+)["']`)

func canonicalURL(data []byte) string {
	m := canonicalLink.FindSubmatch(data[:min(len(data), 256<<10)])
	if m == nil {
		return ""
	}
	u := string(m[1])
	if u == "" {
		u = string(m[2])
	}
	u = strings.TrimSpace(u)
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return ""
	}
	return resolve(u, "")
}

// parseText reads an article saved as plain text: the first non-empty
// line is its title, the rest its text.
func parseText(data []byte, opt Options) (*Result, error) {
	doc, enc, notes := toUTF8(data, opt.ContentType)
	s := extract.TidyText(string(doc))
	title, text, _ := strings.Cut(s, "\n")
	title = oneLine(title)
	if title == "" {
		return nil, fmt.Errorf("%s: empty text file", opt.Origin)
	}
	res := &Result{Format: "text", Encoding: enc, Items: 1}
	for _, n := range notes {
		res.Problems = append(res.Problems, Problem{Field: "encoding", Reason: n})
	}
	hash := ContentHash(title, text)
	ref := "sha256:" + hash[:32]
	a := model.Article{
		Report: model.Report{ID: model.ReportID(opt.Source, ref, 0), Source: opt.Source, SourceRef: ref,
			Raw: data, Hash: hashOf(data), Origin: opt.Origin, Fetched: opt.Fetched},
		Language: GuessLanguage(s), Title: title, Text: text, ContentHash: hash,
	}
	if err := a.CheckText(); err != nil {
		return nil, fmt.Errorf("%s: %w", opt.Origin, err)
	}
	res.Articles = []model.Article{a}
	return res, nil
}

// listItem is one article of a JSON list. The names cover the Fars News
// set (title, abstract, paragraphs, link) and the usual alternatives.
type listItem struct {
	Title      string   `json:"title"`
	Abstract   string   `json:"abstract"`
	Summary    string   `json:"summary"`
	Paragraphs []string `json:"paragraphs"`
	Text       string   `json:"text"`
	Body       string   `json:"body"`
	Content    string   `json:"content"`
	Link       string   `json:"link"`
	URL        string   `json:"url"`
	ID         string   `json:"id"`
	Published  string   `json:"published"`
	Date       string   `json:"date"`
	Language   string   `json:"language"`
	Lang       string   `json:"lang"`
}

// parseList reads a JSON array of articles. Each element is kept as its
// raw report; an element that is not an article object is a Problem with
// its line, and the rest are still read.
func parseList(data []byte, opt Options) (*Result, error) {
	res := &Result{Format: "articles", Encoding: "utf-8"}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: a JSON list must be UTF-8", opt.Origin)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return nil, fmt.Errorf("%s: line 1: want a JSON array of articles", opt.Origin)
	}
	d := newDedup()
	for n := 1; dec.More(); n++ {
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			line := lineAt(data, off)
			if res.Items == 0 {
				return nil, fmt.Errorf("%s: line %d: %w", opt.Origin, line, err)
			}
			// A broken element ends what a decoder can read.
			res.Problems = append(res.Problems, Problem{Item: n, Line: line, Reason: "invalid JSON, rest of file unread: " + err.Error()})
			return res, nil
		}
		res.Items++
		line := lineAt(data, off+int64(len(data[off:])-len(bytes.TrimLeft(data[off:], ", \t\r\n"))))
		var it listItem
		if err := json.Unmarshal(raw, &it); err != nil {
			res.Problems = append(res.Problems, Problem{Item: n, Line: line, Reason: "not an article object: " + ShortErr(err)})
			continue
		}
		a, probs := listArticle(it, raw, n, line, opt)
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
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		res.Problems = append(res.Problems, Problem{Line: lineAt(data, dec.InputOffset()), Reason: "after the list: " + err.Error()})
	}
	return res, nil
}

// lineAt returns the line (from 1) of byte offset off.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

// listArticle makes the article of one list element.
func listArticle(it listItem, raw []byte, n, line int, opt Options) (*model.Article, []Problem) {
	var probs []Problem
	problem := func(field, reason string) {
		probs = append(probs, Problem{Item: n, Line: line, Field: field, Reason: reason})
	}
	title := oneLine(extract.PlainText(it.Title))
	var parts []string
	for _, s := range []string{it.Abstract, it.Summary} {
		if s = extract.PlainText(s); s != "" {
			parts = append(parts, s)
		}
	}
	for _, p := range it.Paragraphs {
		if p = extract.PlainText(p); p != "" {
			parts = append(parts, p)
		}
	}
	for _, s := range []string{it.Text, it.Body, it.Content} {
		if s = extract.PlainText(s); s != "" {
			parts = append(parts, s)
		}
	}
	text := strings.Join(parts, "\n")
	link := resolve(firstNonEmpty(it.Link, it.URL), "")
	if title == "" && text == "" {
		problem("", "empty article: no title or text")
		return nil, probs
	}
	var published *time.Time
	if s := firstNonEmpty(it.Published, it.Date); s != "" {
		if t, err := ParseDate(s); err == nil {
			published = &t
		} else {
			problem("published", fmt.Sprintf("unreadable date %q: kept without it", cut(s, 60)))
		}
	} else if t, ok := farsNewsDate(link); ok {
		published = &t
	}
	lang := cleanLang(firstNonEmpty(it.Language, it.Lang))
	if lang == "" {
		lang = GuessLanguage(title + "\n" + text)
	}
	hash := ContentHash(title, text)
	ref := strings.TrimSpace(it.ID)
	if ref == "" {
		ref = link
	}
	if ref == "" {
		ref = "sha256:" + hash[:32]
	}
	a := &model.Article{
		Report: model.Report{ID: model.ReportID(opt.Source, ref, 0), Source: opt.Source, SourceRef: ref,
			Raw: raw, Hash: hashOf(raw), Origin: origin(opt.Origin, n, line), Fetched: opt.Fetched, Published: published},
		URL: link, Language: lang, Title: title, Text: text, ContentHash: hash,
	}
	if err := a.CheckText(); err != nil {
		problem("", "unusable text: "+err.Error())
		return nil, probs
	}
	return a, probs
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// farsNewsID is a Fars News article id in a link: its digits encode the
// Solar Hijri date, YYMMDDnnnn (10 digits, 13YY) or YYYYMMDDnnnnnn (14).
var farsNewsID = regexp.MustCompile(`farsnews\.(?:ir|com)/(?:[a-z]+/)?news/(\d{14}|\d{10})\b`)

// farsNewsDate returns the publication date (midnight UTC of the
// Gregorian day) that a Fars News link encodes; see
// shared/data/news/farsnews/SOURCE.md.
func farsNewsDate(link string) (time.Time, bool) {
	m := farsNewsID.FindStringSubmatch(link)
	if m == nil {
		return time.Time{}, false
	}
	id := m[1]
	var y, mo, d int
	if len(id) == 14 {
		y, _ = strconv.Atoi(id[:4])
		mo, _ = strconv.Atoi(id[4:6])
		d, _ = strconv.Atoi(id[6:8])
	} else {
		yy, _ := strconv.Atoi(id[:2])
		y = 1300 + yy
		mo, _ = strconv.Atoi(id[2:4])
		d, _ = strconv.Atoi(id[4:6])
	}
	g, err := extract.HijriToGregorian(y, mo, d)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(g.Year, g.Month, g.Day, 0, 0, 0, 0, time.UTC), true
}
