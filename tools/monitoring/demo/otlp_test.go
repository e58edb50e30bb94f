//go:build demo

package demo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// OTLP/JSON (the OTLP HTTP receiver of the agent accepts application/json), built from maps so
// the probes need no SDK: what is sent is exactly what is written here.

func kv(k string, v any) map[string]any {
	switch x := v.(type) {
	case string:
		return map[string]any{"key": k, "value": map[string]any{"stringValue": x}}
	case int:
		return map[string]any{"key": k, "value": map[string]any{"intValue": strconv.Itoa(x)}}
	case bool:
		return map[string]any{"key": k, "value": map[string]any{"boolValue": x}}
	default:
		panic("kv: unsupported type")
	}
}

func attrs(pairs ...any) []map[string]any {
	out := []map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, kv(pairs[i].(string), pairs[i+1]))
	}
	return out
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func resource(service string, extra ...any) map[string]any {
	return map[string]any{"attributes": attrs(append([]any{"service.name", service, "deployment.environment.name", "demo"}, extra...)...)}
}

// span: status 2 = ERROR (so tail sampling keeps the trace whatever the percentage).
func span(traceID, spanID, parent, name string, start time.Time, d time.Duration, errStatus bool, attributes []map[string]any) map[string]any {
	s := map[string]any{
		"traceId": traceID, "spanId": spanID, "name": name, "kind": 2,
		"startTimeUnixNano": nanos(start), "endTimeUnixNano": nanos(start.Add(d)),
		"attributes": attributes,
	}
	if parent != "" {
		s["parentSpanId"] = parent
	}
	if errStatus {
		s["status"] = map[string]any{"code": 2, "message": "probe error"}
	}
	return s
}

func tracesJSON(service string, spans ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"resourceSpans": []any{map[string]any{
		"resource":   resource(service),
		"scopeSpans": []any{map[string]any{"scope": map[string]any{"name": "e2e"}, "spans": spans}},
	}}})
	return b
}

func logJSON(service string, records ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"resourceLogs": []any{map[string]any{
		"resource":  resource(service),
		"scopeLogs": []any{map[string]any{"scope": map[string]any{"name": "e2e"}, "logRecords": records}},
	}}})
	return b
}

func logRecord(t time.Time, severity string, number int, body, traceID, spanID string, attributes []map[string]any) map[string]any {
	r := map[string]any{
		"timeUnixNano": nanos(t), "observedTimeUnixNano": nanos(t),
		"severityText": severity, "severityNumber": number,
		"body": map[string]any{"stringValue": body}, "attributes": attributes,
	}
	if traceID != "" {
		r["traceId"], r["spanId"] = traceID, spanID
	}
	return r
}

// metricsJSON: one resource, the given metrics.
func metricsJSON(service string, metrics ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"resourceMetrics": []any{map[string]any{
		"resource":     resource(service),
		"scopeMetrics": []any{map[string]any{"scope": map[string]any{"name": "e2e"}, "metrics": metrics}},
	}}})
	return b
}

func gauge(name string, points ...map[string]any) map[string]any {
	return map[string]any{"name": name, "gauge": map[string]any{"dataPoints": points}}
}

// counter: a cumulative monotonic sum.
func counter(name string, points ...map[string]any) map[string]any {
	return map[string]any{"name": name, "sum": map[string]any{"aggregationTemporality": 2, "isMonotonic": true, "dataPoints": points}}
}

func point(start, now time.Time, v float64, attributes []map[string]any) map[string]any {
	return map[string]any{"startTimeUnixNano": nanos(start), "timeUnixNano": nanos(now), "asDouble": v, "attributes": attributes}
}
