package piiredact

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact"
)

// CleanLines keeps the lines piiredact (default config) leaves unchanged.
func CleanLines(tb testing.TB, lines []string) []string {
	f := piiredact.NewFactory()
	sink := new(consumertest.LogsSink)
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), f.CreateDefaultConfig(), sink)
	if err != nil {
		tb.Fatal(err)
	}
	batches, _ := LogBatches(lines, len(lines))
	if err := p.ConsumeLogs(context.Background(), batches[0]); err != nil {
		tb.Fatal(err)
	}
	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	var clean []string
	for i := 0; i < out.Len(); i++ {
		if out.At(i).Body().Str() == lines[i] {
			clean = append(clean, lines[i])
		}
	}
	return clean
}
