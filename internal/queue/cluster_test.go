package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/queue"
	"github.com/vigil-project/vigil/internal/queue/queuetest"
	"github.com/vigil-project/vigil/internal/source/feed"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/postgres"
	"github.com/vigil-project/vigil/internal/testpg"
)

// places of the generated news, one city per country.
var places = []struct{ city, country string }{
	{"Kabul", "AF"}, {"Baghdad", "IQ"}, {"Mogadishu", "SO"}, {"Peshawar", "PK"},
	{"Maiduguri", "NG"}, {"Kerman", "IR"}, {"Damascus", "SY"}, {"Aden", "YE"},
}

var attacks = []string{"a suicide bomber blew himself up near a mosque", "gunmen opened fire on a market",
	"a car bomb exploded outside a police station", "a roadside bomb struck a bus"}

// writeFeeds writes outlets RSS feeds of perOutlet items each about
// incidents (every incident reported by several outlets, so that fusion
// has claims to join) and returns their paths and every article as the
// reader reads it.
func writeFeeds(t testing.TB, dir, host string, outlets, perOutlet int) ([]string, []model.Article) {
	t.Helper()
	var paths []string
	var arts []model.Article
	for o := range outlets {
		var b bytes.Buffer
		fmt.Fprintf(&b, "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Outlet %d</title><link>https://%s%d.example/</link>\n", o, host, o)
		for i := range perOutlet {
			inc := (i + o) % (perOutlet / 2)
			p := places[inc%len(places)]
			day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, inc)
			killed := 3 + inc%17 + o%2
			fmt.Fprintf(&b, "<item><title>%d killed in %s attack</title><link>https://%s%d.example/news/%d</link><guid>%s%d-%d</guid><pubDate>%s</pubDate>"+
				"<description>%s, %s — At least %d people were killed and %d wounded when %s in %s on %s, officials said. (Dispatch %d.)</description></item>\n",
				killed, p.city, host, o, i, host, o, i, day.Add(20*time.Hour).Format(time.RFC1123Z),
				strings.ToUpper(p.city), day.Format("January 2, 2006"), killed, 2*killed, attacks[inc%len(attacks)], p.city, day.Format("January 2, 2006"), i)
		}
		b.WriteString("</channel></rss>\n")
		path := filepath.Join(dir, fmt.Sprintf("%s%d.xml", host, o))
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
		res, err := feed.ParseFile(path, b.Bytes(), feed.Options{Source: host + strconv.Itoa(o), Origin: path, Fetched: time.Now()})
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		arts = append(arts, res.Articles...)
	}
	return paths, arts
}

// writeACLED writes an ACLED export of n rows (events in the places
// above) and returns its path.
func writeACLED(t testing.TB, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,timestamp,iso3\n")
	countries := map[string][3]string{"AF": {"4", "Afghanistan", "AFG"}, "IQ": {"368", "Iraq", "IRQ"}, "SO": {"706", "Somalia", "SOM"},
		"PK": {"586", "Pakistan", "PAK"}, "NG": {"566", "Nigeria", "NGA"}, "IR": {"364", "Iran", "IRN"}, "SY": {"760", "Syria", "SYR"}, "YE": {"887", "Yemen", "YEM"}}
	for i := range n {
		p := places[i%len(places)]
		c := countries[p.country]
		day := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		fmt.Fprintf(&b, "%d,%s,%s%d,%d,%s,%d,1,Explosions/Remote violence,Suicide bomb,Unidentified Armed Group,,3,Civilians,,7,37,Region,%s,%s,%s,,%s,,,1,Agency,National,\"A bombing in %s.\",%d,1690000000,%s\n",
			8000000+i, c[0], c[2], 5000+i, 5000+i, day.Format("02 January 2006"), day.Year(), c[1], p.city, p.city, p.city, p.city, 1+i%9, c[2])
	}
	path := filepath.Join(dir, "acled.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// expectedClaims counts the claims the extractor reads out of articles
// and the articles that have any (one extraction report each).
func expectedClaims(t testing.TB, arts []model.Article) (claims, reports int) {
	t.Helper()
	var x extract.ClaimExtractor
	for _, a := range arts {
		var pub time.Time
		if a.Report.Published != nil {
			pub = *a.Report.Published
		}
		cs, err := x.Extract(context.Background(), a.Title+"\n"+a.Text, a.Language, pub)
		if err != nil {
			t.Fatalf("extract %s: %v", a.Report.SourceRef, err)
		}
		claims += len(cs)
		if len(cs) > 0 {
			reports++
		}
	}
	return claims, reports
}

// newDatabase makes a fresh database on the VIGIL_TEST_POSTGRES server.
func newDatabase(t testing.TB) string {
	t.Helper()
	return testpg.Database(t, "vigil_cluster")
}

// buildVigil builds the vigil binary once per test process.
var (
	vigilOnce sync.Once
	vigilBin  string
	vigilErr  error
)

func buildVigil(t testing.TB) string {
	t.Helper()
	vigilOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-cluster-bin-")
		if err != nil {
			vigilErr = err
			return
		}
		vigilBin = filepath.Join(dir, "vigil")
		out, err := exec.Command("go", "build", "-o", vigilBin, "github.com/vigil-project/vigil/cmd/vigil").CombinedOutput()
		if err != nil {
			vigilErr = fmt.Errorf("go build vigil: %v\n%s", err, out)
		}
	})
	if vigilErr != nil {
		t.Fatal(vigilErr)
	}
	return vigilBin
}

