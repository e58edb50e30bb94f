//go:build e2e

package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Every collector config we ship passes the built binary's own `validate`, with only the
// defaults of its ${env:...} references (a user who copies it gets a config that loads).
func TestConfigsValidate(t *testing.T) {
	bin := mustEnv(t, "OTELCOL_BINARY")
	root := repoRoot(t)
	for _, cfg := range collectorConfigs(t) {
		rel, _ := filepath.Rel(root, cfg)
		t.Run(rel, func(t *testing.T) {
			cmd := exec.Command(bin, "validate", "--config", cfg)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s does not validate: %v\n%s", rel, err, out)
			}
		})
	}
}
