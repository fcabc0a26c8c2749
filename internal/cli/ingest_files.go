package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vigil-project/vigil/internal/audit"
	"github.com/vigil-project/vigil/internal/export"
	"github.com/vigil-project/vigil/internal/ingest"
	"github.com/vigil-project/vigil/internal/source/feed"
	"github.com/vigil-project/vigil/internal/store"
)

// ingestExts are the file names a directory walk reads; a file named on
// the command line is read whatever its name.
var ingestExts = []string{".xml", ".rss", ".atom", ".rdf", ".json", ".feed", ".html", ".htm", ".xhtml", ".txt", ".text"}

// maxIngestFile is the largest file ingest reads.
const maxIngestFile = 64 << 20

// fileResult is what ingest did with one file.
type fileResult struct {
	File     string              `json:"file"`
	Source   string              `json:"source"`
	Format   string              `json:"format,omitempty"`
	Items    int                 `json:"items"`
	Counts   store.ArticleCounts `json:"counts"`
	Problems []feed.Problem      `json:"problems,omitempty"`
	// Claims counts the claims read out of the file's articles that were
	// new or changed (see extractArticles).
	Claims int    `json:"claims"`
	Error  string `json:"error,omitempty"`
}

func runIngest(ctx context.Context, env Env, args []string) error {
	var cfg Config
	fset := newFlags(env, "ingest", "FILE|DIR...", &cfg, true, export.Table)
	srcName := fset.String("source", "", "source name of the articles (default: a feed or list file's name; a page or text file's directory name)")
	noExtract := fset.Bool("no-extract", false, "store the articles without reading claims out of them (and without fusing)")
	pos, err := parse(fset, args, env, &cfg)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("usage: vigil ingest [--source NAME] FILE|DIR...")
	}
	if err := tableOrJSON("ingest", cfg); err != nil {
		return err
	}
	var files []string
	for _, p := range pos {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && slices.Contains(ingestExts, strings.ToLower(filepath.Ext(path))) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("ingest %s: %w", p, err)
		}
	}
	st, err := openFeedStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()

	results := make([]fileResult, 0, len(files))
	failed := 0
	for _, file := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := ingestFile(ctx, env, st, file, *srcName, !*noExtract)
		if r.Error != "" {
			failed++
			fmt.Fprintf(env.Stderr, "%s: %s\n", file, r.Error)
		}
		for _, p := range r.Problems {
			fmt.Fprintf(env.Stderr, "%s: %s\n", file, p)
		}
		results = append(results, r)
		if r.Counts.New+r.Counts.Updated+r.Claims > 0 {
			if err := record(ctx, env, st, audit.Ingest, file, map[string]any{"source": r.Source, "items": r.Items,
				"new": r.Counts.New, "updated": r.Counts.Updated, "duplicate": r.Counts.Duplicate, "claims": r.Claims}); err != nil {
				return err
			}
		}
	}
	// The claims read out of the articles go through fusion like any
	// other: they join incidents or make new ones.
	if b, ok := st.(backend); ok && !*noExtract {
		if err := fuseAfterImport(ctx, env, b, cfg.Format); err != nil {
			return err
		}
	}
	if cfg.Format == export.JSON {
		if err := writeJSON(env.Stdout, results); err != nil {
			return err
		}
	} else {
		writeIngestResults(env.Stdout, results)
	}
	if failed > 0 {
		return fmt.Errorf("ingest: %d of %d files could not be read", failed, len(files))
	}
	return nil
}

// ingestFile reads one file and stores its articles; item problems with
// a line become rejections (see 'vigil rejections'), so that they can be
// found again after the terminal is gone.
func ingestFile(ctx context.Context, env Env, st feedStore, file, srcName string, extractClaims bool) fileResult {
	r := fileResult{File: file}
	data, err := readLimited(file)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	ext := strings.ToLower(filepath.Ext(file))
	if srcName == "" {
		srcName = defaultSource(file, ext)
	}
	r.Source = srcName
	now := env.Now()
	res, err := feed.ParseFile(file, data, feed.Options{Source: srcName, Origin: file, Fetched: now})
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Format, r.Items, r.Problems = res.Format, res.Items, res.Problems
	r.Counts.Duplicate = res.Duplicates
	if len(res.Articles) > 0 {
		title := res.Title
		if title == "" {
			title = srcName
		}
		if err := st.AddSource(ctx, feedSource(srcName, title)); err != nil {
			r.Error = err.Error()
			return r
		}
		c, err := st.SaveArticles(ctx, res.Articles, now)
		if err != nil {
			r.Error = err.Error()
			return r
		}
		r.Counts.Add(c)
		// Claims come from new or changed articles only: an unchanged
		// article's claims are stored already.
		if is, ok := st.(ingest.Store); ok && extractClaims && c.New+c.Updated > 0 {
			if r.Claims, err = extractArticles(ctx, is, res.Articles, now); err != nil {
				r.Error = err.Error()
				return r
			}
		}
	}
	var rej []store.Rejection
	for _, p := range res.Problems {
		if p.Line > 0 {
			rej = append(rej, store.Rejection{Source: srcName, File: file, Line: p.Line, Field: p.Field, Reason: p.Reason, At: now})
		}
	}
	if len(rej) > 0 {
		if err := st.SaveRejections(ctx, dedupRejections(rej)); err != nil {
			r.Error = err.Error()
		}
	}
	return r
}

// dedupRejections keeps the first rejection of each line: the store keys
// them by source, file and line.
func dedupRejections(rs []store.Rejection) []store.Rejection {
	seen := map[int]bool{}
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.Line] {
			seen[r.Line] = true
			out = append(out, r)
		}
	}
	return out
}

// defaultSource names the source of a file's articles: a feed or list
// is its own source (its file name); pages and text files are articles
// of the source their directory is named after.
func defaultSource(file, ext string) string {
	base := filepath.Base(file)
	switch ext {
	case ".html", ".htm", ".xhtml", ".txt", ".text":
		if abs, err := filepath.Abs(file); err == nil {
			base = filepath.Base(filepath.Dir(abs))
		}
	default:
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	base = strings.ToLower(strings.Join(strings.Fields(base), "-"))
	if base == "" || base == "." || base == "/" {
		return "files"
	}
	return base
}

// readLimited reads a file of at most maxIngestFile bytes.
func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxIngestFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxIngestFile {
		return nil, errors.New("file is over the 64 MiB limit")
	}
	return data, nil
}

func writeIngestResults(w io.Writer, results []fileResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSOURCE\tFORMAT\tITEMS\tNEW\tUPDATED\tDUPLICATE\tCLAIMS\tPROBLEMS")
	var total store.ArticleCounts
	claims := 0
	for _, r := range results {
		claims += r.Claims
		format := r.Format
		if r.Error != "" {
			format = "error"
		}
		total.Add(r.Counts)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", r.File, r.Source, format, r.Items, r.Counts.New, r.Counts.Updated, r.Counts.Duplicate, r.Claims, len(r.Problems))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d files: %d new articles, %d updated, %d duplicates; %d new claims read out of them\n", len(results), total.New, total.Updated, total.Duplicate, claims)
}
