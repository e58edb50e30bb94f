//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// cardGroupsBody is the log body that made the credit-card scanner of piiredact quadratic:
// "4111 " repeated to 2 MB (seconds at 256 KB, no answer within 60 s at 2 MB, and SIGTERM
// ignored while it scanned).
func cardGroupsLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "e2e-hardening-pii")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	lr.Body().SetStr(strings.Repeat("4111 ", 2<<20/5))
	return ld
}

// TestHardeningPIILinearScan sends the 2 MB body through the built binary's piiredact (the
// logs pipeline of configs/local.yaml) over gRPC and HTTP: each request is answered within
// 30 s, the process stays alive and the same pipeline answers the next request; then SIGTERM
// stops the process within 5 s. (The old scanner ignored SIGTERM while it scanned; SIGTERM is
// sent once the pipelines are drained: with a batch still in flight, the shared contrib file
// exporter of configs/local.yaml can be shut down by another pipeline first and panic on its
// nil writer, an upstream shutdown-order race this test is not about.)
func TestHardeningPIILinearScan(t *testing.T) {
	c := startLocalCollector(t)
	req := logsRequest(t, cardGroupsLogs())
	for _, tr := range []transport{overGRPC, overHTTP} {
		start := time.Now()
		if err := c.send(tr, req, 30*time.Second); err != nil {
			t.Fatalf("%s: the 2 MB card-group body was not answered: %v", tr, err)
		}
		t.Logf("%s: 2 MB card-group body answered in %v", tr, time.Since(start).Round(time.Millisecond))
		c.requireSurvived(t, tr, signalLogs)
	}
	c.requireStopsOnSIGTERM(t)
}
