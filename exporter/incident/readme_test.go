package incident

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
}
