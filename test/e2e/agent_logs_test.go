//go:build e2e

package e2e

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// agentConfig is the part of configs/agent.yaml that the agent's logs tests copy from.
type agentConfig struct {
	Receivers  map[string]map[string]any `yaml:"receivers"`
	Processors map[string]any            `yaml:"processors"`
	Service    struct {
		Pipelines map[string]struct {
			Processors []string `yaml:"processors"`
		} `yaml:"pipelines"`
	} `yaml:"service"`
}

func readAgentConfig(t *testing.T) agentConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "configs", "agent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var agent agentConfig
	if err := yaml.Unmarshal(b, &agent); err != nil {
		t.Fatalf("configs/agent.yaml: %v", err)
	}
	return agent
}

// runLogsPipeline runs the built binary on a config of one logs pipeline: the receiver (its
// config from receiverConfig, given a free port for a receiver that listens), processors (in
// the order of their names), and a file exporter writing OTLP JSON lines to out; the
// collector's own metrics are off. env is added to the collector's environment. It returns
// out and the port the receiver was given.
func runLogsPipeline(t *testing.T, receiver string, receiverConfig func(port string) any,
	processors map[string]any, env ...string) (out, port string) {
	t.Helper()
	dir := t.TempDir()
	out = filepath.Join(dir, "out.json")
	cfgPath := filepath.Join(dir, "cfg.yaml")
	names := slices.Sorted(maps.Keys(processors))
	startCollector(t, func() collectorSpec {
		port = freePort(t)
		cfg := map[string]any{
			"receivers":  map[string]any{receiver: receiverConfig(port)},
			"processors": processors,
			"exporters":  map[string]any{"file": map[string]any{"path": out}},
			"service": map[string]any{
				"telemetry": map[string]any{"metrics": map[string]any{"level": "none"}},
				"pipelines": map[string]any{"logs": map[string]any{
					"receivers": []string{receiver}, "processors": names, "exporters": []string{"file"},
				}},
			},
		}
		b, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return collectorSpec{Config: cfgPath, Env: env}
	})
	return out, port
}
