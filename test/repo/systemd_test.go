package repo

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// unitFile parses a systemd unit into section -> key -> values (keys may repeat).
func unitFile(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: not a unit-file line: %q", path, line)
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	return out
}

// The agent's systemd unit is hardened, keeps its queue in a StateDirectory, runs the
// shipped agent config, and sets only variables that configs/agent.yaml reads; so does its
// environment file. When systemd-analyze is installed, `verify` accepts the unit without a
// single warning (the binary path is swapped for one that exists on this machine; verify
// checks that ExecStart is executable).
func TestSystemdAgentUnit(t *testing.T) {
	root := repoRoot(t)
	unitPath := filepath.Join(root, "deploy", "systemd", "otelcol-fraiseql-agent.service")
	u := unitFile(t, unitPath)
	svc := u["Service"]
	if svc == nil || u["Unit"] == nil || u["Install"] == nil {
		t.Fatalf("unit needs [Unit], [Service] and [Install]: %v", u)
	}
	want := map[string]string{
		"ProtectSystem":   "strict",
		"ProtectHome":     "yes",
		"NoNewPrivileges": "yes",
		"PrivateTmp":      "yes",
		"StateDirectory":  "otelcol-fraiseql",
		"Restart":         "on-failure",
	}
	for k, v := range want {
		if got := svc[k]; len(got) != 1 || got[0] != v {
			t.Errorf("[Service] %s=%v, want %s", k, got, v)
		}
	}
	if (len(svc["DynamicUser"]) == 0 || svc["DynamicUser"][0] != "yes") && len(svc["User"]) == 0 {
		t.Error("the agent must not run as root: DynamicUser=yes or User=")
	}
	if len(svc["MemoryMax"]) != 1 {
		t.Error("MemoryMax= is the limit the memory_limiter follows (limit_percentage)")
	}
	if exec := strings.Join(svc["ExecStart"], " "); !strings.Contains(exec, "--config=/etc/otelcol-fraiseql/agent.yaml") {
		t.Errorf("ExecStart %q does not run the agent config", exec)
	}

	agentYAML, err := os.ReadFile(filepath.Join(root, "configs", "agent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	readsVar := func(name string) bool { return bytes.Contains(agentYAML, []byte("${env:"+name+":")) }
	env := map[string]string{}
	for _, e := range svc["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		env[k] = v
	}
	if !strings.HasPrefix(env["FRAISEQL_STORAGE_DIR"], "%S/"+svc["StateDirectory"][0]) {
		t.Errorf("FRAISEQL_STORAGE_DIR=%q is not the StateDirectory (%%S/%s)", env["FRAISEQL_STORAGE_DIR"], svc["StateDirectory"][0])
	}
	envFile := filepath.Join(root, "deploy", "systemd", "agent.env")
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	assign := regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)=`)
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := assign.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("agent.env: not an assignment: %q", line)
			continue
		}
		env[m[1]] = strings.TrimPrefix(line, m[0])
		n++
	}
	if n == 0 {
		t.Error("agent.env sets nothing")
	}
	for k := range env {
		if k != "GOMEMLIMIT" && !readsVar(k) {
			t.Errorf("%s is set for the agent but configs/agent.yaml never reads ${env:%s}", k, k)
		}
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: static checks only")
		return
	}
	unit, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyPath := filepath.Join(dir, filepath.Base(unitPath))
	swapped := strings.Replace(string(unit), "ExecStart=/usr/bin/otelcol-fraiseql", "ExecStart=/bin/true", 1)
	if err := os.WriteFile(copyPath, []byte(swapped), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", copyPath).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
