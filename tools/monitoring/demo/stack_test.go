//go:build demo

package demo

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stack is a running demo: its endpoints (data/demo/endpoints.env) and whether this test
// started it (then it also stops it, and checks that start/stop leaves nothing behind).
type stack struct {
	root  string
	env   map[string]string
	owned bool
}

func (s *stack) get(t *testing.T, key string) string {
	t.Helper()
	v, ok := s.env[key]
	if !ok || v == "" {
		t.Fatalf("data/demo/endpoints.env has no %s", key)
	}
	return v
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// tools/monitoring/demo -> repository root
	root := filepath.Clean(filepath.Join(wd, "..", "..", ".."))
	if _, err := os.Stat(filepath.Join(root, "test", "demo", "demo.sh")); err != nil {
		t.Fatalf("repository root not found from %s: %v", wd, err)
	}
	return root
}

func demoScript(root string) string { return filepath.Join(root, "test", "demo", "demo.sh") }

// runScript runs demo.sh with a bound; the output goes to the test log on failure.
func runScript(t *testing.T, root string, timeout time.Duration, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, demoScript(root), args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("demo.sh %s did not finish within %s:\n%s", strings.Join(args, " "), timeout, tail(string(out), 60))
	}
	if err != nil {
		t.Fatalf("demo.sh %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 60))
	}
	return string(out)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: not NAME=value: %q", path, line)
		}
		env[k] = strings.Trim(v, `"`)
	}
	return env, sc.Err()
}

// startStack uses a running demo (endpoints.env present and every part alive) or starts one.
func startStack(t *testing.T) *stack {
	t.Helper()
	root := repoRoot(t)
	s := &stack{root: root}
	endpoints := filepath.Join(root, "data", "demo", "endpoints.env")
	if _, err := os.Stat(endpoints); err == nil && !strings.Contains(runScript(t, root, time.Minute, "status"), "DEAD") {
		t.Logf("using the running demo stack (%s)", endpoints)
	} else {
		t.Log("starting the demo stack (test/demo/demo.sh start)")
		t0 := time.Now()
		runScript(t, root, 8*time.Minute, "start")
		t.Logf("demo stack up in %s", time.Since(t0).Round(time.Second))
		s.owned = true
		// Whatever happens, a stack this test started does not outlive it (stop is idempotent).
		t.Cleanup(func() {
			if os.Getenv("FRAISEQL_E2E_KEEP") == "1" {
				return
			}
			cmd := exec.Command(demoScript(root), "stop")
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("demo.sh stop at cleanup: %v\n%s", err, tail(string(out), 20))
			}
		})
	}
	env, err := readEnvFile(endpoints)
	if err != nil {
		t.Fatalf("demo stack started but %v", err)
	}
	s.env = env
	return s
}

// parts returns the pid of every part recorded under data/demo/run/ (name -> pid).
func parts(t *testing.T, root string) map[string]int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "data", "demo", "run", "*.pid"))
	out := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err == nil {
			out[strings.TrimSuffix(filepath.Base(f), ".pid")] = pid
		}
	}
	return out
}

// ports returns every port the demo remembered (data/demo/run/*.env, keys ending in PORT).
func ports(t *testing.T, root string) map[string]int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "data", "demo", "run", "*.env"))
	out := map[string]int{}
	for _, f := range files {
		env, err := readEnvFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range env {
			if strings.HasSuffix(k, "_PORT") {
				if p, err := strconv.Atoi(v); err == nil {
					out[k] = p
				}
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d remembered ports under data/demo/run/: the demo did not record its ports", len(out))
	}
	return out
}

// listenerCmdline is the command line of the process listening on 127.0.0.1:port ("" when
// ss cannot tell).
func listenerCmdline(port int) string {
	out, err := exec.Command("ss", "-Hltnp", fmt.Sprintf("sport = :%d", port)).Output()
	if err != nil {
		return ""
	}
	i := strings.Index(string(out), "pid=")
	if i < 0 {
		return ""
	}
	rest := string(out)[i+4:]
	j := strings.IndexAny(rest, ",)")
	if j < 0 {
		return ""
	}
	b, err := os.ReadFile("/proc/" + rest[:j] + "/cmdline")
	if err != nil {
		return ""
	}
	return strings.ReplaceAll(string(b), "\x00", " ")
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func listening(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// stopAndCheck stops the demo and asserts that none of its processes lives and none of its
// ports accepts a connection.
func stopAndCheck(t *testing.T, root string, round int) {
	t.Helper()
	pids := parts(t, root)
	if len(pids) < 11 {
		t.Fatalf("round %d: only %d parts recorded before stop: %v", round, len(pids), pids)
	}
	pp := ports(t, root)
	runScript(t, root, 3*time.Minute, "stop")
	for name, pid := range pids {
		if alive(pid) {
			t.Errorf("round %d: %s (pid %d) still runs after demo-stop", round, name, pid)
		}
	}
	for name, p := range pp {
		if !listening(p) {
			continue
		}
		// A remembered port may have been taken since by another program on this machine:
		// only a listener whose command line names this checkout is the demo's.
		owner := listenerCmdline(p)
		if owner == "" || strings.Contains(owner, root) {
			t.Errorf("round %d: port %d (%s) still accepts connections after demo-stop (listener: %q)", round, p, name, owner)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "data", "demo", "endpoints.env")); err == nil {
		t.Errorf("round %d: endpoints.env left behind by demo-stop", round)
	}
}

// startStopTwice: `make demo` then `make demo-stop`, twice in a row, leave no process and
// no listening port behind; a second start while the stack runs says so and succeeds.
func startStopTwice(t *testing.T, root string) {
	for round := 1; round <= 2; round++ {
		out := runScript(t, root, 8*time.Minute, "start")
		if !strings.Contains(out, "make demo-stop") {
			t.Errorf("round %d: start does not say how to stop:\n%s", round, tail(out, 20))
		}
		if round == 1 {
			again := runScript(t, root, time.Minute, "start")
			if !strings.Contains(again, "already running") {
				t.Errorf("a second start while the stack runs does not say it is already running:\n%s", tail(again, 10))
			}
		}
		stopAndCheck(t, root, round)
	}
}
