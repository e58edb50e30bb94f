package incident

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"gopkg.in/yaml.v3"
)

var envDefault = regexp.MustCompile(`\$\{env:[A-Za-z0-9_]+:-([^${}]*)\}`)

// The incident exporters of the shipped collector configs validate (rules, label keys,
// templates, routes), with every ${env:VAR:-default} at its default; and every rule routes
// by team (docs/alerts.md).
func TestShippedConfigsValidate(t *testing.T) {
	for _, name := range []string{"gateway.yaml", "pgstats.yaml", "local.yaml"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "configs", name))
			require.NoError(t, err)
			s := string(b)
			for prev := ""; prev != s; {
				prev, s = s, envDefault.ReplaceAllString(s, "$1")
			}
			var raw map[string]any
			require.NoError(t, yaml.Unmarshal([]byte(s), &raw))
			exporters, _ := raw["exporters"].(map[string]any)
			sec, ok := exporters["incident"].(map[string]any)
			require.True(t, ok, "%s: no exporters::incident", name)
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			require.NoError(t, confmap.NewFromStringMap(sec).Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			for _, r := range cfg.Rules {
				require.NotEmpty(t, r.Labels["team"], "%s: rule %s has no team label", name, r.Name)
			}
		})
	}
}
