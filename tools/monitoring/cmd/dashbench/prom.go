package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// prometheus is a Prometheus server on loopback over a data directory.
type prometheus struct {
	bin, dataDir, cfg string
	port              int
	cmd               *exec.Cmd
	log               *os.File
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (p *prometheus) url() string { return fmt.Sprintf("http://127.0.0.1:%d", p.port) }

func (p *prometheus) start() error {
	var err error
	if p.port == 0 {
		if p.port, err = freePort(); err != nil {
			return err
		}
	}
	p.log, err = os.OpenFile(filepath.Join(filepath.Dir(p.dataDir), "prometheus.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
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
		return err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
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
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
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
