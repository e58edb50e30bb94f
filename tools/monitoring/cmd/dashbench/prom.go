package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// prometheus is a Prometheus server on loopback over a data directory.
type prometheus struct {
	bin, dataDir, cfg string
	port              int
	cmd               *exec.Cmd
	log               *os.File
	exited            chan struct{} // closed when cmd has exited; waitErr is set then
	waitErr           error
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago. It releases it, so
// another process can take it before Prometheus binds it: start then tries another port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startAttempts bounds how often onFreePort starts again after the port was taken.
const startAttempts = 3

// errPortTaken: the process could not bind the port picked for it (another process took it
// between freePort and the bind).
var errPortTaken = errors.New("the port picked for it was taken before it bound it")

// exitedWhileStarting is the error for a process that exited before it was up, given its
// output and its exit: errPortTaken when the output says the bind failed.
func exitedWhileStarting(output string, waitErr error) error {
	if strings.Contains(output, "address already in use") {
		return fmt.Errorf("%w (exit: %v)", errPortTaken, waitErr)
	}
	lines := strings.Split(strings.TrimSpace(output), "\n")
	return fmt.Errorf("exited while starting: %v\n%s", waitErr, strings.Join(lines[max(0, len(lines)-10):], "\n"))
}

// onFreePort runs start, which picks a port, starts a process on it and waits until it is
// up, leaving nothing running when it returns an error. When the error is errPortTaken, it
// logs it and runs start again, at most startAttempts times in all (the same approach as
// test/e2e's startOnFreePorts).
func onFreePort(what string, start func() error) error {
	for attempt := 1; ; attempt++ {
		err := start()
		if err == nil {
			return nil
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			return fmt.Errorf("%s did not start (attempt %d of %d): %w", what, attempt, startAttempts, err)
		}
		logf("%s, attempt %d of %d: %v; starting again on another port", what, attempt, startAttempts, err)
	}
}

func (p *prometheus) url() string { return fmt.Sprintf("http://127.0.0.1:%d", p.port) }

// start starts Prometheus on a free port (a new one at every start) and waits until it is ready.
func (p *prometheus) start() error { return onFreePort("prometheus", p.startOnce) }

func (p *prometheus) startOnce() error {
	var err error
	if p.port, err = freePort(); err != nil {
		return err
	}
	p.log, err = os.OpenFile(filepath.Join(filepath.Dir(p.dataDir), "prometheus.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	logStart, err := p.log.Seek(0, io.SeekEnd) // the log is appended to: this start's lines begin here
	if err != nil {
		p.log.Close()
		return err
	}
	p.cmd = exec.Command(p.bin,
		"--config.file="+p.cfg,
		"--storage.tsdb.path="+p.dataDir,
		"--storage.tsdb.retention.time=3650d",
		"--web.listen-address="+fmt.Sprintf("127.0.0.1:%d", p.port),
		"--query.max-samples=200000000",
	)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.cmd = nil
		p.log.Close()
		return err
	}
	p.exited = make(chan struct{})
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			p.cmd = nil
			p.log.Close()
			out, _ := os.ReadFile(p.log.Name())
			return exitedWhileStarting(string(out[min(logStart, int64(len(out))):]), p.waitErr)
		default:
		}
		resp, err := http.Get(p.url() + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("prometheus not ready after 5 minutes (log: %s)", p.log.Name())
}

// stop terminates the server this program started (by its pid) and waits for it.
func (p *prometheus) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
	p.log.Close()
}

type apiResult struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Result []json.RawMessage `json:"result"`
	} `json:"data"`
}

// query runs an instant (step == 0) or range query and returns the wall time and series count.
func (p *prometheus) query(expr string, end time.Time, rng, step time.Duration) (time.Duration, int, error) {
	v := url.Values{"query": {expr}}
	path := "/api/v1/query"
	if step > 0 {
		path = "/api/v1/query_range"
		v.Set("start", strconv.FormatInt(end.Add(-rng).Unix(), 10))
		v.Set("end", strconv.FormatInt(end.Unix(), 10))
		v.Set("step", strconv.FormatFloat(step.Seconds(), 'f', -1, 64))
	} else {
		v.Set("time", strconv.FormatInt(end.Unix(), 10))
	}
	t0 := time.Now()
	resp, err := http.PostForm(p.url()+path, v)
	if err != nil {
		return 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err != nil {
		return d, 0, err
	}
	var r apiResult
	if err := json.Unmarshal(body, &r); err != nil {
		return d, 0, fmt.Errorf("%s: %.200s", err, body)
	}
	if r.Status != "success" {
		return d, 0, fmt.Errorf("%s", r.Error)
	}
	return d, len(r.Data.Result), nil
}
