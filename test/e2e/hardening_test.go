//go:build e2e

package e2e

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// A count-only histogram (no explicit bounds, one bucket count: valid OTLP) of a metric that
// configs/local.yaml scores with the anomaly processor's quantile statistic, as delta and as
// a cumulative series of two points. It once panicked: over gRPC the process died, over HTTP
// the panic was recovered but left the processor's lock held, so every later metrics request
// hung. The collector must answer it, keep the metrics pipeline working, and stop on SIGTERM.
func TestHardeningAnomalyCountOnlyHistogram(t *testing.T) {
	c := startLocalCollector(t)
	for _, tr := range []transport{overGRPC, overHTTP} {
		req := metricsRequest(t, countOnlyHistograms(string(tr)))
		if err := c.send(tr, req, 10*time.Second); err != nil {
			t.Errorf("%s: count-only histogram refused: %v", tr, err)
		}
		c.requireSurvived(t, tr, signalMetrics)
	}
	c.requireStopsOnSIGTERM(t)
}

// countOnlyHistograms is http.server.request.duration (selected by the anomaly processor in
// configs/local.yaml) as count-only histogram points: one delta point, and a cumulative
// series of two points (the first is only remembered, the second is scored).
func countOnlyHistograms(tag string) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "e2e-hardening-"+tag)
	sm := rm.ScopeMetrics().AppendEmpty()
	start := time.Now().Add(-time.Minute)
	for _, temporality := range []pmetric.AggregationTemporality{
		pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative,
	} {
		m := sm.Metrics().AppendEmpty()
		m.SetName("http.server.request.duration")
		m.SetUnit("s")
		h := m.SetEmptyHistogram()
		h.SetAggregationTemporality(temporality)
		for i := 1; i <= 2; i++ {
			dp := h.DataPoints().AppendEmpty()
			dp.Attributes().PutStr("temporality", temporality.String())
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			dp.SetTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(i) * 10 * time.Second)))
			dp.SetCount(uint64(5 * i))
			dp.SetSum(0.5 * float64(i))
			dp.BucketCounts().FromRaw([]uint64{uint64(5 * i)})
		}
	}
	return md
}

// Exponential histogram points with extreme (int32) bucket offsets, sent once a metric is
// over its cardinality limit (configs/local.yaml: 2000 series per metric), reach the
// overflow merge. Its int32 index arithmetic once wrapped (makeslice: len out of range,
// index out of range) and the process died. The collector must answer, keep the metrics
// pipeline working, and stop on SIGTERM.
func TestHardeningCardinalityExtremeExpoOffsets(t *testing.T) {
	c := startLocalCollector(t)
	for _, tr := range []transport{overGRPC, overHTTP} {
		req := metricsRequest(t, extremeExpoOverLimit(string(tr), 2000))
		if err := c.send(tr, req, 20*time.Second); err != nil {
			t.Errorf("%s: request refused: %v", tr, err)
		}
		c.requireSurvived(t, tr, signalMetrics)
	}
	// The dropped points are logged once per metric (two metrics), not once per point.
	if n := strings.Count(c.output(), `"reason": "invalid_buckets"`); n != 2 {
		t.Errorf("%d log lines name reason invalid_buckets, want 2 (one per metric)", n)
	}
	c.requireStopsOnSIGTERM(t)
}

// extremeExpoOverLimit is, for a delta and a cumulative exponential histogram metric, limit
// valid series (enough to fill the metric's limit) followed by points with offsets
// math.MinInt32, math.MaxInt32, and math.MaxInt32-100 with 200 buckets.
func extremeExpoOverLimit(tag string, limit int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "e2e-hardening-"+tag)
	sm := rm.ScopeMetrics().AppendEmpty()
	start := time.Now().Add(-time.Minute)
	type shape struct {
		scale  int32
		offset int32
		n      int
	}
	extreme := []shape{{0, math.MinInt32, 1}, {0, math.MaxInt32, 1}, {20, math.MaxInt32 - 100, 200}}
	for _, temporality := range []pmetric.AggregationTemporality{
		pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative,
	} {
		m := sm.Metrics().AppendEmpty()
		m.SetName("e2e.hardening.expo." + temporality.String())
		m.SetUnit("s")
		e := m.SetEmptyExponentialHistogram()
		e.SetAggregationTemporality(temporality)
		shapes := make([]shape, 0, limit+len(extreme))
		for i := 0; i < limit; i++ {
			shapes = append(shapes, shape{3, int32(i % 50), 4})
		}
		shapes = append(shapes, extreme...)
		for i, sh := range shapes {
			dp := e.DataPoints().AppendEmpty()
			dp.Attributes().PutStr("series", fmt.Sprintf("s%d", i))
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			dp.SetTimestamp(pcommon.NewTimestampFromTime(start.Add(30 * time.Second)))
			dp.SetScale(sh.scale)
			dp.Positive().SetOffset(sh.offset)
			for j := 0; j < sh.n; j++ {
				dp.Positive().BucketCounts().Append(1)
			}
			dp.SetCount(uint64(sh.n))
			dp.SetSum(float64(sh.n))
		}
	}
	return md
}
