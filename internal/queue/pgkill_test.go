package queue_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/queue"
	"github.com/vigil-project/vigil/internal/queue/queuetest"
	"github.com/vigil-project/vigil/internal/store/postgres"
)

// pgServer is a PostgreSQL server of the test's own, which it may crash:
// the shared test server (VIGIL_TEST_POSTGRES) serves other packages'
// tests at the same time.
type pgServer struct {
	t      testing.TB
	bindir string
	dir    string
	port   int
	owner  *user.User // the cluster's owner when the test runs as root (initdb refuses root)
}

// pgBindir finds the newest installed PostgreSQL's programs, as
// scripts/pgtest.sh does.
func pgBindir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestv := "", 0
	for _, d := range dirs {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(filepath.Dir(d)), ".", 2)[0])
		if _, serr := os.Stat(filepath.Join(d, "initdb")); err == nil && serr == nil && v > bestv {
			best, bestv = d, v
		}
	}
	if best != "" {
		return best, nil
	}
	p, err := exec.LookPath("initdb")
	if err != nil {
		return "", fmt.Errorf("no initdb: install PostgreSQL (scripts/pgtest.sh does)")
	}
	return filepath.Dir(p), nil
}

// startPostgres makes a cluster in a temporary directory and starts it on
// a free loopback port. Durable commits (synchronous_commit on, as in
// production): a crashed server must keep what it said was committed.
// fsync is off: the test crashes the server, never the machine.
func startPostgres(t testing.TB) *pgServer {
	t.Helper()
	if os.Getenv("VIGIL_TEST_POSTGRES") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("VIGIL_TEST_POSTGRES is not set in CI: run the tests through scripts/pgtest.sh (it installs PostgreSQL)")
		}
		t.Skip("needs PostgreSQL: run through scripts/pgtest.sh")
	}
	bindir, err := pgBindir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "vigil-pgkill-")
	if err != nil {
		t.Fatal(err)
	}
	s := &pgServer{t: t, bindir: bindir, dir: dir, port: freePort(t)}
	t.Cleanup(func() {
		s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		if s.owner, err = user.Lookup("postgres"); err != nil {
			t.Fatalf("running as root needs a postgres user to own the cluster (scripts/pgtest.sh makes one): %v", err)
		}
		uid, _ := strconv.Atoi(s.owner.Uid)
		gid, _ := strconv.Atoi(s.owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := s.run("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.start()
	return s
}

func (s *pgServer) data() string { return filepath.Join(s.dir, "data") }

// run runs one of PostgreSQL's programs as the cluster's owner.
func (s *pgServer) run(prog string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(s.bindir, prog), args...)
	if s.owner != nil {
		uid, _ := strconv.Atoi(s.owner.Uid)
		gid, _ := strconv.Atoi(s.owner.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *pgServer) start() {
	s.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c max_connections=100", s.port, s.dir)
	if out, err := s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		s.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// crash stops the server the way a crash does: every backend ends at
// once, nothing is flushed or checkpointed, and the next start recovers
// from the WAL.
func (s *pgServer) crash() {
	s.t.Helper()
	if out, err := s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop"); err != nil {
		s.t.Fatalf("pg_ctl stop -m immediate: %v\n%s", err, out)
	}
}

func (s *pgServer) url(db string) string {
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Host: fmt.Sprintf("127.0.0.1:%d", s.port), Path: "/" + db,
		RawQuery: "sslmode=disable"}).String()
}

// freePort returns a loopback port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestPostgresCrashUnderWorkers crashes the PostgreSQL server (pg_ctl
// stop -m immediate: every session cut at once, recovery from the WAL at
// the next start) while two workers import, extract and fuse, keeps it
// down for 8 s, longer than all of a message's back-offs, and starts it
// again. The workers must ride it out: the messages in flight fail and
// are held until the server answers, then done again (spending no
// attempt), no other is pulled while the server is down (none acked without its work stored, none dead-lettered), the
// processes stay up (no crash loop), a worker started during the outage
// waits for the server, and at the end every report is stored once,
// every claim the extractor reads is stored once and fused, and the
// queue is empty. VIGIL_PGKILL_ARTICLES sets the articles per outlet (default
// 20), VIGIL_PGKILL_ROUNDS the crashes (default 1; `make soak` runs 3).
func TestPostgresCrashUnderWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vigil and nats-server, runs its own PostgreSQL")
	}
	pg := startPostgres(t)
	perOutlet := envInt("VIGIL_PGKILL_ARTICLES", 20)
	rounds := envInt("VIGIL_PGKILL_ROUNDS", 1)
	down := 8 * time.Second
	const outlets, acledRows = 4, 40
	bin := buildVigil(t)
	nats := queuetest.Start(t, 1)
	dir := t.TempDir()
	paths, arts := writeFeeds(t, dir, "outlet", outlets, perOutlet)
	wantClaims, wantReports := expectedClaims(t, arts)

	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pg.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE vigil"); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)
	db := pg.url("vigil")
	st, err := postgres.Open(ctx, db) // migrates once, before the workers
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	st.Close()

	// Back-offs far shorter than the outage: a message pulled again and
	// again while the server is down would spend its 4 attempts in 5 s
	// and go to the dead letters. The workers must not pull while
	// PostgreSQL does not answer.
	qargs := []string{"--nats", nats.URLs(), "--backoff", "1s,2s", "--max-deliver", "4", "--partitions", "4"}
	worker := func(name string) *proc {
		return startVigil(t, bin, name, append([]string{"worker", "--db", db, "--concurrency", "2"}, qargs...)...)
	}
	workers := []*proc{worker("worker1"), worker("worker2")}
	if out, err := exec.Command(bin, append(append([]string{"worker", "submit", "--chunk", "4"}, qargs...), paths...)...).CombinedOutput(); err != nil {
		t.Fatalf("worker submit: %v\n%s", err, out)
	}
	// The dataset through `vigil import --nats`: read here, stored by the
	// workers (no --db: nothing is written by the importer itself).
	imp := exec.Command(bin, "import", "acled", "--nats", nats.URLs(), writeACLED(t, dir, acledRows))
	imp.Env = append(os.Environ(), "VIGIL_DB=")
	if out, err := imp.CombinedOutput(); err != nil || !strings.Contains(string(out), fmt.Sprintf("%d records in", acledRows)) {
		t.Fatalf("import --nats: %v\n%s", err, out)
	}
	fail := func(format string, a ...any) {
		t.Helper()
		var logs strings.Builder
		for _, p := range workers {
			fmt.Fprintf(&logs, "\n--- %s:\n%s", p.name, p.output())
		}
		log, _ := os.ReadFile(filepath.Join(pg.dir, "server.log"))
		if len(log) > 2000 {
			log = log[len(log)-2000:]
		}
		fmt.Fprintf(&logs, "\n--- postgres:\n%s", log)
		t.Fatalf(format+"%s", append(a, logs.String())...)
	}
	// counts reads through a fresh connection: the server goes away.
	read := func() (counts, error) {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(cctx, db)
		if err != nil {
			return counts{}, err
		}
		defer conn.Close(cctx)
		return readCounts(cctx, conn)
	}

	limit := 90*time.Second + time.Duration(len(arts))*300*time.Millisecond
	start := time.Now()
	for r := range rounds {
		target := len(arts) * (r + 1) / (rounds + 2)
		for {
			c, err := read()
			if err == nil && c.articles >= target {
				break
			}
			if time.Since(start) > limit {
				fail("round %d: %d articles of %d after %v (%v)", r, c.articles, len(arts), limit, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		pg.crash()
		t.Logf("round %d: PostgreSQL crashed at %d+ articles (%.1fs); down for %v", r, target, time.Since(start).Seconds(), down)
		if r == 0 {
			// A worker (re)started by an orchestrator during the outage
			// waits for the database instead of exiting.
			workers = append(workers, worker("worker3"))
		}
		time.Sleep(down)
		pg.start()
	}

	qc, err := queue.Connect(ctx, queue.Config{URL: nats.URLs(), Partitions: 4})
	if err != nil {
		t.Fatalf("connect queue: %v", err)
	}
	defer qc.Close()
	deadline := time.Now().Add(limit)
	var c counts
	var b queue.Backlog
	for {
		c, err = read()
		if err == nil {
			b, err = qc.Backlog(ctx)
		}
		if err == nil && c.articles == len(arts) && c.claims == wantClaims && c.datasetReports == acledRows && c.unfused == 0 && b.Empty() {
			break
		}
		if time.Now().After(deadline) {
			fail("not done in time: %+v, backlog %+v (err %v); want %d articles, %d claims, %d ACLED rows, 0 unfused", c, b, err, len(arts), wantClaims, acledRows)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("done in %.1fs after %d crash(es): %d articles, %d claims in %d reports, %d ACLED rows, all fused",
		time.Since(start).Seconds(), rounds, c.articles, c.claims, c.extractReports, c.datasetReports)
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
	// The crash landed while there was work: some of it failed and was
	// held until PostgreSQL was back (otherwise this test tested nothing).
	held, retried := 0, 0
	for _, p := range workers {
		p.mu.Lock()
		held += strings.Count(p.out.String(), "holding the message")
		retried += strings.Count(p.out.String(), "will retry")
		p.mu.Unlock()
	}
	if held == 0 {
		t.Errorf("no worker held a message through the outage: the crash hit no work in flight")
	}
	t.Logf("%d attempts failed during the outage(s) and were held until PostgreSQL answered; %d failed with it answering and were retried", held, retried)
	if late := workers[2].output(); !strings.Contains(late, "waiting for it") {
		t.Errorf("the worker started during the outage did not wait for PostgreSQL:\n%s", late)
	}
	// The workers rode the outage out instead of exiting.
	for _, p := range workers {
		select {
		case <-p.done:
			fail("%s exited during the outage, want it to wait for PostgreSQL", p.name)
		default:
		}
	}
}
