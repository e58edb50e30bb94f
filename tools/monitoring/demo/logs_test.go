//go:build demo

package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The log probe: three JSON lines (info, warn, error) in the shape of the service's structured
// logs, appended to a file in the directory the agent's file_log tails, all with one request
// id; the error line carries the trace id of a trace sent over OTLP (error status, so it is
// kept). In VictoriaLogs they must be found by request id, by trace id (and the trace then in
// Jaeger) and by level.
type logProbe struct {
	s         *stack
	n         string
	requestID string
	traceID   string
}

func sendLogProbe(t *testing.T, s *stack, n string) *logProbe {
	p := &logProbe{s: s, n: n, requestID: "req-e2e-" + n, traceID: randHex(16)}
	now := time.Now()
	edge, svc := randHex(8), randHex(8)
	// The trace crosses two services like the demo's (edge → service).
	agent := "http://" + s.get(t, "AGENT_OTLP_HTTP") + "/v1/traces"
	for _, body := range [][]byte{
		tracesJSON("e2e-log-edge", span(p.traceID, edge, "", "GET /graphql", now, 30*time.Millisecond, false, attrs("probe", n))),
		tracesJSON("e2e-log-service", span(p.traceID, svc, edge, "query checkout", now.Add(2*time.Millisecond), 20*time.Millisecond, true, attrs("probe", n))),
	} {
		if err := post(agent, "application/json", body); err != nil {
			t.Fatalf("sending the log probe's trace: %v", err)
		}
	}
	var lines []byte
	for i, lvl := range []string{"info", "warn", "error"} {
		rec := map[string]any{
			"timestamp":   now.Add(time.Duration(i) * time.Millisecond).UTC().Format(time.RFC3339Nano),
			"level":       lvl,
			"service":     "e2e-log-service",
			"message":     fmt.Sprintf("e2e-log-%s checkout step %d (%s)", n, i, lvl),
			"request_id":  p.requestID,
			"user_id":     "u-" + n,
			"duration_ms": 20.5,
		}
		if lvl == "error" {
			rec["trace_id"], rec["span_id"] = p.traceID, svc
			rec["stack_trace"] = "goroutine 1 [running]:\nmain.checkout()\n\t/src/checkout.go:42"
		}
		b, _ := json.Marshal(rec)
		lines = append(append(lines, b...), '\n')
	}
	path := filepath.Join(s.get(t, "DEMO_LOG_DIR"), "e2e-probe-"+n+".log")
	if err := os.WriteFile(path, lines, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	return p
}

func (p *logProbe) check(t *testing.T) {
	logs := p.s.get(t, "LOGS_URL")
	marker := `"e2e-log-` + p.n + `"`
	eventually(t, 3*time.Minute, 5*time.Second, "the log probe by request id in VictoriaLogs", func() error {
		recs, err := logsQuery(logs, `_time:30m request_id:"`+p.requestID+`"`, 10)
		if err != nil {
			return err
		}
		if len(recs) != 3 {
			return fmt.Errorf("%d records with request_id %s, want 3", len(recs), p.requestID)
		}
		return nil
	})
	recs, err := logsQuery(logs, `_time:30m trace_id:"`+p.traceID+`"`, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || !strings.Contains(recs[0]["_msg"], "(error)") {
		t.Fatalf("by trace id %s: %d records, want the error line: %v", p.traceID, len(recs), recs)
	}
	if !strings.Contains(recs[0]["stack_trace"], "checkout.go:42") {
		t.Errorf("the error line lost its stack trace: %v", recs[0])
	}
	eventually(t, 2*time.Minute, 5*time.Second, "the trace of the error log line in Jaeger", func() error {
		tr, _, err := jaegerTraceByID(p.s.get(t, "TRACES_URL"), p.traceID)
		if err != nil {
			return err
		}
		if svcs := tr.services(); svcs["e2e-log-edge"] != 1 || svcs["e2e-log-service"] != 1 {
			return fmt.Errorf("trace %s has spans of %v, want one of each service", p.traceID, svcs)
		}
		return tr.complete()
	})
	for _, lvl := range []string{"error", "warn", "info"} {
		recs, err := logsQuery(logs, `_time:30m `+marker+` level:`+lvl, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || !strings.Contains(recs[0]["_msg"], "("+lvl+")") {
			t.Errorf("by level %s: %d records, want exactly the %s line: %v", lvl, len(recs), lvl, recs)
		}
	}
	// The severity the agent parsed from `level` (what a "level >= warn" search uses).
	recs, err = logsQuery(logs, `_time:30m `+marker+` severity_number:range[13, 24]`, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Errorf("warn-or-worse by severity_number: %d records, want 2 (warn, error): %v", len(recs), recs)
	}
}
