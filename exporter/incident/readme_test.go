package incident

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly"
)

// The README's worked config must be true: its runbook links exist in docs/runbooks and
// its anomaly rule uses the anomaly processor's default threshold, as its comment says.
func TestReadmeWorkedConfigIsTrue(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	links := regexp.MustCompile(`blob/main/(docs/runbooks/[A-Za-z0-9_-]+\.md)`).FindAllStringSubmatch(string(b), -1)
	require.NotEmpty(t, links)
	for _, l := range links {
		_, err := os.Stat(filepath.Join("..", "..", l[1]))
		assert.NoError(t, err, "README links %s", l[1])
	}
	m := regexp.MustCompile(`metric: anomaly\.score[^\n]*\n\s+threshold: ([0-9.]+)`).FindStringSubmatch(string(b))
	require.NotNil(t, m, "no anomaly.score rule in the worked config")
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.Equal(t, anomaly.DefaultThreshold, v)

	// The worked config loads and validates as it is.
	cfg := readmeConfig(t)
	ec, err := cfg.engineConfig(nil)
	require.NoError(t, err)
	assert.Len(t, ec.Rules, 3)
	assert.Len(t, cfg.Destinations, 3)
	assert.Equal(t, testRoutingKey, string(cfg.Destinations[0].PagerDuty.RoutingKey))
}

// readmeConfig is the README's worked config (exporters::incident), env references
// replaced by their default or a valid value, validated.
func readmeConfig(t *testing.T) *Config {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	i := strings.Index(string(b), "## Worked config")
	require.GreaterOrEqual(t, i, 0)
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(string(b)[i:])
	require.NotNil(t, block)
	text := regexp.MustCompile(`\$\{env:[A-Z_]+:-([^}]*)\}`).ReplaceAllString(block[1], "$1")
	text = strings.NewReplacer("${env:FRAISEQL_PAGERDUTY_ROUTING_KEY}", testRoutingKey,
		"${env:FRAISEQL_SLACK_WEBHOOK_URL}", "https://hooks.slack.com/services/T0/B0/X").Replace(text)
	require.NotContains(t, text, "${env:")
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(text), &doc))
	sub, err := confmap.NewFromStringMap(doc).Sub("exporters::incident")
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	return cfg
}
