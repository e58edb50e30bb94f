package piiredact

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/internal/datasets"
	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/metadatatest"
)

func loghubLines(tb testing.TB) map[string][]string {
	tb.Helper()
	// Skips without the corpus, fails when LOGHUB_REQUIRED is set (CI).
	files, _ := filepath.Glob(filepath.Join(datasets.Dir(tb, datasets.Loghub), "*_2k.log"))
	out := map[string][]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(tb, err)
		s := bufio.NewScanner(fh)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			out[filepath.Base(f)] = append(out[filepath.Base(f)], s.Text())
		}
		fh.Close()
	}
	return out
}

// TestCleanRecordsDoNotAllocate checks that walking log records without PII allocates
// nothing per record: one batch of 1,000 clean loghub lines (string bodies and attributes).
func TestCleanRecordsDoNotAllocate(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(context.Background())) }()
	p, err := newPIIProcessor(defaultCfg(), metadatatest.NewSettings(tt))
	require.NoError(t, err)

	// Keep only lines without findings, as attribute values and bodies.
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "hdfs")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	sc := p.scanner
	n := 0
	for _, lines := range loghubLines(t) {
		for _, l := range lines {
			if n == 1000 {
				break
			}
			if len(sc.Scan(l, 0, nil)) > 0 {
				continue
			}
			lr := lrs.AppendEmpty()
			lr.Body().SetStr(l)
			lr.Attributes().PutStr("log.file.name", "x.log")
			lr.Attributes().PutInt("line", int64(n))
			lr.Attributes().PutEmptyMap("http").PutStr("route", "/a/b")
			n++
		}
	}
	require.Equal(t, 1000, n)
	ctx := context.Background()
	_, _ = p.processLogs(ctx, ld) // warm the pool
	allocs := testing.AllocsPerRun(10, func() { _, _ = p.processLogs(ctx, ld) })
	// The telemetry recording at the end of the batch may allocate a few objects; per record
	// the walk must allocate nothing.
	if allocs > 8 {
		t.Fatalf("%v allocs per batch of 1,000 clean records", allocs)
	}
	t.Logf("%v allocs per batch of %d clean records", allocs, n)
}

func BenchmarkProcessLogsClean(b *testing.B) {
	tt := componenttest.NewTelemetry()
	defer func() { _ = tt.Shutdown(context.Background()) }()
	p, err := newPIIProcessor(defaultCfg(), metadatatest.NewSettings(tt))
	require.NoError(b, err)
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	var bytes int64
	for _, lines := range loghubLines(b) {
		for _, l := range lines {
			if lrs.Len() == 1000 {
				break
			}
			if len(p.scanner.Scan(l, 0, nil)) == 0 {
				lrs.AppendEmpty().Body().SetStr(l)
				bytes += int64(len(l))
			}
		}
	}
	ctx := context.Background()
	b.SetBytes(bytes)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.processLogs(ctx, ld)
	}
}
