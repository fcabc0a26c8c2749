package feed

import (
	"encoding/json"
	"fmt"

	"github.com/mmcdole/gofeed"

	"github.com/vigil-project/vigil/internal/extract"
)

// parseJSONFeed reads a JSON Feed document (already UTF-8), keeping each
// item's JSON object as its raw report.
func parseJSONFeed(doc []byte, opt Options, res *Result) (*Result, error) {
	res.Format = "json"
	f, err := parseFeed(gofeed.NewParser(), doc)
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w: %s", opt.Origin, ErrNotFeed, ShortErr(err))
	}
	res.Title, res.Language = extract.PlainText(f.Title), cleanLang(f.Language)
	var rawDoc struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(doc, &rawDoc); err != nil || len(rawDoc.Items) != len(f.Items) {
		rawDoc.Items = nil
	}
	d := newDedup()
	for i, it := range f.Items {
		res.Items++
		if it == nil {
			continue
		}
		var raw []byte
		if rawDoc.Items != nil {
			raw = rawDoc.Items[i]
		} else if raw, err = json.Marshal(it); err != nil {
			res.Problems = append(res.Problems, Problem{Item: i + 1, Reason: "cannot keep item: " + err.Error()})
			continue
		}
		a, probs := article(it, raw, i+1, 0, res.Language, opt)
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
