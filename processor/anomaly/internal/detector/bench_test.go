package detector

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkUpdate measures one point through one series' detector.
func BenchmarkUpdate(b *testing.B) {
	vals := noise(1<<16, 11, 100, 10)
	d := New(DefaultConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Update(int64(i), vals[i&(1<<16-1)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkMemoryPerSeries measures the heap held by one series' detector.
func BenchmarkMemoryPerSeries(b *testing.B) {
	const n = 10000
	vals := noise(64, 12, 1, 1)
	var before, after runtime.MemStats
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&before)
		ds := make([]*Detector, n)
		for j := range ds {
			ds[j] = New(DefaultConfig())
			for _, v := range vals {
				ds[j].Update(0, v)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/series")
		runtime.KeepAlive(ds)
	}
}

// BenchmarkCADCombined measures the envelopes plus the causal contextual
// memory (experiment, not shipped) on noise, with a context cap.
func BenchmarkCADCombined(b *testing.B) {
	for _, maxCtx := range []int{0, 1024} {
		b.Run(fmt.Sprintf("maxctx=%d", maxCtx), func(b *testing.B) {
			vals := noise(1<<16, 11, 100, 10)
			cfg := DefaultConfig()
			cfg.CAD, cfg.CADOffset = true, 0.1
			cfg.CADCfg = CausalCADConfig{Warm: 50, Margin: 0.1, Rest: 150, MaxCtx: maxCtx}
			d := New(cfg)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.Update(int64(i), vals[i&(1<<16-1)])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
			if d.cad != nil && d.cad.c != nil {
				b.ReportMetric(float64(len(d.cad.c.mem.ctxs)), "contexts")
			}
		})
	}
}
