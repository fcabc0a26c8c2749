// Package feeds holds what both backends do alike for feeds and
// articles, apart from their SQL: the checks a feed passes before it is
// stored, the raw chunk that a batch of articles is written as, and the
// reading of the rows that store.PlanArticles and UnknownRefs ask for.
// Each backend runs its own statements and hands the rows here.
package feeds

import (
	"fmt"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// Rows is what both drivers' result sets have (pgx.Rows, *sql.Rows).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Check checks what both backends require of a feed before storing it.
func Check(f store.Feed) error {
	if f.Name == "" || f.URL == "" {
		return fmt.Errorf("feed %q: empty name or URL", f.Name)
	}
	if f.Interval < time.Second {
		return fmt.Errorf("feed %s: interval %v is under a second", f.Name, f.Interval)
	}
	if err := (model.Record{Report: model.Report{Source: f.Name, Origin: f.URL}}).CheckText(); err != nil {
		return fmt.Errorf("feed %q: %w", plan.CleanText(f.Name), err)
	}
	return nil
}

// Chunk concatenates the articles' raw reports into the one raw chunk
// they are stored in, and returns each one's offset in it.
func Chunk(arts []model.Article) ([]byte, []int64) {
	n := 0
	for i := range arts {
		n += len(arts[i].Report.Raw)
	}
	raw := make([]byte, 0, n)
	offsets := make([]int64, len(arts))
	for i := range arts {
		offsets[i] = int64(len(raw))
		raw = append(raw, arts[i].Report.Raw...)
	}
	return raw, offsets
}

// ReportRefs reads rows of (report id, is current, article content hash)
// into what store.ArticleLookup.ReportRefs returns.
func ReportRefs(rows Rows) (ids []string, current, hash string, err error) {
	for rows.Next() {
		var id, h string
		var cur bool
		if err := rows.Scan(&id, &cur, &h); err != nil {
			return nil, "", "", err
		}
		ids = append(ids, id)
		if cur {
			current, hash = id, h
		}
	}
	return ids, current, hash, rows.Err()
}

// Strings reads rows of one text column.
func Strings(rows Rows) ([]string, error) {
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Unknown returns those of refs that are not in known, in the order of
// refs.
func Unknown(refs, known []string) []string {
	seen := make(map[string]bool, len(known))
	for _, k := range known {
		seen[k] = true
	}
	var out []string
	for _, r := range refs {
		if !seen[r] {
			out = append(out, r)
		}
	}
	return out
}
