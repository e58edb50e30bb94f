//go:build integration

package incident

import (
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
)

// realResolveTimeout reads global.resolve_timeout from the running Alertmanager's config.
func realResolveTimeout(t *testing.T, base string) time.Duration {
	t.Helper()
	resp, err := amClient.Get(base + "/api/v2/status")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	m := regexp.MustCompile(`resolve_timeout: ([0-9a-z]+)`).FindSubmatch(b)
	require.NotNil(t, m, "no resolve_timeout in /api/v2/status")
	d, err := time.ParseDuration(string(m[1]))
	require.NoError(t, err)
	return d
}

// TestAlertmanagerFakeParity runs the fake's contract table against the fake and the real
// Alertmanager 0.25 (test/env/alertmanager.sh): the same status codes, the same answers
// where the table pins them, the same listed alerts (labels, annotations, timestamps
// relative to the request, generatorURL, state), the same fingerprints in the same order,
// and the same rendering of the timestamps the case wrote. Both must also match the
// table's expectations, so a change on either side shows which one moved.
func TestAlertmanagerFakeParity(t *testing.T) {
	base := mustEnv(t, "ALERTMANAGER_URL")
	rt := realResolveTimeout(t, base)
	fake := fakes.NewAlertmanager()
	defer fake.Close()
	fake.ResolveTimeout = rt
	run := time.Now().UnixNano()
	for i, c := range fakes.AMCases() {
		t.Run(c.Name, func(t *testing.T) {
			tag := fmt.Sprintf("p%d-%d", run, i)
			real, err := fakes.RunAMCase(amClient, base, tag, rt, c)
			require.NoError(t, err, "real Alertmanager")
			fk, err := fakes.RunAMCase(amClient, fake.URL(), tag, rt, c)
			require.NoError(t, err, "fake")
			assert.Equal(t, real.Statuses, fk.Statuses, "status codes (real %v, fake bodies %q)", real.Bodies, fk.Bodies)
			for j, s := range c.Steps {
				assert.Equal(t, s.WantStatus, real.Statuses[j], "step %d: real Alertmanager status vs table (%s)", j, real.Bodies[j])
				if s.WantBody != "" {
					assert.Equal(t, s.WantBody, real.Bodies[j], "step %d: real answer vs table", j)
					assert.Equal(t, real.Bodies[j], fk.Bodies[j], "step %d: answer", j)
				}
			}
			assert.Equal(t, real.Active, fk.Active, "listed alerts")
			assert.Equal(t, c.WantActive, nilIfEmpty(real.Active), "real listed alerts vs table")
			assert.Equal(t, real.Fingerprints, fk.Fingerprints, "fingerprints and order")
			assert.Equal(t, real.Raw, fk.Raw, "rendering of explicit timestamps")
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
