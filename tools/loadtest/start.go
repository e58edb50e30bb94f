package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Ports of the collector under test. freePort picks a port that is free now and releases it,
// so another process can take it before the collector binds it; startCollector then starts
// the collector again on newly picked ports (the same approach as test/e2e's startOnFreePorts).

// startAttempts bounds how often onFreePorts starts again after a port was taken.
const startAttempts = 3

// errPortTaken: a process could not bind a port picked for it (another process took it
// between freePort and the bind).
var errPortTaken = errors.New("a port picked for it was taken before it bound it")

// exitedWhileStarting is the error for a process that exited before it was up, given its
// output and its exit: errPortTaken when the output says a bind failed.
func exitedWhileStarting(output string, waitErr error) error {
	if strings.Contains(output, "address already in use") {
		return fmt.Errorf("%w (exit: %v)", errPortTaken, waitErr)
	}
	return fmt.Errorf("exited while starting: %v\n%s", waitErr, lastLines(output, 10))
}

// onFreePorts runs start, which picks its ports, starts a process on them and waits until it
// is up, leaving nothing running when it returns an error. When the error is errPortTaken, it
// logs it and runs start again, at most startAttempts times in all.
func onFreePorts[T any](what string, start func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := start()
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			return v, fmt.Errorf("%s did not start (attempt %d of %d): %w", what, attempt, startAttempts, err)
		}
		fmt.Fprintf(os.Stderr, "loadtest: %s, attempt %d of %d: %v; starting again on other ports\n", what, attempt, startAttempts, err)
	}
}

// collector is the collector of one run, healthy, and the ports it listens on.
type collector struct {
	cmd                                          *exec.Cmd
	logs                                         *bytes.Buffer
	exited                                       chan struct{} // closed when cmd has exited; waitErr is set then
	waitErr                                      error
	otlpPort, healthPort, pprofPort, metricsPort string
}

// startCollector starts the scenario's collector (config written to dir) on free ports and
// waits until its health check answers.
func startCollector(dir, scenario, sinkPort string) (*collector, error) {
	return onFreePorts("collector", func() (*collector, error) {
		c := &collector{logs: &bytes.Buffer{}, exited: make(chan struct{}),
			otlpPort: freePort(), healthPort: freePort(), pprofPort: freePort(), metricsPort: freePort()}
		cfg, err := config(scenario, c.otlpPort, c.healthPort, c.pprofPort, c.metricsPort, sinkPort)
		if err != nil {
			return nil, err
		}
		cfgPath := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
			return nil, err
		}
		c.cmd = exec.Command(*otelcol, "--config", cfgPath)
		c.cmd.Env = append(os.Environ(), "FRAISEQL_NODE_NAME=loadtest-node")
		c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
		if err := c.cmd.Start(); err != nil {
			return nil, err
		}
		go func() { c.waitErr = c.cmd.Wait(); close(c.exited) }()
		if err := c.waitHealthy(30 * time.Second); err != nil {
			c.stop()
			return nil, err
		}
		return c, nil
	})
}

// waitHealthy waits until the health check answers 200, the collector exits or d passes.
func (c *collector) waitHealthy(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			return exitedWhileStarting(c.logs.String(), c.waitErr)
		default:
		}
		resp, err := http.Get("http://127.0.0.1:" + c.healthPort + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.stop()
	return fmt.Errorf("collector not healthy after %v\n%s", d, lastLines(c.logs.String(), 10))
}

// stop terminates the collector (SIGTERM, then SIGKILL after 10 s) and waits for it.
func (c *collector) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago (see onFreePorts).
func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
