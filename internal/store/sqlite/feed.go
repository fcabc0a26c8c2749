package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/feeds"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// AddSource stores a source unless one of that name is stored, which is
// kept as it is: an analyst may have set its reliability, and a feed
// polled again must not reset it (EnsureSource would).
func (s *Store) AddSource(ctx context.Context, src model.Source) error {
	if src.Name == "" || plan.CleanText(src.Name) != src.Name {
		return fmt.Errorf("add source %q: empty or invalid name", plan.CleanText(src.Name))
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO sources (name, kind, title, reliability) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, src.Name, plan.CleanText(string(src.Kind)), plan.CleanText(src.Title), src.Reliability)
	if err != nil {
		return fmt.Errorf("add source %s: %w", src.Name, err)
	}
	return nil
}

// Source returns a stored source, or an error wrapping store.ErrNotFound.
func (s *Store) Source(ctx context.Context, name string) (model.Source, error) {
	var src model.Source
	var kind string
	err := s.read.QueryRowContext(ctx, `SELECT name, kind, title, reliability FROM sources WHERE name = ?`, name).
		Scan(&src.Name, &kind, &src.Title, &src.Reliability)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Source{}, notFound("source", name)
	}
	if err != nil {
		return model.Source{}, fmt.Errorf("source %s: %w", name, err)
	}
	src.Kind = model.SourceKind(kind)
	return src, nil
}

// feedColumns are the columns scanFeed reads, in order.
const feedColumns = `name, url, interval_s, allow_private, etag, last_modified, added, last_poll, last_success,
	last_error, problems, items_seen, failures, next_poll`

