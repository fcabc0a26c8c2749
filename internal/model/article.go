package model

// Article is a report that is text: one news item from a feed, one saved
// article page or text file. The report keeps the item as received; the
// article keeps what was read from it, so that extraction can run (and
// run again) on the text without parsing the raw item a second time.
type Article struct {
	Report Report `json:"report"`
	// URL is the article's link as given (absolute when it could be
	// resolved), empty when the item had none.
	URL string `json:"url,omitempty"`
	// Language is a BCP 47 tag ("en", "fa", "pt-BR") from the item or its
	// feed, else guessed from the script; empty when unknown.
	Language string `json:"language,omitempty"`
	Title    string `json:"title,omitempty"`
	// Text is the title-less body as plain text: markup removed, entities
	// decoded, paragraphs on lines of their own.
	Text string `json:"text,omitempty"`
	// ContentHash is the hex SHA-256 of the title and text: two items with
	// the same words are the same article whatever their ids and markup.
	// For an article whose page was fetched, it is the feed item's, so
	// that the item polled again is found unchanged.
	ContentHash string `json:"content_hash"`
}

// CheckText returns a *TextError naming the first text field of the
// article that breaks the text rule (see Record.CheckText), or nil.
func (a Article) CheckText() error {
	if err := (Record{Report: a.Report}).CheckText(); err != nil {
		return err
	}
	for _, f := range []struct{ name, s string }{
		{"url", a.URL}, {"language", a.Language}, {"title", a.Title}, {"text", a.Text}, {"content_hash", a.ContentHash},
	} {
		if err := checkText(f.name, f.s); err != nil {
			return err
		}
	}
	return nil
}
