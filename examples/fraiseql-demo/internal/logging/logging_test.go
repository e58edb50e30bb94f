package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
)

func TestFieldsAndContext(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "fraiseql")
	tid, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	sid, _ := trace.SpanIDFromHex("0102030405060708")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	ctx = WithRequest(ctx, RequestInfo{RequestID: "r1"})
	SetUser(ctx, "u-abc")
	log.InfoContext(ctx, "hello", FieldDurationMS, 1.5)
	log.ErrorContext(context.Background(), "boom")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	var info, errRec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &info); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &errRec); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"level": "info", "message": "hello", "service": "fraiseql", "request_id": "r1", "user_id": "u-abc",
		"trace_id": tid.String(), "span_id": sid.String(), "duration_ms": 1.5}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("%s = %v, want %v", k, info[k], v)
		}
	}
	for _, k := range []string{"time", "msg", "stack_trace"} {
		if _, ok := info[k]; ok {
			t.Errorf("info line has %q", k)
		}
	}
	if _, err := time.Parse("2006-01-02T15:04:05.999999999Z07:00", info["timestamp"].(string)); err != nil {
		t.Errorf("timestamp: %v", err)
	}
	if errRec["level"] != "error" || !strings.Contains(errRec["stack_trace"].(string), "goroutine") {
		t.Errorf("error line: %v", errRec)
	}
	if _, ok := errRec["request_id"]; ok {
		t.Error("request_id without a request")
	}
}
