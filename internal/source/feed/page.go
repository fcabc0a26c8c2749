package feed

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html/charset"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
)

// PageOptions say where an article page came from.
type PageOptions struct {
	Source, Origin, ContentType string
	// URL is the page's address: the report's reference and the base of
	// its links. Empty for a saved page of unknown address.
	URL     string
	Fetched time.Time
	// Published is the publication time known from elsewhere (the feed
	// item); the page's own metadata is used when it is nil.
	Published *time.Time
	// Language known from elsewhere, used when the page declares none.
	Language string
}

// readable runs readability, turning a panic in it into an error (see
// parseFeed).
func readable(doc []byte, base *url.URL) (art readability.Article, err error) {
	defer func() {
		if r := recover(); r != nil {
			art, err = readability.Article{}, fmt.Errorf("readability failed: %v", r)
		}
	}()
	return readability.FromReader(bytes.NewReader(doc), base)
}

// Page reads an article web page: its main text is found with
// readability (Mozilla's algorithm: navigation, adverts and comments
// left out) and reduced to plain text. The report keeps the page as
// received.
func Page(data []byte, opt PageOptions) (model.Article, error) {
	if len(data) > maxDoc {
		return model.Article{}, fmt.Errorf("page %s: %d bytes is over the %d byte limit", opt.Origin, len(data), maxDoc)
	}
	// The page is decoded by its declared or sniffed charset before
	// readability sees it, which assumes UTF-8.
	e, _, _ := charset.DetermineEncoding(data, opt.ContentType)
	doc, err := e.NewDecoder().Bytes(data)
	if err != nil {
		doc = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	var base *url.URL
	if opt.URL != "" {
		if base, err = url.Parse(opt.URL); err != nil {
			base = nil
		}
	}
	art, err := readable(doc, base)
	var title, text, lang string
	var published *time.Time = opt.Published
	if err == nil && art.Node != nil {
		var b strings.Builder
		if err := art.RenderHTML(&b); err == nil {
			text = extract.PlainText(b.String())
		}
		title = oneLine(extract.TidyText(art.Title()))
		lang = cleanLang(art.Language())
		if published == nil {
			if t, err := art.PublishedTime(); err == nil && !t.IsZero() {
				t = t.UTC()
				published = &t
			}
		}
	}
	if text == "" {
		// Readability found no article (a short page, a bare fragment):
		// the whole page's text is better than nothing.
		text = extract.PlainText(string(doc))
	}
	if title != "" {
		text = strings.TrimPrefix(text, title+"\n")
	}
	if lang == "" {
		lang = cleanLang(opt.Language)
	}
	if lang == "" {
		lang = GuessLanguage(title + "\n" + text)
	}
	if title == "" && text == "" {
		return model.Article{}, fmt.Errorf("page %s: no text", opt.Origin)
	}
	hash := ContentHash(title, text)
	ref := opt.URL
	if ref == "" {
		ref = "sha256:" + hash[:32]
	}
	a := model.Article{
		Report: model.Report{
			ID: model.ReportID(opt.Source, ref, 0), Source: opt.Source, SourceRef: ref,
			Raw: data, Hash: hashOf(data), Origin: opt.Origin, Fetched: opt.Fetched, Published: published,
		},
		URL: opt.URL, Language: lang, Title: title, Text: text, ContentHash: hash,
	}
	if err := a.CheckText(); err != nil {
		return model.Article{}, fmt.Errorf("page %s: %w", opt.Origin, err)
	}
	return a, nil
}
