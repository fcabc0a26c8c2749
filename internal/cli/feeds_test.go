package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/shareddata"
	"github.com/vigil-project/vigil/internal/store"
)

func TestIngestFiles(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := vigil(t, db, "ingest", "testdata/news")
			if err != nil {
				t.Fatalf("ingest: %v\n%s", err, stderr)
			}
			// broken.rss: 2 of 3 items; list.json: 2 of 4, one of them with
			// the URL of an item of broken.rss; pages: 2 (notes.md is not
			// read in a directory).
			if !strings.Contains(out, "4 files: 5 new articles, 0 updated, 1 duplicates") {
				t.Errorf("ingest output: got\n%s\nwant 4 files, 5 new articles and 1 duplicate", out)
			}
			for _, want := range []string{"broken.rss: item 2 (line 4): unreadable item", "list.json: item 2 (line 3): not an article object"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr: got\n%s\nwant it to contain %q", stderr, want)
				}
			}
			out = mustVigil(t, db, "ingest", "--format", "json", "testdata/news")
			var res []fileResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("ingest --format json: %v\n%s", err, out)
			}
			dups := 0
			for _, r := range res {
				dups += r.Counts.Duplicate
				if r.Counts.New != 0 {
					t.Errorf("second ingest of %s: got %d new, want 0", r.File, r.Counts.New)
				}
			}
			if len(res) != 4 || dups != 6 {
				t.Errorf("second ingest: got %d files, %d duplicates, want 4 and 6 (all)", len(res), dups)
			}
			var st store.Stats
			if err := json.Unmarshal([]byte(mustVigil(t, db, "stats", "--format", "json")), &st); err != nil {
				t.Fatal(err)
			}
			// The Kerman page makes one claim (an "extract" report); the
			// other articles report no dated incident.
			if st.Reports != 6 || st.Claims != 1 || st.ReportsBySource["extract"] != 1 || st.ReportsBySource["pages"] != 2 || st.ReportsBySource["broken"] != 2 ||
				st.RejectedBySource["broken"] != 2 || st.RejectedBySource["list"] != 2 {
				t.Errorf("stats: got %+v, want 6 reports (pages 2, broken 2, extract 1), 1 claim, 2 rejections each of broken and list", st)
			}
			// A file named on the command line is read whatever its name.
			if out := mustVigil(t, db, "ingest", "testdata/news/pages/notes.md"); !strings.Contains(out, "1 files: 1 new articles") {
				t.Errorf("ingest of a note named on the command line: got\n%s\nwant it read as text", out)
			}
		})
	}
}

func TestIngestErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	if _, _, err := vigil(t, db, "ingest"); ExitCode(err) != 2 {
		t.Errorf("ingest without files: got %v, want a usage error", err)
	}
	if _, _, err := vigil(t, db, "ingest", "testdata/news/nope.xml"); err == nil || !strings.Contains(err.Error(), "nope.xml") {
		t.Errorf("ingest of a missing file: got %v, want an error naming it", err)
	}
	_, stderr, err := vigil(t, db, "ingest", "testdata/acled_bad.csv")
	if err == nil || !strings.Contains(stderr, "acled_bad.csv") {
		t.Errorf("ingest of a CSV file: got %v, stderr %q, want it refused by name", err, stderr)
	}
}

