package pgstats

import (
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// point is one data point's value and attributes, flattened for assertions.
type point struct {
	value float64
	attrs map[string]string
}

// points returns the number data points (gauge or sum) of metric name under the resource
// of server (postgresql.server.name), or under every resource when server is "".
func points(m pmetric.Metrics, server, name string) []point {
	var out []point
	rms := m.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		if v, _ := rm.Resource().Attributes().Get("postgresql.server.name"); server != "" && v.Str() != server {
			continue
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				mt := ms.At(k)
				if mt.Name() != name {
					continue
				}
				var dps pmetric.NumberDataPointSlice
				switch mt.Type() {
				case pmetric.MetricTypeGauge:
					dps = mt.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = mt.Sum().DataPoints()
				}
				for d := 0; d < dps.Len(); d++ {
					dp := dps.At(d)
					p := point{value: dp.DoubleValue(), attrs: map[string]string{}}
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						p.value = float64(dp.IntValue())
					}
					for k, v := range dp.Attributes().All() {
						p.attrs[k] = v.AsString()
					}
					out = append(out, p)
				}
			}
		}
	}
	return out
}
