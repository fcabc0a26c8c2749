package score

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
)

// LoadBlind reads labels whose texts live in the structured files of
// shared data rather than in news/: "gtd#<eventid>" is a GTD row's summary,
// "acled#<data_id>" an ACLED row's notes, "ucdp#<id>" a UCDP GED row's
// source_article (the headlines of its sources), "guardian#<i>" the i-th item of
// the saved Guardian feed (title, blank line, description as plain text).
// The labels are ours (testdata/blind); the texts stay where they are.
func LoadBlind(sharedDir, goldPath string) ([]Doc, error) {
	golds, err := ReadGold(goldPath)
	if err != nil {
		return nil, err
	}
	texts := map[string]map[string]string{}
	load := func(kind string) (map[string]string, error) {
		if m, ok := texts[kind]; ok {
			return m, nil
		}
		var m map[string]string
		var err error
		switch kind {
		case "gtd":
			m, err = csvColumn(filepath.Join(sharedDir, "gtd", "gtd_0718dist_us_2000-2017.csv"), "eventid", "summary", true)
		case "acled":
			m, err = csvColumn(filepath.Join(sharedDir, "acled", "acled_2020-04-27_to_2020-05-09_outside_middle_east.csv"), "data_id", "notes", false)
		case "ucdp":
			m, err = csvColumn(filepath.Join(sharedDir, "ucdp", "ged191_myanmar_bangladesh.csv"), "id", "source_article", false)
		case "guardian":
			m, err = feedItems(filepath.Join(sharedDir, "feeds", "real-saved", "guardian.rss"))
		default:
			return nil, fmt.Errorf("unknown text set %q (want gtd, acled, ucdp or guardian)", kind)
		}
		if err != nil {
			return nil, err
		}
		texts[kind] = m
		return m, nil
	}
	docs := make([]Doc, 0, len(golds))
	for i, g := range golds {
		kind, id, ok := strings.Cut(g.Doc, "#")
		if !ok {
			return nil, fmt.Errorf("%s:%d: doc %q: want set#id", goldPath, i+1, g.Doc)
		}
		m, err := load(kind)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: doc %q: %w", goldPath, i+1, g.Doc, err)
		}
		text, ok := m[id]
		if !ok {
			return nil, fmt.Errorf("%s:%d: doc %q: no text with id %s", goldPath, i+1, g.Doc, id)
		}
		d := Doc{Gold: g, Text: text}
		if g.Published != "" {
			if d.Published, err = model.ParseDate(g.Published); err != nil {
				return nil, fmt.Errorf("%s:%d: doc %q: published: %w", goldPath, i+1, g.Doc, err)
			}
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// csvColumn maps a CSV file's key column to its text column. GTD's release
// is Windows-1252, so it is decoded before parsing.
func csvColumn(path, key, col string, cp1252 bool) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if cp1252 {
		r = charmap.Windows1252.NewDecoder().Reader(f)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	ki, ci := -1, -1
	for i, h := range head {
		switch strings.TrimPrefix(h, "\ufeff") {
		case key:
			ki = i
		case col:
			ci = i
		}
	}
	if ki < 0 || ci < 0 {
		return nil, fmt.Errorf("%s: header has no %s or %s column", path, key, col)
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if ki < len(rec) && ci < len(rec) {
			out[rec[ki]] = rec[ci]
		}
	}
}

// feedItems maps an RSS file's item positions ("0", "1", …) to title and
// description as plain text.
func feedItems(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rss struct {
		Items []struct {
			Title       string `xml:"title"`
			Description string `xml:"description"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(raw, &rss); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]string, len(rss.Items))
	for i, it := range rss.Items {
		out[strconv.Itoa(i)] = strings.TrimSpace(it.Title) + "\n\n" + extract.PlainText(it.Description)
	}
	return out, nil
}
