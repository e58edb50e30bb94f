//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// configs/agent.yaml validates with the built binary under the environment the systemd unit
// gives it (deploy/systemd: the unit's Environment= lines and agent.env), with the unit's
// specifiers (%H, %S, %d) replaced by their values on a machine.
func TestSystemdAgentConfigValidates(t *testing.T) {
	bin := mustEnv(t, "OTELCOL_BINARY")
	root := repoRoot(t)
	dir := t.TempDir()
	spec := strings.NewReplacer("%H", "vm-1", "%S", dir, "%d", filepath.Join(dir, "credentials"))
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	unit, err := os.ReadFile(filepath.Join(root, "deploy", "systemd", "otelcol-fraiseql-agent.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(unit), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Environment="); ok {
			env = append(env, spec.Replace(v))
		}
	}
	envFile, err := os.ReadFile(filepath.Join(root, "deploy", "systemd", "agent.env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(envFile), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			env = append(env, line)
		}
	}
	cmd := exec.Command(bin, "validate", "--config", filepath.Join(root, "configs", "agent.yaml"))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("configs/agent.yaml does not validate under the systemd unit's environment: %v\n%s", err, out)
	}
}