// proc is a vigil process the test may kill.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func startVigil(t testing.TB, bin, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = lockedWriter{p.mu, p.out}
	p.cmd.Stderr = lockedWriter{p.mu, p.out}
	p.cmd.Env = append(os.Environ(), "VIGIL_DB=")
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.out.String()
	if len(s) > 3000 {
		s = s[len(s)-3000:]
	}
	return s
}

// counts is what the store holds, by the test's own queries.
type counts struct {
	articles, extractReports, claims, unfused, duplicateReports, orphanClaims, datasetReports int
}

func readCounts(ctx context.Context, conn *pgx.Conn) (counts, error) {
	var c counts
	err := conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM articles),
		(SELECT count(*) FROM reports WHERE source = 'extract'),
		(SELECT count(*) FROM claims WHERE source = 'extract'),
		(SELECT count(*) FROM claims WHERE NOT fused),
		(SELECT count(*) FROM (SELECT 1 FROM reports GROUP BY source, source_ref HAVING count(*) > 1) d),
		(SELECT count(*) FROM claims c LEFT JOIN incidents i ON i.id = c.incident_id WHERE i.id IS NULL AND c.superseded_by IS NULL),
		(SELECT count(*) FROM reports r JOIN claims c ON c.report_id = r.id WHERE r.source NOT IN ('extract') AND r.id NOT IN (SELECT report_id FROM articles))`).
		Scan(&c.articles, &c.extractReports, &c.claims, &c.unfused, &c.duplicateReports, &c.orphanClaims, &c.datasetReports)
	return c, err
}

// TestClusterSurvivesKills is the distributed mode tested the hard way:
// a three-node JetStream cluster on loopback, PostgreSQL, two `vigil
// worker` processes, files submitted as extract work and a feed that
// `vigil serve --nats` has the workers poll. Mid-run one worker and one
// NATS server are killed with SIGKILL (and a fresh worker started, as an
// orchestrator would). At the end every article is stored once, every
// claim the extractor reads is stored once and fused, nothing is in the
// dead letters. VIGIL_CLUSTER_ARTICLES sets the articles per outlet
// (default 40; `make soak` runs more), VIGIL_CLUSTER_ROUNDS how many
// kill rounds (default 1).
func TestClusterSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vigil and nats-server, runs a cluster")
	}
	db := newDatabase(t)
	perOutlet := envInt("VIGIL_CLUSTER_ARTICLES", 40)
	rounds := envInt("VIGIL_CLUSTER_ROUNDS", 1)
	const outlets = 4
	bin := buildVigil(t)
	cluster := queuetest.Start(t, 3)
	dir := t.TempDir()
	paths, arts := writeFeeds(t, dir, "outlet", outlets, perOutlet)

	// A live feed on loopback, polled through serve --nats and the
	// workers' fetch.
	var feedBody bytes.Buffer
	feedPaths, feedArts := writeFeeds(t, t.TempDir(), "live", 1, 20)
	data, _ := os.ReadFile(feedPaths[0])
	feedBody.Write(data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(feedBody.Bytes())
	}))
	defer srv.Close()
	// The feed's articles are read under the feed's name as source.
	for i := range feedArts {
		feedArts[i].Report.Source = "live"
	}
	wantClaims, wantReports := expectedClaims(t, append(append([]model.Article{}, arts...), feedArts...))
	wantArticles := len(arts) + len(feedArts)
	if wantClaims < wantArticles/2 {
		t.Fatalf("the generated news gives %d claims for %d articles: the fixture no longer reads as incidents", wantClaims, wantArticles)
	}

	ctx := context.Background()
	st, err := postgres.Open(ctx, db) // migrates once, before the workers
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	now := time.Now()
	if err := st.AddFeed(ctx, store.Feed{Name: "live", URL: srv.URL + "/feed.xml", Interval: time.Hour, AllowPrivate: true, Added: now, NextPoll: now}); err != nil {
		t.Fatalf("add feed: %v", err)
	}
	st.Close()

	urls := cluster.URLs()
	qargs := []string{"--nats", urls, "--replicas", "3", "--backoff", "2s,3s,5s", "--max-deliver", "6", "--partitions", "8"}
	worker := func(name string) *proc {
		return startVigil(t, bin, name, append([]string{"worker", "--db", db, "--concurrency", "2"}, qargs...)...)
	}
	w1, w2 := worker("worker1"), worker("worker2")
	sub := exec.Command(bin, append(append([]string{"worker", "submit", "--chunk", "5"}, qargs...), paths...)...)
	if out, err := sub.CombinedOutput(); err != nil {
		t.Fatalf("worker submit: %v\n%s", err, out)
	}
	// A dataset file too, in import messages.
	const acledRows = 60
	sub = exec.Command(bin, append(append([]string{"worker", "submit", "--kind", "acled", "--chunk", "10"}, qargs...), writeACLED(t, dir, acledRows))...)
	if out, err := sub.CombinedOutput(); err != nil {
		t.Fatalf("worker submit --kind acled: %v\n%s", err, out)
	}
	serve := startVigil(t, bin, "serve", "serve", "--public", "--db", db, "--addr", "127.0.0.1:0", "--nats", urls)

	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	fail := func(format string, a ...any) {
		t.Helper()
		var logs strings.Builder
		for _, p := range []*proc{w1, w2, serve} {
			fmt.Fprintf(&logs, "\n--- %s:\n%s", p.name, p.output())
		}
		t.Fatalf(format+"%s", append(a, logs.String())...)
	}

	// Kill rounds: once a share of the articles is in, kill a worker and
	// a NATS server, start a new worker; the server comes back before the
	// next round (a cluster of three survives one loss at a time).
	// Time limits grow with the work: the shared 2-core machine runs
	// about 10 articles a second through the whole replicated pipeline.
	limit := 60*time.Second + time.Duration(wantArticles)*300*time.Millisecond
	start := time.Now()
	killedNode := -1
	for r := range rounds {
		target := wantArticles * (r + 1) / (rounds + 2)
		for {
			c, err := readCounts(ctx, conn)
			if err == nil && c.articles >= target {
				break
			}
			if time.Since(start) > limit {
				fail("round %d: %d articles of %d after %v", r, c.articles, wantArticles, limit)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if killedNode >= 0 {
			if err := cluster.Nodes[killedNode].Restart(); err != nil {
				t.Fatalf("restart nats node: %v", err)
			}
			// One loss at a time: the restarted server answers and
			// catches up before another goes.
			cluster.WaitReady(30 * time.Second)
			time.Sleep(2 * time.Second)
		}
		w1.kill()
		killedNode = r % 3
		cluster.Nodes[killedNode].Kill()
		t.Logf("round %d: killed worker1 and nats node %s at %d articles (%.1fs)", r, cluster.Nodes[killedNode].Name, target, time.Since(start).Seconds())
		w1 = worker(fmt.Sprintf("worker1-round%d", r+1))
	}

	// The end: everything stored, fused, and nothing left in the queue.
	qc, err := queue.Connect(ctx, queue.Config{URL: urls, Partitions: 8})
	if err != nil {
		t.Fatalf("connect queue: %v", err)
	}
	defer qc.Close()
	deadline := time.Now().Add(limit)
	var c counts
	var b queue.Backlog
	for {
		c, err = readCounts(ctx, conn)
		if err == nil {
			b, err = qc.Backlog(ctx)
		}
		if err == nil && c.articles == wantArticles && c.claims == wantClaims && c.datasetReports == acledRows && c.unfused == 0 && b.Empty() {
			break
		}
		if time.Now().After(deadline) {
			fail("not done in time: %+v, backlog %+v (err %v); want %d articles, %d claims, %d ACLED rows, 0 unfused", c, b, err, wantArticles, wantClaims, acledRows)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("done in %.1fs: %d articles, %d claims in %d reports, %d ACLED rows, all fused", time.Since(start).Seconds(), c.articles, c.claims, c.extractReports, c.datasetReports)
	if c.extractReports != wantReports {
		t.Errorf("extraction reports = %d, want %d (one per article with claims)", c.extractReports, wantReports)
	}
	if c.duplicateReports != 0 {
		t.Errorf("%d reports stored twice (same source and reference), want none", c.duplicateReports)
	}
	if c.orphanClaims != 0 {
		t.Errorf("%d claims point at no incident, want none", c.orphanClaims)
	}
	if b.Dead != 0 {
		dead, _ := qc.DeadLetters(ctx, 5)
		t.Errorf("%d dead letters, want none: %+v", b.Dead, dead)
	}
	// Fusion joined the outlets' reports of the same incident.
	var incidents int
	if err := conn.QueryRow(ctx, `SELECT count(DISTINCT incident_id) FROM claims WHERE source = 'extract' AND superseded_by IS NULL`).Scan(&incidents); err != nil {
		t.Fatal(err)
	}
	if incidents >= wantClaims {
		t.Errorf("%d claims in %d incidents: fusion joined none", wantClaims, incidents)
	}
	var versionless int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM incident_versions v WHERE v.incident_id = i.id)`).Scan(&versionless); err != nil {
		t.Fatal(err)
	}
	if versionless != 0 {
		t.Errorf("%d incidents without a version, want none (half-written)", versionless)
	}
	// What the workers changed is in the audit log, as the system's, with
	// the message that asked for it.
	for _, action := range []string{"import", "extract", "fuse"} {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor = 'system' AND action = $1 AND details LIKE '%"message":%'`, action).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("no %s entry of a worker in the audit log", action)
		}
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
