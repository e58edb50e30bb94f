//go:build e2e || integration

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// collectorSpec says how to run the binary: the config, the env it reads its endpoints from,
// the ports (127.0.0.1) waited for before the start counts, and the directory its pipelines
// write to. Ports only in Config or Env are covered too: a collector that cannot bind one
// exits before it logs collectorReady.
type collectorSpec struct {
	Config     string
	Env        []string
	GRPCPort   string // optional: the OTLP gRPC receiver's port
	HTTPPort   string // optional: the OTLP HTTP receiver's port
	HealthPort string // optional: the health_check extension's port
	OutDir     string // the data dir: local.yaml writes traces.jsonl, metrics.jsonl, logs.jsonl there
}

// runningCollector is the built binary started by startCollector.
type runningCollector struct {
	GRPC, HTTP string // host:port of the OTLP receivers ("" when the spec has none)
	Health     string // host:port of the health check ("" when the spec has none)
	OutDir     string

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	logs    *lockedBuffer
	conn    *grpc.ClientConn // to GRPC, when the spec has a gRPC port
	markers atomic.Int64
}

// collectorReady is what the collector logs once every component has started.
const collectorReady = "Everything is ready. Begin running and processing data."

// startCollector starts the binary on newSpec() through startOnFreePorts (newSpec picks the
// ports, again for each attempt), waits until it logged collectorReady and the spec's ports
// accept connections while the process is alive, and kills it when the test ends if the test
// did not stop it (printing its output when the test failed).
func startCollector(t *testing.T, newSpec func() collectorSpec) *runningCollector {
	t.Helper()
	return startOnFreePorts(t, "collector", func() (*runningCollector, error) {
		return tryStartCollector(t, newSpec())
	})
}

// tryStartCollector is one start of startCollector; on error the process is gone.
func tryStartCollector(t *testing.T, spec collectorSpec) (*runningCollector, error) {
	t.Helper()
	bin := mustEnv(t, "OTELCOL_BINARY")
	c := &runningCollector{
		OutDir: spec.OutDir,
		exited: make(chan struct{}),
		logs:   &lockedBuffer{},
	}
	var addrs []string
	for _, p := range []struct {
		port string
		addr *string
	}{{spec.GRPCPort, &c.GRPC}, {spec.HTTPPort, &c.HTTP}, {spec.HealthPort, &c.Health}} {
		if p.port != "" {
			*p.addr = "127.0.0.1:" + p.port
			addrs = append(addrs, *p.addr)
		}
	}
	c.cmd = exec.Command(bin, "--config", spec.Config)
	c.cmd.Env = append(os.Environ(), spec.Env...)
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { c.waitErr = c.cmd.Wait(); close(c.exited) }()
	// A port that answers may be another process's: the collector owns its ports once it
	// logs that every component started (a failed bind makes it exit instead).
	err := waitFor(30*time.Second, func() error {
		if !c.alive() {
			return nil
		}
		if !strings.Contains(c.logs.String(), collectorReady) {
			return errors.New("collector has not logged " + strconv.Quote(collectorReady))
		}
		for _, addr := range addrs {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				return err
			}
			conn.Close()
		}
		return nil
	})
	if err == nil && !c.alive() {
		err = exitedWhileStarting(c.logs.String(), c.waitErr)
	}
	if err != nil {
		if c.alive() {
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		return nil, fmt.Errorf("%w\ncollector output:\n%s", err, c.logs.String())
	}
	t.Cleanup(func() {
		if c.conn != nil {
			_ = c.conn.Close()
		}
		if c.alive() {
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", c.logs.String())
		}
	})
	if c.GRPC != "" {
		conn, err := grpc.NewClient(c.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		c.conn = conn
	}
	return c, nil
}

// alive reports whether the process is still running.
func (c *runningCollector) alive() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// output is everything the collector wrote to stdout and stderr so far.
func (c *runningCollector) output() string { return c.logs.String() }

// lockedBuffer is a bytes.Buffer safe for the process's writes and the test's reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
