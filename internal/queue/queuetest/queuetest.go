// Package queuetest runs real NATS servers for tests: nats-server built
// from its Go module at the version go.mod pins (a `tool` of the module,
// so go.sum checks it and nothing prebuilt is downloaded), started as
// separate processes on loopback ports, alone or as a JetStream cluster,
// so that a test can kill one with SIGKILL like a machine that fails.
package queuetest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// serverModule is the package built; its version is go.mod's.
const serverModule = "github.com/nats-io/nats-server/v2"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// ServerBinary builds nats-server once per test process (the Go build
// cache makes later builds quick) and returns its path. The environment
// variable VIGIL_NATS_SERVER names a binary to use instead.
func ServerBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VIGIL_NATS_SERVER"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-nats-server-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "nats-server")
		cmd := exec.Command("go", "build", "-o", buildPath, serverModule)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build %s: %w\n%s", serverModule, err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("nats-server: %v", buildErr)
	}
	return buildPath
}

// Node is one nats-server process.
type Node struct {
	Name       string
	Port       int // client port
	routePort  int
	dir        string
	binary     string
	routes     []string
	cmd        *exec.Cmd
	exited     chan struct{}
	logPath    string
	clusterCfg bool
}

// URL is the node's client URL.
func (n *Node) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Port) }

// Cluster is a set of nats-server processes.
type Cluster struct {
	Nodes []*Node
	t     testing.TB
}

// URLs is every node's client URL, comma-separated, as clients take them.
func (c *Cluster) URLs() string {
	var us []string
	for _, n := range c.Nodes {
		us = append(us, n.URL())
	}
	return strings.Join(us, ",")
}

// Start runs n servers with JetStream (a cluster when n > 1), each with its
// store in a temporary directory, and waits until JetStream answers. They
// are killed when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := ServerBinary(t)
	c := &Cluster{t: t}
	ports := freePorts(t, 2*n)
	for i := range n {
		c.Nodes = append(c.Nodes, &Node{Name: fmt.Sprintf("n%d", i+1), Port: ports[2*i], routePort: ports[2*i+1],
			dir: t.TempDir(), binary: bin, clusterCfg: n > 1})
	}
	for _, node := range c.Nodes {
		for _, o := range c.Nodes {
			node.routes = append(node.routes, fmt.Sprintf("nats-route://127.0.0.1:%d", o.routePort))
		}
	}
	for _, node := range c.Nodes {
		if err := node.start(); err != nil {
			t.Fatalf("start nats-server %s: %v", node.Name, err)
		}
	}
	t.Cleanup(func() {
		for _, node := range c.Nodes {
			node.Kill()
		}
	})
	c.WaitReady(60 * time.Second)
	return c
}

func (n *Node) start() error {
	cfg := fmt.Sprintf("server_name: %s\nlisten: 127.0.0.1:%d\njetstream {\n  store_dir: %q\n  max_memory_store: 64MB\n  max_file_store: 1GB\n}\n",
		n.Name, n.Port, filepath.Join(n.dir, "js"))
	if n.clusterCfg {
		cfg += fmt.Sprintf("cluster {\n  name: vigil-test\n  listen: 127.0.0.1:%d\n  routes: [%s]\n}\n", n.routePort, strings.Join(n.routes, ", "))
	}
	path := filepath.Join(n.dir, "nats.conf")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return err
	}
	n.logPath = filepath.Join(n.dir, "nats.log")
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(n.binary, "-c", path)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	n.cmd = cmd
	n.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(n.exited)
	}()
	return nil
}

// Kill ends the node with SIGKILL, as a machine that fails, and waits for
// the process to be gone.
func (n *Node) Kill() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	n.cmd.Process.Kill()
	<-n.exited
	n.cmd = nil
}

// Restart starts a killed node again on the same ports and store.
func (n *Node) Restart() error {
	if n.cmd != nil {
		return fmt.Errorf("node %s is running", n.Name)
	}
	return n.start()
}

// Log returns the end of the node's log, for failure messages.
func (n *Node) Log() string {
	data, _ := os.ReadFile(n.logPath)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// WaitReady waits until every running node answers and JetStream has a
// meta leader (a stream can then be created).
func (c *Cluster) WaitReady(limit time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for _, n := range c.Nodes {
		if n.cmd == nil {
			continue
		}
		for {
			err := jetStreamReady(n.URL())
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("nats-server %s not ready after %v: %v\n%s", n.Name, limit, err, n.Log())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// jetStreamReady asks one server for its account's JetStream info, which
// needs the meta leader.
func jetStreamReady(url string) error {
	nc, err := nats.Connect(url, nats.Timeout(time.Second), nats.MaxReconnects(0))
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	msg, err := nc.RequestWithContext(ctx, "$JS.API.INFO", nil)
	if err != nil {
		return err
	}
	if strings.Contains(string(msg.Data), `"error"`) {
		return fmt.Errorf("jetstream: %s", firstLine(string(msg.Data)))
	}
	return nil
}

func firstLine(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	if sc.Scan() {
		return sc.Text()
	}
	return s
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}
