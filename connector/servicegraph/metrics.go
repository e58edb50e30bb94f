package servicegraph

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/graph"
)

// The metric names of Tempo's metrics generator and contrib's connector. The OTel names
// already end in what the Prometheus translation would add (_total for counters, the unit
// word "seconds" for unit s), so remote write and the prometheus exporter keep them as they are.
const (
	metricRequestTotal  = "traces_service_graph_request_total"
	metricRequestFailed = "traces_service_graph_request_failed_total"
	metricServerSeconds = "traces_service_graph_request_server_seconds"
	metricClientSeconds = "traces_service_graph_request_client_seconds"
	// scopeName is contrib's instrumentation scope for these metrics.
	scopeName = "traces_service_graph"
)

// buildMetrics renders every edge series as cumulative points: two counters and two
// histograms per series, labelled client, server, connection_type, the dimensions
// (client_<name>, server_<name>) and collector.instance.id. Called with c.mu held.
func (c *serviceGraph) buildMetrics(now time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	if c.g.Series() == 0 {
		return md
	}
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(scopeName)
	ms := sm.Metrics()
	total := sum(ms.AppendEmpty(), metricRequestTotal, "Requests between two nodes of the service graph.")
	failed := sum(ms.AppendEmpty(), metricRequestFailed, "Failed requests between two nodes of the service graph.")
	server := hist(ms.AppendEmpty(), metricServerSeconds, "Request duration between two nodes as seen from the server.")
	client := hist(ms.AppendEmpty(), metricClientSeconds, "Request duration between two nodes as seen from the client.")
	ts := pcommon.NewTimestampFromTime(now)
	bounds := c.g.Bounds()
	c.g.Each(func(s *graph.Series) {
		start := pcommon.NewTimestampFromTime(s.Start)
		dp := total.AppendEmpty()
		dp.SetStartTimestamp(start)
		dp.SetTimestamp(ts)
		dp.SetIntValue(int64(s.Total)) //nolint:gosec // a request count never reaches 2^63
		c.labels(dp.Attributes(), s)
		// The failed counter starts at 0 with the series, so the first failure is an
		// increase rate() sees (a counter appearing at 1 would hide it).
		dp = failed.AppendEmpty()
		dp.SetStartTimestamp(start)
		dp.SetTimestamp(ts)
		dp.SetIntValue(int64(s.Failed)) //nolint:gosec // as above
		c.labels(dp.Attributes(), s)
		for _, x := range []struct {
			dps pmetric.HistogramDataPointSlice
			h   *graph.Histogram
		}{{server, &s.ServerLatency}, {client, &s.ClientLatency}} {
			dp := x.dps.AppendEmpty()
			dp.SetStartTimestamp(start)
			dp.SetTimestamp(ts)
			dp.ExplicitBounds().FromRaw(bounds)
			dp.BucketCounts().FromRaw(x.h.Counts)
			dp.SetCount(x.h.Count)
			dp.SetSum(x.h.Sum)
			c.labels(dp.Attributes(), s)
		}
	})
	return md
}

func sum(m pmetric.Metric, name, desc string) pmetric.NumberDataPointSlice {
	m.SetName(name)
	m.SetDescription(desc)
	m.SetUnit("{request}")
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	return s.DataPoints()
}

func hist(m pmetric.Metric, name, desc string) pmetric.HistogramDataPointSlice {
	m.SetName(name)
	m.SetDescription(desc)
	m.SetUnit("s")
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	return h.DataPoints()
}

func (c *serviceGraph) labels(a pcommon.Map, s *graph.Series) {
	a.PutStr("client", s.Client)
	a.PutStr("server", s.Server)
	a.PutStr("connection_type", s.ConnectionType)
	n := len(c.cfg.Dimensions)
	for i, d := range c.cfg.Dimensions {
		if v := s.Dims[i]; v != "" {
			a.PutStr("client_"+d, v)
		}
		if v := s.Dims[n+i]; v != "" {
			a.PutStr("server_"+d, v)
		}
	}
	if c.instanceID != "" {
		a.PutStr(collectorInstanceKey, c.instanceID)
	}
}
