package piiredact

import (
	"context"
	"os"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestChangedRecords reports, beside the speed, how many log records each processor changes
// on the workloads (run with -v; docs/benchmarks.md quotes it).
func TestChangedRecords(t *testing.T) {
	lines, err := LoghubLines()
	if err != nil {
		if os.Getenv("LOGHUB_REQUIRED") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	for _, w := range []struct {
		name  string
		lines []string
	}{{"loghub", lines}, {"loghub+10%PII", InjectPII(lines, 0.10, 42)}} {
		for _, c := range candidates() {
			sink := new(consumertest.LogsSink)
			p, err := c.factory.CreateLogs(context.Background(), settings(c.factory), c.cfg(t), sink)
			if err != nil {
				t.Fatal(err)
			}
			batches, _ := LogBatches(w.lines, 1000)
			changed, k := 0, 0
			for _, b := range batches {
				in := plog.NewLogs()
				b.CopyTo(in)
				if err := p.ConsumeLogs(context.Background(), in); err != nil {
					t.Fatal(err)
				}
			}
			for _, out := range sink.AllLogs() {
				lrs := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
				for i := 0; i < lrs.Len(); i++ {
					if lrs.At(i).Body().Str() != w.lines[k] {
						changed++
					}
					k++
				}
			}
			if k != len(w.lines) {
				t.Fatalf("%d records out, %d in", k, len(w.lines))
			}
			t.Logf("%-14s %-10s changed %5d of %d records", w.name, c.name, changed, k)
		}
	}
}
