package queue_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/queue/queuetest"
	"github.com/vigil-project/vigil/internal/store/postgres"
)

// BenchmarkExtractWorkers measures the extraction throughput of the
// distributed mode with 1, 2 and 4 `vigil worker --kinds extract`
// processes (one message at a time each) on one NATS server and
// PostgreSQL: the workers start first, then the clock runs from the
// submission of the articles until every claim the articles make is stored. It
// reports articles per second (bench/workers.sh runs it;
// VIGIL_BENCH_ARTICLES sets articles per outlet, 4 outlets, default 250).
func BenchmarkExtractWorkers(b *testing.B) {
	bin := buildVigil(b)
	per := envInt("VIGIL_BENCH_ARTICLES", 250)
	paths, arts := writeFeeds(b, b.TempDir(), "bench", 4, per)
	wantClaims, _ := expectedClaims(b, arts)
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var total, cpu time.Duration
			for range b.N {
				wall, c := runExtractWorkers(b, bin, paths, workers, wantClaims)
				total += wall
				cpu += c
			}
			b.ReportMetric(float64(len(arts)*b.N)/total.Seconds(), "articles/s")
			// Per CPU-second of the workers (start-up included): what a
			// core does, whatever else the machine runs.
			b.ReportMetric(float64(len(arts)*b.N)/cpu.Seconds(), "articles/worker-cpu-s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func runExtractWorkers(b *testing.B, bin string, paths []string, workers, wantClaims int) (wall, cpu time.Duration) {
	b.Helper()
	b.StopTimer()
	db := newDatabase(b)
	ctx := context.Background()
	st, err := postgres.Open(ctx, db)
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	st.Close()
	cluster := queuetest.Start(b, 1)
	qargs := []string{"--nats", cluster.URLs(), "--partitions", "8"}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	// The workers start (and connect) before the clock does: what is
	// measured is their work, not their start.
	var ps []*proc
	for i := range workers {
		ps = append(ps, startVigil(b, bin, fmt.Sprintf("worker%d", i),
			append([]string{"worker", "--db", db, "--kinds", "extract", "--concurrency", "1"}, qargs...)...))
	}
	for _, p := range ps {
		for !strings.Contains(p.output(), "vigil worker:") {
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.StartTimer()
	start := time.Now()
	sub := exec.Command(bin, append(append([]string{"worker", "submit", "--chunk", "10"}, qargs...), paths...)...)
	if out, err := sub.CombinedOutput(); err != nil {
		b.Fatalf("worker submit: %v\n%s", err, out)
	}
	for {
		var claims int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM claims WHERE source = 'extract'`).Scan(&claims); err != nil {
			b.Fatal(err)
		}
		if claims >= wantClaims {
			break
		}
		if time.Since(start) > 10*time.Minute {
			b.Fatalf("%d of %d claims after 10 minutes\n%s", claims, wantClaims, ps[0].output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	wall = time.Since(start)
	b.StopTimer()
	for _, p := range ps {
		p.kill()
		if st := p.cmd.ProcessState; st != nil {
			cpu += st.UserTime() + st.SystemTime()
		}
	}
	return wall, cpu
}
