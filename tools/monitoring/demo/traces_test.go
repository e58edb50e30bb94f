//go:build demo

package demo

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The service's own request logs are the ground truth for sampling: every GraphQL request
// writes one "graphql request" line with its level, duration_ms and trace_id, and logs are not
// sampled. The gateways' tail_sampling must then keep
//   - every trace of an error line (a 5xx: the server span has status ERROR),
//   - every trace of a line with duration_ms >= the threshold (the trace, which also holds
//     the edge's span around it, is at least as long),
//   - every trace of a line with debug=true (sent with X-Debug-Trace: 1: the keep-debug
//     policy on fraiseql.debug; the load marks about 5 % of its scenarios, so among n such
//     requests a sampler without the policy keeps all of them with probability p^n),
//
// whole (spans of the edge and of the service, every parent present), and of the other
// requests (info level and well under the threshold) a share close to SAMPLING_PERCENT.
//
// Tolerance of that share: the probabilistic policy keeps each such trace independently with
// probability p (a hash of the random trace id), so the kept count is Binomial(n, p). We accept
// |kept/n - p| <= 4.5 * sqrt(p(1-p)/n) + 0.01: 4.5 standard deviations make a false failure
// about 1 in 150,000 runs (normal approximation; n >= 1000 ordinary requests, so n*p >= 50 at p = 5 %), and the
// extra point covers traces kept for reasons the log line cannot show (an error span in a
// resolver of a request that still answered 200, edge latency pushing a trace over the
// threshold). At p = 5 % and n = 1000 that is 5 % ± 4.1 points, at n = 3000 ± 2.8; a sampler keeping 10 % or 0 %
// fails.
const (
	service      = "fraiseql"
	edgeService  = "fraiseql-edge"
	minOrdinary  = 1000
	sigmas       = 4.5
	contaminated = 0.01
)

type reqLog struct {
	traceID  string
	level    string
	duration float64 // ms
	debug    bool
}

func normID(id string) string { return strings.TrimLeft(strings.ToLower(id), "0") }

