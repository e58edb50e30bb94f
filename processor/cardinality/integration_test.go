//go:build integration

package cardinality

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	prw "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusremotewriteexporter"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/metadata"
)

// queryClient keeps no idle connections (the package's goleak check runs after the tests).
var queryClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

// promQuery runs an instant query at time at and returns the single scalar-ish result.
func promQuery(t *testing.T, base, q string, at time.Time) (float64, bool) {
	t.Helper()
	u := base + "/api/v1/query?" + url.Values{"query": {q}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}.Encode()
	resp, err := queryClient.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
		Error string `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "success", body.Status, "query %s: %s", q, body.Error)
	if len(body.Data.Result) == 0 {
		return 0, false
	}
	require.Len(t, body.Data.Result, 1, q)
	v, err := strconv.ParseFloat(body.Data.Result[0].Value[1].(string), 64)
	require.NoError(t, err)
	return v, true
}

// TestPrometheusRemoteWrite: an explosion of cumulative counters and histograms goes
// through the processor and the contrib prometheusremotewrite exporter into a real
// Prometheus. Overflow series are accepted (they are cumulative), Prometheus stores at most
// limit series per metric (limit-1 admitted + the overflow series), and the totals match.
func TestPrometheusRemoteWrite(t *testing.T) {
	base := os.Getenv("PROMETHEUS_URL")
	if base == "" {
		t.Fatal("PROMETHEUS_URL is not set (start test/env/prometheus.sh and export its env)")
	}
	const limit, seriesPerMetric, rounds = 50, 2000, 3
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	counter, hist := "card_it_"+run+"_requests", "card_it_"+run+"_latency"

	ctx := context.Background()
	ef := prw.NewFactory()
	ecfg := ef.CreateDefaultConfig().(*prw.Config)
	ecfg.ClientConfig.Endpoint = base + "/api/v1/write"
	ecfg.HTTP.Endpoint = base + "/api/v1/write"
	ecfg.AddMetricSuffixes = false //nolint:staticcheck // the names the test queries; TranslationStrategy's type is unexported
	// No idle connections left behind after Shutdown (the package's goleak check).
	// confighttp has no other programmatic switch for keep-alives in v0.161.0.
	ecfg.ClientConfig.DisableKeepAlives = true //nolint:staticcheck // see above
	ecfg.HTTP.DisableKeepAlives = true         //nolint:staticcheck // see above
	exp, err := ef.CreateMetrics(ctx, exportertest.NewNopSettings(ef.Type()), ecfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))

	cfg := createDefaultConfig()
	cfg.Limits.MaxSeriesPerMetric = limit
	proc, err := NewFactory().CreateMetrics(ctx, processortest.NewNopSettings(metadata.Type), cfg, exp)
	require.NoError(t, err)
	require.NoError(t, proc.Start(ctx, componenttest.NewNopHost()))

	start := time.Now().Add(-time.Minute)
	var last time.Time
	var wantSum, wantCount float64
	for r := 1; r <= rounds; r++ {
		ts := start.Add(time.Duration(r) * 10 * time.Second)
		last = ts
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "cardinality-it")
		rm.Resource().Attributes().PutStr("service.instance.id", run)
		rm.Resource().Attributes().PutStr("host.name", "h1")
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName("it")
		c := sm.Metrics().AppendEmpty()
		c.SetName(counter)
		s := c.SetEmptySum()
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		s.SetIsMonotonic(true)
		h := sm.Metrics().AppendEmpty()
		h.SetName(hist)
		hh := h.SetEmptyHistogram()
		hh.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		wantSum, wantCount = 0, 0
		for i := 0; i < seriesPerMetric; i++ {
			dp := s.DataPoints().AppendEmpty()
			dp.Attributes().PutStr("user_id", strconv.Itoa(i))
			v := int64(r * (i%7 + 1))
			dp.SetIntValue(v)
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
			wantSum += float64(v)

			hp := hh.DataPoints().AppendEmpty()
			hp.Attributes().PutStr("user_id", strconv.Itoa(i))
			hp.ExplicitBounds().FromRaw([]float64{0.1, 1})
			n := uint64(r * (i%3 + 1))
			hp.BucketCounts().FromRaw([]uint64{n, n, 0})
			hp.SetCount(2 * n)
			hp.SetSum(float64(n))
			hp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			hp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
			wantCount += float64(2 * n)
		}
		require.NoError(t, proc.ConsumeMetrics(ctx, md))
	}
	require.NoError(t, proc.Shutdown(ctx))
	require.NoError(t, exp.Shutdown(ctx)) // drains the remote-write queue

	at := last
	var stored float64
	require.Eventually(t, func() bool {
		v, ok := promQuery(t, base, fmt.Sprintf("count(%s)", counter), at)
		stored = v
		return ok && v > 0
	}, 30*time.Second, 250*time.Millisecond, "no samples of %s in Prometheus", counter)
	require.LessOrEqual(t, stored, float64(limit), "stored series of %s must be <= limit (limit-1 admitted + overflow)", counter)
	require.Equal(t, float64(limit), stored, "all admitted series and the overflow series are stored")

	over, ok := promQuery(t, base, fmt.Sprintf(`%s{otel_metric_overflow="true"}`, counter), at)
	require.True(t, ok, "the cumulative overflow series was accepted by Prometheus")
	require.Greater(t, over, 0.0)
	total, _ := promQuery(t, base, fmt.Sprintf("sum(%s)", counter), at)
	require.Equal(t, wantSum, total, "sum over stored series == sum over the input")

	hcount, _ := promQuery(t, base, fmt.Sprintf("count(%s_count)", hist), at)
	require.Equal(t, float64(limit), hcount, "histogram series stored")
	htotal, _ := promQuery(t, base, fmt.Sprintf("sum(%s_count)", hist), at)
	require.Equal(t, wantCount, htotal, "histogram counts: sum over stored series == sum over the input")
	_, ok = promQuery(t, base, fmt.Sprintf(`%s_bucket{otel_metric_overflow="true",le="+Inf"}`, hist), at)
	require.True(t, ok, "the overflow histogram was accepted")
	t.Logf("stored %v counter series (limit %d), overflow value %v, totals %v / histogram count %v", stored, limit, over, total, htotal)
}
