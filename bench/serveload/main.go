// Command serveload is the load generator of the server benchmarks
// (bench/serve.sh, docs/BENCHMARKS.md "Serve"): it sends GET requests to a
// vigil server on loopback from a few workers for a bounded time per
// scenario and reports latency percentiles, throughput and errors, then
// the server's resident memory. It refuses any address that is not
// loopback.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

// scenario names a stream of URLs: next(i) gives the i-th request's path.
type scenario struct {
	name string
	next func(i int) string
}

func run() error {
	base := flag.String("base", "http://127.0.0.1:8080", "server to load (loopback only)")
	dur := flag.Duration("duration", 10*time.Second, "time per scenario")
	workers := flag.Int("c", 4, "concurrent workers")
	maxReq := flag.Int("n", 200000, "at most this many requests per scenario")
	pid := flag.Int("pid", 0, "server process id, to read its resident memory")
	only := flag.String("only", "", "run only the scenarios whose name contains this")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); (ip == nil || !ip.IsLoopback()) && u.Hostname() != "localhost" {
		return fmt.Errorf("%s is not a loopback address: load only a server on this machine", *base)
	}
	day := func(i int) string {
		return time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%18000).Format("2006-01-02")
	}
	countries := []string{"US", "IQ", "AF", "PK", "IN", "NG", "PH", "SO", "YE", "SY"}
	bys := []string{"month,admin1", "month", "week", "type", "admin1", "actor", "country"}
	scenarios := []scenario{
		// Distinct selections, so that no answer comes from the cache:
		// every one is computed from the store.
		{"aggregate, uncached (by month,admin1 … country; distinct selections)", func(i int) string {
			return fmt.Sprintf("/api/aggregates?by=%s&since=%s", bys[i%len(bys)], day(i))
		}},
		{"aggregate of one country, uncached", func(i int) string {
			return fmt.Sprintf("/api/aggregates?by=month&country=%s&since=%s", countries[i%len(countries)], day(i))
		}},
		{"monthly by admin1, whole store, uncached", func(i int) string {
			return "/api/aggregates?by=month,admin1&since=" + day(i)
		}},
		{"page of 100 incidents by cursor, uncached", func(i int) string {
			// "DAY/i" continues before the first id of that day (ids are "i" + hex).
			return "/api/incidents?limit=100&cursor=" + day(i*7+10000) + "/i"
		}},
		{"page of 100 incidents since a day, uncached", func(i int) string {
			return "/api/incidents?limit=100&since=" + day(i*7+3000)
		}},
		{"page of 100 of one country, uncached", func(i int) string {
			return fmt.Sprintf("/api/incidents?limit=100&country=%s&since=%s", countries[i%len(countries)], day(i*7+3000))
		}},
		{"aggregate, cached (the same monthly-by-admin1 selection)", func(int) string {
			return "/api/aggregates?by=month,admin1"
		}},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2, DisableCompression: true}, Timeout: 60 * time.Second}
	fmt.Printf("| scenario | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, sc := range scenarios {
		if *only != "" && !strings.Contains(sc.name, *only) {
			continue
		}
		res := load(client, *base, sc, *workers, *dur, *maxReq)
		fmt.Printf("| %s | %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f |\n", sc.name, res.n, res.errors, res.rps,
			ms(res.p(0.50)), ms(res.p(0.90)), ms(res.p(0.99)), ms(res.p(1)))
	}
	if *pid > 0 {
		rss, hwm, err := memory(*pid)
		if err != nil {
			return err
		}
		fmt.Printf("\nserver resident memory: %d MiB now, %d MiB at most (VmHWM)\n", rss>>10, hwm>>10)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type result struct {
	n, errors int
	rps       float64
	lat       []time.Duration
}

func (r result) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q*float64(len(r.lat))) - 1
	i = max(0, min(i, len(r.lat)-1))
	return r.lat[i]
}

// load runs one scenario: workers send requests back to back until the
// duration or the request budget runs out.
func load(client *http.Client, base string, sc scenario, workers int, dur time.Duration, maxReq int) result {
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= maxReq {
					break
				}
				t0 := time.Now()
				err := get(ctx, client, base+sc.next(i))
				if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
					break // the scenario's time ran out mid-request
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs++
					if errs <= 3 {
						fmt.Fprintln(os.Stderr, sc.name+":", err)
					}
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(res.lat)
	res.n = len(res.lat)
	res.rps = float64(res.n) / el.Seconds()
	return res
}

func get(ctx context.Context, client *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}

// memory reads a process's resident set size and its high-water mark, in KiB.
func memory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		var v int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &v); err == nil {
			rss = v
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &v); err == nil {
			hwm = v
		}
	}
	return rss, hwm, nil
}
