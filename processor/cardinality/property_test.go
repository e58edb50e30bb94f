package cardinality

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// stream is one input series of the property test.
type stream struct {
	attrs  map[string]any
	v      int64    // cumulative sum value
	counts []uint64 // cumulative histogram buckets
	sum    int64    // cumulative histogram sum (integral, so float sums are exact)
	start  uint64
}

// totals per metric: what a consumer counts (delta: the sum of values; cumulative: the sum
// of increases with resets) for sums, histogram counts and histogram sums.
type totals map[string]*[3]float64

func (tt totals) add(metric string, i int, v float64) {
	if tt[metric] == nil {
		tt[metric] = &[3]float64{}
	}
	tt[metric][i] += v
}

// TestPropertyTotalsExact: for random limits, series, batches, resets and restarts, the sum
// over the output equals the sum over the input per metric (the spec's "MUST NOT be
// double-counted or dropped"), for delta and cumulative sums and histograms, while the
// number of output series per metric never exceeds its limit.
func TestPropertyTotalsExact(t *testing.T) {
	bounds := []float64{1, 10, 100}
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			lim := 2 + r.IntN(6)
			h := newHarness(t, func(c *Config) {
				c.Limits.MaxSeriesPerMetric = lim
				c.Limits.MaxSeries = 2 + r.IntN(30)
			})
			kinds := []string{"dsum", "csum", "dhist", "chist"}
			streams := map[string][]*stream{}
			for _, k := range kinds {
				n := 1 + r.IntN(15)
				for i := 0; i < n; i++ {
					streams[k] = append(streams[k], &stream{attrs: series(i), counts: make([]uint64, 4), start: 1})
				}
			}
			in, out := totals{}, totals{}
			inCum := map[string]*cumSeries{}  // input cumulative series → increase
			outCum := map[string]*cumSeries{} // output cumulative series → increase
			outSeries := map[string]map[string]bool{}
			cumAdd := func(m map[string]*cumSeries, key string, v float64, start uint64) float64 {
				c := m[key]
				if c == nil {
					c = &cumSeries{}
					m[key] = c
				}
				before := c.total
				c.add(v, start)
				return c.total - before
			}
			for step := 0; step < 30; step++ {
				ts := uint64(100 + step)
				md := pmetric.NewMetrics()
				for _, k := range kinds {
					var sumPts []numPt
					var histPts []histPt
					for i, s := range streams[k] {
						if r.IntN(3) == 0 {
							continue // not in this batch
						}
						key := fmt.Sprint(k, i)
						switch k {
						case "dsum":
							v := int64(r.IntN(50))
							sumPts = append(sumPts, numPt{attrs: s.attrs, i: v, start: ts - 1, ts: ts})
							in.add(k, 0, float64(v))
						case "csum":
							switch r.IntN(12) {
							case 0:
								s.start = ts // restart
								s.v = int64(r.IntN(5))
							case 1:
								s.v /= 2 // reset seen as a decrease
							default:
								s.v += int64(r.IntN(50))
							}
							sumPts = append(sumPts, numPt{attrs: s.attrs, i: s.v, start: s.start, ts: ts})
							in.add(k, 0, cumAdd(inCum, key, float64(s.v), s.start))
						case "dhist", "chist":
							if k == "dhist" || r.IntN(12) == 0 {
								s.counts, s.sum, s.start = make([]uint64, 4), 0, ts
							}
							for b := range s.counts {
								c := uint64(r.IntN(4))
								s.counts[b] += c
								s.sum += int64(c) * int64(b+1)
							}
							histPts = append(histPts, histPt{attrs: s.attrs, bounds: bounds, counts: append([]uint64(nil), s.counts...), sum: float64(s.sum), start: s.start, ts: ts})
							var n uint64
							for _, c := range s.counts {
								n += c
							}
							if k == "dhist" {
								in.add(k, 1, float64(n))
								in.add(k, 2, float64(s.sum))
							} else {
								in.add(k, 1, cumAdd(inCum, key+"/n", float64(n), s.start))
								in.add(k, 2, cumAdd(inCum, key+"/s", float64(s.sum), s.start))
							}
						}
					}
					switch {
					case k == "dsum" && len(sumPts) > 0:
						addSum(md, svcA, k, pmetric.AggregationTemporalityDelta, true, sumPts...)
					case k == "csum" && len(sumPts) > 0:
						addSum(md, svcA, k, pmetric.AggregationTemporalityCumulative, true, sumPts...)
					case k == "dhist" && len(histPts) > 0:
						addHist(md, svcA, k, pmetric.AggregationTemporalityDelta, histPts...)
					case k == "chist" && len(histPts) > 0:
						addHist(md, svcA, k, pmetric.AggregationTemporalityCumulative, histPts...)
					}
				}
				res := h.send(t, md)
				for _, k := range kinds {
					for _, p := range points(res, k) {
						key := p.key()
						if outSeries[k] == nil {
							outSeries[k] = map[string]bool{}
						}
						outSeries[k][key] = true
						switch k {
						case "dsum":
							out.add(k, 0, numValueOf(p.num))
						case "csum":
							out.add(k, 0, cumAdd(outCum, k+key, numValueOf(p.num), uint64(p.num.StartTimestamp())))
						case "dhist":
							out.add(k, 1, float64(p.hist.Count()))
							out.add(k, 2, p.hist.Sum())
						case "chist":
							st := uint64(p.hist.StartTimestamp())
							out.add(k, 1, cumAdd(outCum, k+key+"/n", float64(p.hist.Count()), st))
							out.add(k, 2, cumAdd(outCum, k+key+"/s", p.hist.Sum(), st))
						}
					}
				}
			}
			for _, k := range kinds {
				require.Equal(t, in[k], out[k], "metric %s: totals in (sum, count, hist sum) vs out", k)
				require.LessOrEqual(t, len(outSeries[k]), lim, "metric %s: output series above the limit", k)
			}
		})
	}
}
