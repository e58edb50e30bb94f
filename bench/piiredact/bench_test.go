package piiredact

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact"
)

type candidate struct {
	name    string
	factory processor.Factory
	cfg     func(tb testing.TB) component.Config
}

// candidates returns both processors; the stock one with the SQL sanitizer only for traces.
func candidates(traces ...bool) []candidate {
	withSQL := len(traces) > 0 && traces[0]
	return []candidate{
		{"piiredact", piiredact.NewFactory(), func(testing.TB) component.Config {
			return piiredact.NewFactory().CreateDefaultConfig()
		}},
		{"redaction", redactionprocessor.NewFactory(), func(tb testing.TB) component.Config {
			f := redactionprocessor.NewFactory()
			cfg := f.CreateDefaultConfig()
			if err := confmap.NewFromStringMap(StockConfig(withSQL)).Unmarshal(cfg); err != nil {
				tb.Fatal(err)
			}
			return cfg
		}},
	}
}

func settings(f processor.Factory) processor.Settings {
	return processortest.NewNopSettings(f.Type())
}

func benchLogs(b *testing.B, batches []plog.Logs, sizes []int64) {
	var total, records int64
	for i, ld := range batches {
		total += sizes[i]
		records += int64(ld.LogRecordCount())
	}
	for _, c := range candidates() {
		b.Run(c.name, func(b *testing.B) {
			p, err := c.factory.CreateLogs(context.Background(), settings(c.factory), c.cfg(b), consumertest.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			fresh := make([]plog.Logs, len(batches))
			for i := range fresh {
				fresh[i] = plog.NewLogs()
			}
			b.SetBytes(total)
			b.ReportAllocs()
			var elapsed time.Duration
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				for i, ld := range batches {
					fresh[i] = plog.NewLogs()
					ld.CopyTo(fresh[i])
				}
				b.StartTimer()
				start := time.Now()
				for i := range fresh {
					if err := p.ConsumeLogs(ctx, fresh[i]); err != nil {
						b.Fatal(err)
					}
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(int64(b.N)*records), "ns/record")
		})
	}
}

// BenchmarkLoghub is workload (a): every loghub line as a log body, batches of 1,000 records.
func BenchmarkLoghub(b *testing.B) {
	lines, err := LoghubLines()
	if err != nil {
		b.Skip(err)
	}
	batches, sizes := LogBatches(lines, 1000)
	benchLogs(b, batches, sizes)
}

// BenchmarkLoghubPII10 is workload (c): (a) with PII injected into 10% of the records.
func BenchmarkLoghubPII10(b *testing.B) {
	lines, err := LoghubLines()
	if err != nil {
		b.Skip(err)
	}
	batches, sizes := LogBatches(InjectPII(lines, 0.10, 42), 1000)
	benchLogs(b, batches, sizes)
}

// BenchmarkLoghubClean runs only the loghub lines in which piiredact finds nothing, to show
// the cost (and allocations) of clean records.
func BenchmarkLoghubClean(b *testing.B) {
	lines, err := LoghubLines()
	if err != nil {
		b.Skip(err)
	}
	clean := CleanLines(b, lines)
	batches, sizes := LogBatches(clean, 1000)
	benchLogs(b, batches, sizes)
}

// BenchmarkSpans is workload (b): spans with url.full, db.statement, user.email and an event.
func BenchmarkSpans(b *testing.B) {
	td, bytes := SpanBatch(1000, 7)
	for _, c := range candidates(true) {
		b.Run(c.name, func(b *testing.B) {
			p, err := c.factory.CreateTraces(context.Background(), settings(c.factory), c.cfg(b), consumertest.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.SetBytes(bytes)
			b.ReportAllocs()
			var elapsed time.Duration
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				fresh := ptrace.NewTraces()
				td.CopyTo(fresh)
				b.StartTimer()
				start := time.Now()
				if err := p.ConsumeTraces(ctx, fresh); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*td.SpanCount()), "ns/record")
		})
	}
}