// AddFeed subscribes to a feed. A feed of the same name or URL is an
// error wrapping store.ErrExists.
func (s *Store) AddFeed(ctx context.Context, f store.Feed) error {
	if err := feeds.Check(f); err != nil {
		return err
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO feeds (`+feedColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		feedValues(f)...)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return fmt.Errorf("add feed %s (%s): %w", f.Name, f.URL, store.ErrExists)
		}
		return fmt.Errorf("add feed %s: %w", f.Name, err)
	}
	return nil
}

func feedValues(f store.Feed) []any {
	return []any{f.Name, f.URL, int64(f.Interval / time.Second), f.AllowPrivate, f.ETag, f.LastModified,
		formatTime(f.Added), timeValue(f.LastPoll), timeValue(f.LastSuccess), plan.CleanText(f.LastError),
		plan.CleanText(f.Problems), f.ItemsSeen, f.Failures, formatTime(f.NextPoll)}
}

// UpdateFeed stores a feed's polling state (validators, status, next
// poll); its URL, interval and added time are kept. An unknown feed is an
// error wrapping store.ErrNotFound.
func (s *Store) UpdateFeed(ctx context.Context, f store.Feed) error {
	res, err := s.write.ExecContext(ctx, `UPDATE feeds SET etag = ?, last_modified = ?, last_poll = ?, last_success = ?,
		last_error = ?, problems = ?, items_seen = ?, failures = ?, next_poll = ? WHERE name = ?`,
		plan.CleanText(f.ETag), plan.CleanText(f.LastModified), timeValue(f.LastPoll), timeValue(f.LastSuccess),
		plan.CleanText(f.LastError), plan.CleanText(f.Problems), f.ItemsSeen, f.Failures, formatTime(f.NextPoll), f.Name)
	if err != nil {
		return fmt.Errorf("update feed %s: %w", f.Name, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return notFound("feed", f.Name)
	}
	return nil
}

// RemoveFeed unsubscribes from a feed; its articles stay. An unknown
// feed is an error wrapping store.ErrNotFound.
func (s *Store) RemoveFeed(ctx context.Context, name string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM feeds WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("remove feed %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return notFound("feed", name)
	}
	return nil
}

// Feed returns a subscribed feed, or an error wrapping store.ErrNotFound.
func (s *Store) Feed(ctx context.Context, name string) (store.Feed, error) {
	f, err := scanFeed(s.read.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Feed{}, notFound("feed", name)
	}
	if err != nil {
		return store.Feed{}, fmt.Errorf("feed %s: %w", name, err)
	}
	return f, nil
}

// Feeds returns the subscribed feeds by name; with a non-zero dueBy, only
// those whose next poll is at or before it, soonest first.
func (s *Store) Feeds(ctx context.Context, dueBy time.Time) ([]store.Feed, error) {
	defer s.op("feeds_due")()
	q := `SELECT ` + feedColumns + ` FROM feeds ORDER BY name`
	var args []any
	if !dueBy.IsZero() {
		q = `SELECT ` + feedColumns + ` FROM feeds WHERE next_poll <= ? ORDER BY next_poll, name`
		args = append(args, formatTime(dueBy))
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	defer rows.Close()
	var out []store.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("feeds: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	return out, nil
}

func scanFeed(row interface{ Scan(...any) error }) (store.Feed, error) {
	var f store.Feed
	var interval int64
	var added, nextPoll string
	var lastPoll, lastSuccess sql.NullString
	if err := row.Scan(&f.Name, &f.URL, &interval, &f.AllowPrivate, &f.ETag, &f.LastModified, &added, &lastPoll,
		&lastSuccess, &f.LastError, &f.Problems, &f.ItemsSeen, &f.Failures, &nextPoll); err != nil {
		return store.Feed{}, err
	}
	f.Interval = time.Duration(interval) * time.Second
	var err error
	for _, t := range []struct {
		dst *time.Time
		src sql.NullString
	}{{&f.Added, sql.NullString{String: added, Valid: true}}, {&f.LastPoll, lastPoll}, {&f.LastSuccess, lastSuccess},
		{&f.NextPoll, sql.NullString{String: nextPoll, Valid: true}}} {
		if *t.dst, err = parseTime(t.src); err != nil {
			return store.Feed{}, err
		}
	}
	return f, nil
}

// articleLookup reads for store.PlanArticles inside a write transaction.
type articleLookup struct{ tx *sql.Tx }

// ReportRefs implements store.ArticleLookup.
func (l articleLookup) ReportRefs(ctx context.Context, source, ref string) (ids []string, current, hash string, err error) {
	rows, err := l.tx.QueryContext(ctx, `SELECT r.id, r.superseded_by IS NULL, coalesce(a.content_hash, '')
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id WHERE r.source = ? AND r.source_ref = ?`, source, ref)
	if err != nil {
		return nil, "", "", err
	}
	defer rows.Close()
	return feeds.ReportRefs(rows)
}

// ArticleExists implements store.ArticleLookup.
func (l articleLookup) ArticleExists(ctx context.Context, source, hash, url string) (bool, error) {
	var n int
	err := l.tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM articles WHERE source = ? AND content_hash = ?
		UNION ALL SELECT 1 FROM articles WHERE url <> '' AND url = ? LIMIT 1)`, source, hash, url).Scan(&n)
	return n > 0, err
}

// articlesTable is the article rows SaveArticles inserts.
var articlesTable = table{"articles", []string{"report_id", "source", "url", "language", "title", "text", "content_hash"}}

// SaveArticles stores articles as reports without claims (extraction
// makes their claims later), following the rules of store.ArticleCounts,
// in one transaction: on any error nothing is stored. The articles'
// sources must be stored (EnsureSource).
func (s *Store) SaveArticles(ctx context.Context, arts []model.Article, at time.Time) (store.ArticleCounts, error) {
	defer s.op("articles_save")()
	if len(arts) == 0 {
		return store.ArticleCounts{}, nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.ArticleCounts{}, fmt.Errorf("save articles: begin: %w", err)
	}
	defer tx.Rollback()
	p, err := store.PlanArticles(ctx, articleLookup{tx}, arts, at)
	if err != nil {
		return store.ArticleCounts{}, fmt.Errorf("save articles: %w", err)
	}
	if len(p.New) > 0 {
		if err := s.writeArticles(ctx, tx, p); err != nil {
			return store.ArticleCounts{}, fmt.Errorf("save articles: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return store.ArticleCounts{}, fmt.Errorf("save articles: commit: %w", err)
	}
	return p.Counts, nil
}

// writeArticles writes a plan: the raw chunk, reports, articles, and the
// superseded marks.
func (s *Store) writeArticles(ctx context.Context, tx *sql.Tx, p store.ArticlePlan) error {
	raw, offsets := feeds.Chunk(p.New)
	codec, data, err := plan.EncodeChunk(raw)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO raw_chunks (codec, data) VALUES (?, ?)`, codec, data)
	if err != nil {
		return fmt.Errorf("insert raw chunk: %w", err)
	}
	chunk, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert raw chunk: %w", err)
	}
	if err := s.insert(ctx, tx, reportsTable, len(p.New), func(i int, a []any) []any {
		r := &p.New[i].Report
		return append(a, r.ID, r.Source, r.SourceRef, r.Revision, r.Hash, chunk, offsets[i], len(r.Raw),
			r.Origin, formatTime(r.Fetched), publishedValue(r.Published), nil)
	}); err != nil {
		return err
	}
	if err := s.insert(ctx, tx, articlesTable, len(p.New), func(i int, a []any) []any {
		x := &p.New[i]
		return append(a, x.Report.ID, x.Report.Source, x.URL, x.Language, x.Title, x.Text, x.ContentHash)
	}); err != nil {
		return err
	}
	for _, sup := range p.Supersede {
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET superseded_by = ? WHERE id = ?`, sup.By, sup.ID); err != nil {
			return fmt.Errorf("supersede report %s: %w", sup.ID, err)
		}
	}
	return nil
}

// Article returns a stored article with its report (raw bytes
// included), or an error wrapping store.ErrNotFound.
func (s *Store) Article(ctx context.Context, reportID string) (model.Article, error) {
	var a model.Article
	err := s.read.QueryRowContext(ctx, `SELECT url, language, title, text, content_hash FROM articles WHERE report_id = ?`, reportID).
		Scan(&a.URL, &a.Language, &a.Title, &a.Text, &a.ContentHash)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Article{}, notFound("article", reportID)
	}
	if err != nil {
		return model.Article{}, fmt.Errorf("article %s: %w", reportID, err)
	}
	if a.Report, err = s.Report(ctx, reportID); err != nil {
		return model.Article{}, fmt.Errorf("article: %w", err)
	}
	return a, nil
}