func checkTraces(t *testing.T, s *stack, started time.Time) {
	if s.env["DEMO_LOAD"] != "fraiseql-demo" {
		t.Fatalf("the demo runs %q instead of the FraiseQL demo service: no service traces to check", s.env["DEMO_LOAD"])
	}
	p := float64(envInt(t, s, "SAMPLING_PERCENT")) / 100
	slowMS := float64(envInt(t, s, "SLOW_TRACE_MS"))
	logsURL, traces := s.get(t, "LOGS_URL"), s.get(t, "TRACES_URL")

	// Collect enough ordinary requests: the window starts 30 s after the stack (warm-up) and
	// ends 45 s before the query (tail_sampling decides 10 s after a trace's first span, then
	// batching and Jaeger's own batch).
	var reqs []reqLog
	var from, to time.Time
	eventually(t, 8*time.Minute, 20*time.Second, fmt.Sprintf("at least %d ordinary requests logged", minOrdinary), func() error {
		from, to = started.Add(30*time.Second), time.Now().Add(-45*time.Second)
		if !to.After(from) {
			return fmt.Errorf("window not open yet")
		}
		q := fmt.Sprintf(`_time:[%s, %s] "graphql request" trace_id:* | fields trace_id, level, duration_ms, debug`,
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
		recs, err := logsQuery(logsURL, q, 200000)
		if err != nil {
			return err
		}
		reqs = reqs[:0]
		ordinary := 0
		for _, r := range recs {
			d, err := strconv.ParseFloat(r["duration_ms"], 64)
			if err != nil || r["trace_id"] == "" {
				return fmt.Errorf("request log without a trace_id or numeric duration_ms: %v", r)
			}
			debug := r["debug"] == "true"
			reqs = append(reqs, reqLog{traceID: normID(r["trace_id"]), level: strings.ToLower(r["level"]), duration: d, debug: debug})
			if r["level"] == "info" && d < slowMS/2 && !debug {
				ordinary++
			}
		}
		if ordinary < minOrdinary {
			return fmt.Errorf("%d ordinary requests in [%s, %s], need %d", ordinary, from.Format(time.TimeOnly), to.Format(time.TimeOnly), minOrdinary)
		}
		return nil
	})

	// Every trace Jaeger holds for the service in the window (Jaeger returns them whole).
	kept := map[string]jaegerTrace{}
	eventually(t, 2*time.Minute, 15*time.Second, "Jaeger answers the trace search", func() error {
		trs, err := jaegerSearch(traces, service, from.Add(-time.Minute), to.Add(time.Minute), 100000, url.Values{})
		if err != nil {
			return err
		}
		for _, tr := range trs {
			kept[normID(tr.TraceID)] = tr
		}
		if len(kept) == 0 {
			return fmt.Errorf("no trace of %s in Jaeger", service)
		}
		return nil
	})

	var mustKeep, missing, incomplete []string
	ordinary, ordinaryKept, debugReqs, errOrSlow := 0, 0, 0, 0
	for _, r := range reqs {
		if r.debug {
			debugReqs++
		}
		if r.level == "error" || r.duration >= slowMS {
			errOrSlow++
		}
		switch {
		case r.level == "error" || r.duration >= slowMS || r.debug:
			mustKeep = append(mustKeep, r.traceID)
			tr, ok := kept[r.traceID]
			if !ok {
				missing = append(missing, fmt.Sprintf("%s (%s, %.0f ms, debug %v)", r.traceID, r.level, r.duration, r.debug))
				continue
			}
			// Complete: one root and every parent present (a lost edge span leaves the service's
			// server span with a dangling parent). Requests that entered through the edge (root
			// in the edge or the load driver) must hold spans of both services; the fault
			// switches' own traffic (rate-limit storm, auth attack) starts inside the service.
			svcs := tr.services()
			err := tr.complete()
			if err == nil && svcs[service] == 0 {
				err = fmt.Errorf("no span of %s", service)
			}
			if root := tr.rootService(); err == nil && root != service && svcs[edgeService] == 0 {
				err = fmt.Errorf("root in %s but no span of %s", root, edgeService)
			}
			if err != nil {
				incomplete = append(incomplete, fmt.Sprintf("%s: services %v: %v", r.traceID, svcs, err))
			}
		case r.level == "info" && r.duration < slowMS/2:
			ordinary++
			if _, ok := kept[r.traceID]; ok {
				ordinaryKept++
			}
		}
	}
	t.Logf("window %s–%s: %d requests, %d error, slow or debug (all must be kept; %d debug), %d ordinary of which %d kept; %d traces in Jaeger",
		from.Format(time.TimeOnly), to.Format(time.TimeOnly), len(reqs), len(mustKeep), debugReqs, ordinary, ordinaryKept, len(kept))
	if errOrSlow == 0 {
		t.Errorf("no error and no slow request in the window: the load's errors and slow queries do not happen")
	}
	if debugReqs == 0 {
		t.Errorf("no debug request (debug=true) in the window: the load sends no X-Debug-Trace requests, the keep-debug policy is untested")
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d error/slow/debug traces are not in Jaeger, e.g. %v", len(missing), len(mustKeep), first(missing, 5))
	}
	if len(incomplete) > 0 {
		t.Errorf("%d error/slow/debug traces are incomplete, e.g. %v", len(incomplete), first(incomplete, 5))
	}
	share := float64(ordinaryKept) / float64(ordinary)
	tol := sigmas*math.Sqrt(p*(1-p)/float64(ordinary)) + contaminated
	if math.Abs(share-p) > tol {
		t.Errorf("kept %d of %d ordinary traces = %.2f %%, want %.1f %% ± %.2f points", ordinaryKept, ordinary, 100*share, 100*p, 100*tol)
	} else {
		t.Logf("ordinary traces kept: %.2f %% (configured %.1f %% ± %.2f points)", 100*share, 100*p, 100*tol)
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
