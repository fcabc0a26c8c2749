package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
)

// Article is one news article of a JSON article list as Fars News
// archives publish them (shared/data/news/farsnews): title, abstract and
// paragraphs, and the link whose news id encodes the publication date.
type Article struct {
	Title       string   `json:"title"`
	Abstract    string   `json:"abstract"`
	Paragraphs  []string `json:"paragraphs"`
	Link        string   `json:"link"`
	SubsetIndex *int     `json:"subset_index,omitempty"`
}

// Text joins headline, abstract and paragraphs, one per line: the
// headline and abstract form the lead that Extract classifies.
func (a Article) Text() string {
	var b strings.Builder
	b.WriteString(a.Title)
	b.WriteString("\n")
	b.WriteString(a.Abstract)
	for _, p := range a.Paragraphs {
		b.WriteString("\n")
		b.WriteString(p)
	}
	return b.String()
}

// ReadArticles reads a JSON array of articles. A file that is not such a
// list is an error naming the line and, for a value of the wrong type,
// the field; items without any text are kept (they extract to nothing).
func ReadArticles(r io.Reader) ([]Article, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("article list: %w", err)
	}
	var as []Article
	if err := json.Unmarshal(raw, &as); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("article list: line %d: %w", lineAt(raw, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("article list: line %d: field %q: %w", lineAt(raw, te.Offset), te.Field, err)
		}
		return nil, fmt.Errorf("article list: %w", err)
	}
	return as, nil
}

// lineAt is the 1-based line of a byte offset.
func lineAt(b []byte, off int64) int {
	off = min(max(off, 0), int64(len(b)))
	return bytes.Count(b[:off], []byte("\n")) + 1
}

var farsIDRE = regexp.MustCompile(`/news/(\d{10}|\d{14})(?:/|$)`)

// FarsPublished reads the publication date from a Fars News link: the
// news id is YYMMDDnnnn (two-digit Solar Hijri year, 13YY) or
// YYYYMMDDnnnnnn. ok is false when the link carries no such id.
func FarsPublished(link string) (model.Date, bool) {
	m := farsIDRE.FindStringSubmatch(link)
	if m == nil {
		return model.Date{}, false
	}
	id := m[1]
	var y, mo, d int
	if len(id) == 10 {
		yy, _ := strconv.Atoi(id[0:2])
		y = 1300 + yy
		mo, _ = strconv.Atoi(id[2:4])
		d, _ = strconv.Atoi(id[4:6])
	} else {
		y, _ = strconv.Atoi(id[0:4])
		mo, _ = strconv.Atoi(id[4:6])
		d, _ = strconv.Atoi(id[6:8])
	}
	g, err := HijriToGregorian(y, mo, d)
	if err != nil {
		return model.Date{}, false
	}
	return g, true
}