// feedSite serves a feed with conditional GET.
func feedSite(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rss" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"1"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Site</title>`)
		for i := range 3 {
			fmt.Fprintf(w, `<item><title>Story %d</title><link>https://site.example/%d</link><description>Text %d.</description></item>`, i, i, i)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFeedsCommands(t *testing.T) {
	srv := feedSite(t)
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mustVigil(t, db, "feeds", "add", srv.URL+"/rss", "--name", "site", "--every", "30m", "--allow-private")
			mustVigil(t, db, "feeds", "add", srv.URL+"/rss?blocked", "--name", "blocked")
			if _, _, err := vigil(t, db, "feeds", "add", srv.URL+"/rss", "--name", "again", "--allow-private"); err == nil ||
				!strings.Contains(err.Error(), "exists already") {
				t.Errorf("adding the same URL twice: got %v, want 'exists already'", err)
			}
			if _, _, err := vigil(t, db, "feeds", "add", "ftp://x.example/rss"); ExitCode(err) != 2 {
				t.Errorf("adding an ftp URL: got %v, want a usage error", err)
			}
			if out := mustVigil(t, db, "feeds", "list"); !strings.Contains(out, "never polled") || !strings.Contains(out, "site") {
				t.Errorf("list before polling: got\n%s", out)
			}

			out, _, err := vigil(t, db, "feeds", "poll")
			if err == nil || !strings.Contains(err.Error(), "1 of 2 feeds failed") {
				t.Errorf("poll with a blocked feed: got %v, want 1 of 2 failed", err)
			}
			if !strings.Contains(out, "2 feeds polled: 3 new articles") {
				t.Errorf("first poll: got\n%s\nwant 3 new articles", out)
			}
			list := mustVigil(t, db, "feeds", "list")
			if !strings.Contains(list, "blocked: last error:") || !strings.Contains(list, "address not allowed") {
				t.Errorf("list after polling: got\n%s\nwant the blocked feed's error", list)
			}
			var feeds []store.Feed
			if err := json.Unmarshal([]byte(mustVigil(t, db, "feeds", "list", "--format", "json")), &feeds); err != nil {
				t.Fatal(err)
			}
			if len(feeds) != 2 || feeds[1].Name != "site" || feeds[1].ItemsSeen != 3 || feeds[1].ETag != `"1"` || feeds[0].Failures != 1 {
				t.Errorf("list --format json: got %+v", feeds)
			}

			mustVigil(t, db, "feeds", "rm", "blocked")
			if out := mustVigil(t, db, "feeds", "poll"); !strings.Contains(out, "no feed due") {
				t.Errorf("poll before the feed is due: got\n%s", out)
			}
			if out := mustVigil(t, db, "feeds", "poll", "--all"); !strings.Contains(out, "not modified") {
				t.Errorf("poll --all of an unchanged feed: got\n%s\nwant not modified", out)
			}
			if _, _, err := vigil(t, db, "feeds", "rm", "blocked"); err == nil {
				t.Errorf("removing a removed feed: got no error")
			}
			if _, _, err := vigil(t, db, "feeds", "frobnicate"); ExitCode(err) != 2 {
				t.Errorf("unknown subcommand: got %v, want a usage error", err)
			}
		})
	}
}

// TestIngestSharedFeeds ingests the whole shared feeds directory: every
// feed is stored, only the two files that are no feed at all fail, and
// a second ingest stores nothing new.
func TestIngestSharedFeeds(t *testing.T) {
	dir := shareddata.Path(t, "feeds")
	db := filepath.Join(t.TempDir(), "vigil.db")
	out, stderr, err := vigil(t, db, "ingest", "--format", "json", dir)
	if err == nil || !strings.Contains(err.Error(), "2 of") {
		t.Errorf("ingest of the shared feeds: got %v, want the 2 files that are not feeds to fail", err)
	}
	var res []fileResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	newArticles := 0
	for _, r := range res {
		newArticles += r.Counts.New
		if r.Error != "" && !strings.Contains(r.File, "empty_feed") && !strings.Contains(r.File, "unknown_feed") {
			t.Errorf("%s: %s", r.File, r.Error)
		}
	}
	// The seven real feeds alone have 223 items (see feed.TestSharedFeeds).
	if newArticles < 223 {
		t.Errorf("got %d new articles, want at least the 223 of the real feeds\n%s", newArticles, stderr)
	}
	out, _, _ = vigil(t, db, "ingest", dir)
	if !strings.Contains(out, " 0 new articles, 0 updated") {
		t.Errorf("second ingest: got\n%s\nwant nothing new", out)
	}
}
