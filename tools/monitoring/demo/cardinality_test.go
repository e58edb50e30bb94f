//go:build demo

package demo

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// The cardinality burst: one counter with limit+500 distinct user.id values (a mislabelled
// metric), each series at 1, sent once through the agent. The gateways route all series of a
// metric to one replica, whose cardinality processor admits limit-1 series and merges the
// rest into one otel.metric.overflow=true series: Prometheus must hold at most limit+1 series
// of the metric, and their sum must still be the number of series sent.
type burstProbe struct {
	s     *stack
	name  string // Prometheus name
	limit int
	sent  int
}

func sendCardinalityBurst(t *testing.T, s *stack, n string) *burstProbe {
	limit := envInt(t, s, "MAX_SERIES_PER_METRIC")
	b := &burstProbe{s: s, name: "e2e_burst_" + n + "_total", limit: limit, sent: limit + 500}
	now := time.Now()
	start := now.Add(-time.Minute)
	points := make([]map[string]any, 0, b.sent)
	for i := 0; i < b.sent; i++ {
		points = append(points, point(start, now, 1, attrs("user.id", "user-"+strconv.Itoa(i))))
	}
	body := metricsJSON("e2e-burst", counter("e2e.burst."+n, points...))
	if err := post("http://"+s.get(t, "AGENT_OTLP_HTTP")+"/v1/metrics", "application/json", body); err != nil {
		t.Fatalf("sending the cardinality burst: %v", err)
	}
	return b
}

// sel: the burst's series with their last sample of the test's time (a sample delivered late
// is still found; an instant selector only looks back 5 minutes).
func (b *burstProbe) sel(matchers string) string {
	return "last_over_time(" + b.name + "{" + matchers + "}[30m])"
}

func (b *burstProbe) check(t *testing.T) {
	prom := b.s.get(t, "PROMETHEUS_URL")
	var series int
	eventually(t, 3*time.Minute, 5*time.Second, fmt.Sprintf("the %d-series burst adds up in Prometheus", b.sent), func() error {
		_, sum, err := promQuery(prom, "sum("+b.sel("")+")")
		if err != nil {
			return err
		}
		if len(sum) == 0 {
			return fmt.Errorf("no %s in Prometheus", b.name)
		}
		if got := sum[0].float(); got != float64(b.sent) {
			return fmt.Errorf("sum(%s) = %v, want %d (one per series sent)", b.name, got, b.sent)
		}
		n, _, err := promQuery(prom, b.sel(""))
		series = n
		return err
	})
	if series > b.limit+1 {
		t.Errorf("%s has %d series in Prometheus, want at most limit+1 = %d", b.name, series, b.limit+1)
	}
	n, over, err := promQuery(prom, b.sel(`otel_metric_overflow="true"`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d overflow series of %s, want 1", n, b.name)
	}
	// The overflow holds exactly the series past the limit (limit-1 admitted, the overflow
	// series counts against the limit).
	if want := float64(b.sent - (series - 1)); over[0].float() != want {
		t.Errorf("overflow series value %v, want %v (%d sent - %d admitted)", over[0].float(), want, b.sent, series-1)
	}
	t.Logf("%s: %d series sent, %d in Prometheus (limit %d), overflow %v", b.name, b.sent, series, b.limit, over[0].float())
}
