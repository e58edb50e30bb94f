package incident

import (
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
)

// BenchmarkConsumeLogs: one batch of 1,000 log records (half ERROR, 10 services) through
// the consume path: rule evaluation, fingerprinting, state machine, persistence. "nomatch"
// is the same walk with a rule that never matches (the pdata walk alone), "memory" has no
// storage, "file_storage" writes to a real file_storage extension (fsync off).
func BenchmarkConsumeLogs(b *testing.B) {
	ld := plog.NewLogs()
	for s := 0; s < 10; s++ {
		l := makeLogs(100, plog.SeverityNumberInfo, "svc-"+string(rune('a'+s)), "request done")
		lrs := l.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := 0; i < lrs.Len(); i += 2 {
			lrs.At(i).SetSeverityNumber(plog.SeverityNumberError)
		}
		l.ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
	}
	wh := fakes.NewWebhook(nil)
	defer wh.Close()
	for _, mode := range []string{"nomatch", "memory", "file_storage"} {
		b.Run(mode, func(b *testing.B) {
			cfg := baseConfig(nil, nil, wh)
			if mode == "nomatch" {
				cfg.Rules[0].When.Severity = "FATAL4"
			}
			host := componenttest.NewNopHost()
			if mode == "file_storage" {
				id, ext := newFileStorage(b, b.TempDir())
				defer func() { _ = ext.Shutdown(ctx) }()
				cfg.Storage = &id
				host = &storageHost{exts: map[component.ID]component.Component{id: ext}}
			}
			x, err := newExporter(metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
			if err != nil {
				b.Fatal(err)
			}
			x.manual = true
			if err := x.start(ctx, host); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = x.shutdown(ctx) }()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := x.consumeLogs(ctx, ld); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
