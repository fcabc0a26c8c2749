package postgres

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// turnCounter is a TCP proxy to the test server that counts round trips:
// the times a client speaks after the server answered (a pipelined batch
// is one, however many statements and writes it takes).
type turnCounter struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	turns  int
	answer map[net.Conn]bool // per client connection: the server spoke last
	wg     sync.WaitGroup
}

func newTurnCounter(t *testing.T, target string) *turnCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &turnCounter{ln: ln, target: target, answer: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *turnCounter) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.answer[c] = true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, s, c, true)
		go p.pipe(s, c, c, false)
	}
}

// pipe copies from one side to the other; fromClient counts the turns.
func (p *turnCounter) pipe(from, to, client net.Conn, fromClient bool) {
	defer p.wg.Done()
	defer to.Close()
	defer from.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if fromClient && p.answer[client] {
				p.turns++
			}
			p.answer[client] = !fromClient
			p.mu.Unlock()
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // io.EOF or closed: the other side is closed by the defers
		}
	}
}

func (p *turnCounter) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.turns
}

// TestAttachRoundTrips counts the round trips of an attach of one claim
// to a fused store (fuse.Incremental; its import not counted): the
// counts, the setup and the claim in one, its incident's claims and its
// window's candidates in one, the incidents' documents in one, and the
// change in one — four. Each round trip costs a few hundred µs on a
// loaded machine, most of what an attach at 1M costs beyond the work.
func TestAttachRoundTrips(t *testing.T) {
	dsn := newDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTurnCounter(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	s, err := Open(t.Context(), u.String())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	const n = 1000
	if err := storetest.FillFused(ctx, s, n); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureSource(ctx, storetest.ACLED); err != nil {
		t.Fatal(err)
	}
	fetched := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var trips []int
	for i := range 9 {
		base := storetest.Spread("gtd", (i*7919+5)%n, 1, fetched)[0].Claim
		ref := fmt.Sprintf("trips-%d", i)
		rec := storetest.Record("acled", ref, 0, "acled row "+ref, fetched, func(c *model.Claim) {
			id, rid := c.ID, c.ReportID
			*c = base
			c.ID, c.ReportID, c.Source, c.Codes = id, rid, "acled", nil
		})
		at := time.Date(2024, 3, 2, 0, i, 0, 0, time.UTC)
		if _, err := s.ImportBatch(ctx, []model.Record{rec}, at); err != nil {
			t.Fatal(err)
		}
		before := proxy.count()
		sum, err := fuse.Incremental(ctx, s, fuse.RunOptions{At: at})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Attached != 1 {
			t.Fatalf("attach %d: %+v, want the claim attached", i, sum)
		}
		trips = append(trips, proxy.count()-before)
	}
	// The first attach prepares its statements (a round trip each, once
	// per connection of the pool); the others run them: the median.
	t.Logf("round trips per attach: %v", trips)
	sorted := slices.Sorted(slices.Values(trips))
	if got := sorted[len(sorted)/2]; got > 4 {
		t.Errorf("median round trips per attach: got %d (%v), want at most 4", got, trips)
	}
}
