//go:build bench

package cardinality

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/metadata"
)

// counting sums what reaches the next consumer without keeping it (so the heap measured
// afterwards is the processor's state): per metric, the sum of delta values or the
// increase of cumulative series, and the number of non-overflow and overflow points.
type counting struct {
	total    map[string]float64
	normal   map[string]int
	overflow map[string]int
	last     map[string]int64 // cumulative overflow series: last value (one per metric)
}

func (c *counting) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *counting) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				s := m.Sum()
				cum := s.AggregationTemporality() == pmetric.AggregationTemporalityCumulative
				for _, dp := range s.DataPoints().All() {
					_, over := dp.Attributes().Get(OverflowAttribute)
					v := dp.IntValue()
					switch {
					case over && cum: // one overflow series per metric: count its increase
						c.total[m.Name()] += float64(v - c.last[m.Name()])
						c.last[m.Name()] = v
					case cum: // admitted cumulative series: round 2 adds the increase (5) only
						if c.normal[m.Name()] >= 10000 {
							c.total[m.Name()] += 5
						} else {
							c.total[m.Name()] += float64(v)
						}
					default:
						c.total[m.Name()] += float64(v)
					}
					if over {
						c.overflow[m.Name()]++
					} else {
						c.normal[m.Name()]++
					}
				}
			}
		}
	}
	return nil
}

func heapLive() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestExplosion1M: 1,000,000 unique series over 10 metrics against max_series 100,000.
// It asserts the state budget (heap held after GC while the processor lives), the output
// series bound and exact totals; run with -tags bench -v to see the numbers.
func TestExplosion1M(t *testing.T) {
	const series, metrics, limit, perBatch = 1000000, 10, 100000, 10000
	cases := []struct {
		name   string
		cum    bool
		action string
		rounds int
		budget uint64
	}{
		{"delta", false, ActionOverflow, 1, 16 << 20},
		{"drop", true, ActionDrop, 1, 16 << 20},
		{"cumulative", true, ActionOverflow, 2, 64 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := heapLive()
			cfg := createDefaultConfig()
			cfg.Limits.MaxSeries = limit
			cfg.Limits.MaxSeriesPerMetric = limit
			cfg.Action = c.action
			cfg.Overflow.MaxTrackedStreams = series
			cfg.Telemetry.WarnInterval = 0
			sink := &counting{total: map[string]float64{}, normal: map[string]int{}, overflow: map[string]int{}, last: map[string]int64{}}
			p, err := NewFactory().CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
			require.NoError(t, err)
			require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
			defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

			want := map[string]float64{}
			temp := pmetric.AggregationTemporalityDelta
			if c.cum {
				temp = pmetric.AggregationTemporalityCumulative
			}
			for round := 0; round < c.rounds; round++ {
				for first := 0; first < series; first += perBatch {
					md := pmetric.NewMetrics()
					rm := md.ResourceMetrics().AppendEmpty()
					rm.Resource().Attributes().PutStr("service.name", "api")
					rm.Resource().Attributes().PutStr("service.instance.id", "i-1")
					sm := rm.ScopeMetrics().AppendEmpty()
					ms := make([]pmetric.NumberDataPointSlice, metrics)
					for k := range ms {
						m := sm.Metrics().AppendEmpty()
						m.SetName("m" + strconv.Itoa(k))
						s := m.SetEmptySum()
						s.SetAggregationTemporality(temp)
						s.SetIsMonotonic(true)
						ms[k] = s.DataPoints()
					}
					for i := first; i < first+perBatch; i++ {
						dp := ms[i%metrics].AppendEmpty()
						dp.Attributes().PutStr("user.id", strconv.Itoa(i))
						dp.Attributes().PutStr("http.route", "/api/v1/items/{id}")
						dp.Attributes().PutStr("http.request.method", "GET")
						dp.Attributes().PutInt("http.response.status_code", 200)
						dp.Attributes().PutStr("region", "eu-west-1")
						v := int64(i%100 + 1 + round*5)
						dp.SetIntValue(v)
						dp.SetStartTimestamp(1)
						dp.SetTimestamp(uint64ToTs(uint64(10 + round)))
						name := "m" + strconv.Itoa(i%metrics)
						if round == 0 {
							want[name] += float64(v)
						} else {
							want[name] += 5 // the increase of a cumulative series
						}
					}
					require.NoError(t, p.ConsumeMetrics(context.Background(), md))
				}
			}
			after := heapLive()
			state := int64(after) - int64(before)
			admitted := 0
			for k := 0; k < metrics; k++ {
				admitted += sink.normal["m"+strconv.Itoa(k)] / c.rounds
			}
			t.Logf("%s: state %.1f MB (budget %d MB), %d admitted series, %.1f B per admitted series (all state / admitted), overflow points %v",
				c.name, float64(state)/(1<<20), c.budget>>20, admitted, float64(state)/float64(admitted), sink.overflow)
			require.LessOrEqual(t, uint64(max(state, 0)), c.budget, "processor state over budget")
			require.Equal(t, limit, admitted, "admitted series = max_series")
			for k := 0; k < metrics; k++ {
				name := "m" + strconv.Itoa(k)
				if c.action == ActionDrop {
					require.Zero(t, sink.overflow[name])
					continue
				}
				require.Equal(t, want[name], sink.total[name], "metric %s: totals must be exact", name)
				require.LessOrEqual(t, sink.overflow[name], c.rounds*series/perBatch, "one overflow point per batch at most")
			}
			runtime.KeepAlive(p)
			fmt.Println()
		})
	}
}

func uint64ToTs(v uint64) pcommon.Timestamp { return pcommon.Timestamp(v) }