// ArticleIDs returns the ids of a source's current (not superseded)
// article reports in id order; all sources' when source is "".
func (s *Store) ArticleIDs(ctx context.Context, source string) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT a.report_id FROM articles a JOIN reports r ON r.id = a.report_id
		WHERE r.superseded_by IS NULL AND (? = '' OR a.source = ?) ORDER BY a.report_id`, source, source)
	if err != nil {
		return nil, fmt.Errorf("article ids: %w", err)
	}
	defer rows.Close()
	ids, err := feeds.Strings(rows)
	if err != nil {
		return nil, fmt.Errorf("article ids: %w", err)
	}
	return ids, nil
}

// UnknownRefs returns those of a source's references that no stored
// report has, in the order given.
func (s *Store) UnknownRefs(ctx context.Context, source string, refs []string) ([]string, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(refs)
	if err != nil {
		return nil, fmt.Errorf("unknown refs: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT source_ref FROM reports
		WHERE source = ? AND source_ref IN (SELECT value FROM json_each(?))`, source, string(list))
	if err != nil {
		return nil, fmt.Errorf("unknown refs: %w", err)
	}
	defer rows.Close()
	known, err := feeds.Strings(rows)
	if err != nil {
		return nil, fmt.Errorf("unknown refs: %w", err)
	}
	return feeds.Unknown(refs, known), nil
}
