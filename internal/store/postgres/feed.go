package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	_, err := s.pool.Exec(ctx, `INSERT INTO sources (name, kind, title, reliability) VALUES ($1, $2, $3, $4)
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
	err := s.pool.QueryRow(ctx, `SELECT name, kind, title, reliability FROM sources WHERE name = $1`, name).
		Scan(&src.Name, &kind, &src.Title, &src.Reliability)
	if errors.Is(err, pgx.ErrNoRows) {
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
	_, err := s.pool.Exec(ctx, `INSERT INTO feeds (`+feedColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		f.Name, f.URL, int64(f.Interval/time.Second), f.AllowPrivate, f.ETag, f.LastModified, f.Added,
		timeValue(f.LastPoll), timeValue(f.LastSuccess), plan.CleanText(f.LastError), plan.CleanText(f.Problems),
		f.ItemsSeen, f.Failures, f.NextPoll)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return fmt.Errorf("add feed %s (%s): %w", f.Name, f.URL, store.ErrExists)
		}
		return fmt.Errorf("add feed %s: %w", f.Name, err)
	}
	return nil
}

// UpdateFeed stores a feed's polling state (validators, status, next
// poll); its URL, interval and added time are kept. An unknown feed is an
// error wrapping store.ErrNotFound.
func (s *Store) UpdateFeed(ctx context.Context, f store.Feed) error {
	tag, err := s.pool.Exec(ctx, `UPDATE feeds SET etag = $1, last_modified = $2, last_poll = $3, last_success = $4,
		last_error = $5, problems = $6, items_seen = $7, failures = $8, next_poll = $9 WHERE name = $10`,
		plan.CleanText(f.ETag), plan.CleanText(f.LastModified), timeValue(f.LastPoll), timeValue(f.LastSuccess),
		plan.CleanText(f.LastError), plan.CleanText(f.Problems), f.ItemsSeen, f.Failures, f.NextPoll, f.Name)
	if err != nil {
		return fmt.Errorf("update feed %s: %w", f.Name, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("feed", f.Name)
	}
	return nil
}

// RemoveFeed unsubscribes from a feed; its articles stay. An unknown
// feed is an error wrapping store.ErrNotFound.
func (s *Store) RemoveFeed(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM feeds WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("remove feed %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("feed", name)
	}
	return nil
}

// Feed returns a subscribed feed, or an error wrapping store.ErrNotFound.
func (s *Store) Feed(ctx context.Context, name string) (store.Feed, error) {
	f, err := scanFeed(s.pool.QueryRow(ctx, `SELECT `+feedColumns+` FROM feeds WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
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
		q = `SELECT ` + feedColumns + ` FROM feeds WHERE next_poll <= $1 ORDER BY next_poll, name`
		args = append(args, dueBy)
	}
	rows, err := s.pool.Query(ctx, q, args...)
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

func scanFeed(row pgx.Row) (store.Feed, error) {
	var f store.Feed
	var interval int64
	var added, nextPoll time.Time
	var lastPoll, lastSuccess *time.Time
	if err := row.Scan(&f.Name, &f.URL, &interval, &f.AllowPrivate, &f.ETag, &f.LastModified, &added, &lastPoll,
		&lastSuccess, &f.LastError, &f.Problems, &f.ItemsSeen, &f.Failures, &nextPoll); err != nil {
		return store.Feed{}, err
	}
	f.Interval = time.Duration(interval) * time.Second
	f.Added, f.NextPoll = added.UTC(), nextPoll.UTC()
	f.LastPoll, f.LastSuccess = parseTime(lastPoll), parseTime(lastSuccess)
	return f, nil
}

// articleLookup reads for store.PlanArticles inside a write transaction.
type articleLookup struct{ tx pgx.Tx }

// ReportRefs implements store.ArticleLookup.
func (l articleLookup) ReportRefs(ctx context.Context, source, ref string) (ids []string, current, hash string, err error) {
	rows, err := l.tx.Query(ctx, `SELECT r.id, r.superseded_by IS NULL, coalesce(a.content_hash, '')
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id WHERE r.source = $1 AND r.source_ref = $2`, source, ref)
	if err != nil {
		return nil, "", "", err
	}
	defer rows.Close()
	return feeds.ReportRefs(rows)
}

// ArticleExists implements store.ArticleLookup.
func (l articleLookup) ArticleExists(ctx context.Context, source, hash, url string) (bool, error) {
	var ok bool
	err := l.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM articles WHERE source = $1 AND content_hash = $2)
		OR EXISTS (SELECT 1 FROM articles WHERE url <> '' AND url = $3)`, source, hash, url).Scan(&ok)
	return ok, err
}

// articlesTable is the article rows SaveArticles copies in.
var articlesTable = table{"articles", []string{"report_id", "source", "url", "language", "title", "text", "content_hash"}}

// SaveArticles stores articles as reports without claims (extraction
// makes their claims later), following the rules of store.ArticleCounts,
// in one transaction: on any error nothing is stored. The articles'
// sources must be stored (EnsureSource). It takes the import lock, so
// that it never plans against a half-written batch.
func (s *Store) SaveArticles(ctx context.Context, arts []model.Article, at time.Time) (store.ArticleCounts, error) {
	defer s.op("articles_save")()
	if len(arts) == 0 {
		return store.ArticleCounts{}, nil
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return store.ArticleCounts{}, fmt.Errorf("save articles: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, importLock); err != nil {
		return store.ArticleCounts{}, fmt.Errorf("save articles: lock: %w", err)
	}
	p, err := store.PlanArticles(ctx, articleLookup{tx}, arts, at)
	if err != nil {
		return store.ArticleCounts{}, fmt.Errorf("save articles: %w", err)
	}
	if len(p.New) > 0 {
		if err := writeArticles(ctx, tx, p); err != nil {
			return store.ArticleCounts{}, fmt.Errorf("save articles: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return store.ArticleCounts{}, fmt.Errorf("save articles: commit: %w", err)
	}
	return p.Counts, nil
}

// writeArticles writes a plan: the raw chunk, reports, articles, and the
// superseded marks.
func writeArticles(ctx context.Context, tx pgx.Tx, p store.ArticlePlan) error {
	raw, offsets := feeds.Chunk(p.New)
	codec, data, err := plan.EncodeChunk(raw)
	if err != nil {
		return err
	}
	var chunk int64
	if err := tx.QueryRow(ctx, `INSERT INTO raw_chunks (codec, data) VALUES ($1, $2) RETURNING id`, codec, data).Scan(&chunk); err != nil {
		return fmt.Errorf("insert raw chunk: %w", err)
	}
	if err := insert(ctx, tx, reportsTable, len(p.New), func(i int) []any {
		r := &p.New[i].Report
		return []any{r.ID, r.Source, r.SourceRef, r.Revision, r.Hash, chunk, offsets[i], int64(len(r.Raw)),
			r.Origin, r.Fetched, publishedValue(r.Published), nil}
	}); err != nil {
		return err
	}
	if err := insert(ctx, tx, articlesTable, len(p.New), func(i int) []any {
		x := &p.New[i]
		return []any{x.Report.ID, x.Report.Source, x.URL, x.Language, x.Title, x.Text, x.ContentHash}
	}); err != nil {
		return err
	}
	for _, sup := range p.Supersede {
		if _, err := tx.Exec(ctx, `UPDATE reports SET superseded_by = $1 WHERE id = $2`, sup.By, sup.ID); err != nil {
			return fmt.Errorf("supersede report %s: %w", sup.ID, err)
		}
	}
	return nil
}

// Article returns a stored article with its report (raw bytes
// included), or an error wrapping store.ErrNotFound.
func (s *Store) Article(ctx context.Context, reportID string) (model.Article, error) {
	var a model.Article
	err := s.pool.QueryRow(ctx, `SELECT url, language, title, text, content_hash FROM articles WHERE report_id = $1`, reportID).
		Scan(&a.URL, &a.Language, &a.Title, &a.Text, &a.ContentHash)
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := s.pool.Query(ctx, `SELECT a.report_id FROM articles a JOIN reports r ON r.id = a.report_id
		WHERE r.superseded_by IS NULL AND ($1 = '' OR a.source = $1) ORDER BY a.report_id`, source)
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
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT source_ref FROM reports WHERE source = $1 AND source_ref = ANY($2)`, source, refs)
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
