package detector

import (
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
