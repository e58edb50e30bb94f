package piiredact

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
)

// The ip detector's policy through the factory: by default loopback and unspecified addresses
// stay (they identify nobody), private and public ones are masked; keep_loopback: false masks
// loopback too; keep_private: true keeps private and link-local ones.
func TestIPPolicy(t *testing.T) {
	const line = "dial 127.0.0.1:5432 and [::1]:4317, listen 0.0.0.0:4318, peer 10.1.2.3, client 203.0.113.9, fe80::1"
	for _, tc := range []struct {
		name string
		set  func(*IPConfig)
		want string
	}{
		{"default", func(*IPConfig) {},
			"dial 127.0.0.1:5432 and [::1]:4317, listen 0.0.0.0:4318, peer [REDACTED:ip], client [REDACTED:ip], [REDACTED:ip]"},
		{"keep_loopback false", func(c *IPConfig) { c.KeepLoopback = false },
			"dial [REDACTED:ip]:5432 and [[REDACTED:ip]]:4317, listen 0.0.0.0:4318, peer [REDACTED:ip], client [REDACTED:ip], [REDACTED:ip]"},
		{"keep_private", func(c *IPConfig) { c.KeepPrivate = true },
			"dial 127.0.0.1:5432 and [::1]:4317, listen 0.0.0.0:4318, peer 10.1.2.3, client [REDACTED:ip], fe80::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := defaultCfg()
			tc.set(&cfg.Detectors.IP)
			require.NoError(t, cfg.Validate())
			sink := new(consumertest.LogsSink)
			p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(NewFactory().Type()), cfg, sink)
			require.NoError(t, err)
			ld := plog.NewLogs()
			ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(line)
			require.NoError(t, p.ConsumeLogs(context.Background(), ld))
			require.Equal(t, 1, sink.LogRecordCount())
			got := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().Str()
			assert.Equal(t, tc.want, got)
		})
	}
}
