//go:build integration

// The demo service end to end on the real PostgreSQL and PgBouncer of test/env/: serve and
// edge in-process, telemetry into an in-memory span exporter and manual metric readers.
package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/api"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/edge"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/logging"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run through `make test-integration` (test/env/pgbouncer.sh start; test/env/postgres.sh env)", name)
	}
	return v
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type stack struct {
	t          *testing.T
	graphql    string // through the edge
	admin      string
	spans      *tracetest.InMemoryExporter
	reader     *sdkmetric.ManualReader
	edgeReader *sdkmetric.ManualReader
	backup     *sdkmetric.ManualReader
	logs       *syncBuffer
}

func start(t *testing.T) *stack {
	pw := env(t, "PGSTATS_ADMIN_PASSWORD")
	dsn := fmt.Sprintf("postgres://postgres:%s@%s/postgres?sslmode=disable", url.QueryEscape(pw), env(t, "PGSTATS_PGBOUNCER"))
	replica := fmt.Sprintf("postgres://postgres:%s@%s/postgres?sslmode=disable", url.QueryEscape(pw), env(t, "PGSTATS_REPLICA"))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	st := &stack{t: t, spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader(),
		edgeReader: sdkmetric.NewManualReader(), backup: sdkmetric.NewManualReader(), logs: &syncBuffer{}}
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	p, err := telemetry.Setup(ctx, telemetry.Options{DefaultServiceName: "fraiseql", SpanExporter: st.spans, MetricReader: st.reader})
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := telemetry.NewBackupMeterProvider(ctx, p.Resource, st.backup)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(ctx, api.Config{
		DB: dsn, ReplicaDB: replica, PoolSize: 2, RequestTimeout: 3 * time.Second,
		CardinalityBurstEv: 100 * time.Millisecond, BackupInterval: time.Hour,
	}, api.Deps{TracerProvider: p.TracerProvider, MeterProvider: p.MeterProvider, BackupMeterProvider: bmp,
		Log: logging.New(st.logs, "fraiseql")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	waitReplicaSeeded(t, ctx, replica)
	apiLn := listen(t)
	adminLn := listen(t)
	done := make(chan error, 2)
	go func() { done <- srv.Serve(ctx, apiLn, adminLn) }()

	// The edge is another service: its own resource and providers, same span exporter.
	edgeRes, err := resource.Merge(p.Resource, resource.NewSchemaless(attribute.String("service.name", "fraiseql-edge")))
	if err != nil {
		t.Fatal(err)
	}
	etp := sdktrace.NewTracerProvider(sdktrace.WithResource(edgeRes), sdktrace.WithSyncer(st.spans))
	emp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(edgeRes), sdkmetric.WithReader(st.edgeReader),
		sdkmetric.WithView(telemetry.Views()...))
	up, _ := url.Parse("http://" + apiLn.Addr().String())
	h, err := edge.Handler(up, etp, emp, logging.New(st.logs, "fraiseql-edge"))
	if err != nil {
		t.Fatal(err)
	}
	edgeLn := listen(t)
	go func() { done <- edge.Serve(ctx, edgeLn, h) }()
	t.Cleanup(func() {
		cancel()
		for i := 0; i < 2; i++ {
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	})
	st.graphql = "http://" + edgeLn.Addr().String() + "/graphql"
	st.admin = "http://" + adminLn.Addr().String()
	return st
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

type gqlResp struct {
	status int
	header http.Header
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (r gqlResp) codes() []string {
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

func (s *stack) do(query string, vars map[string]any, headers ...string) gqlResp {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.graphql, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := gqlResp{status: resp.StatusCode, header: resp.Header}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		s.t.Fatalf("%s: body %q: %v", query, b, err)
	}
	return out
}

func (s *stack) faults(method, doc string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.admin+"/faults", strings.NewReader(doc))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *stack) metrics(r *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	s.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

const (
	qProducts = `query Products($first: Int) { products(first: $first) { id name } }`
	qLogin    = `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id email tier } } }`
	qCreate   = `mutation CreateOrder($pid: ID!, $card: String!, $note: String) { createOrder(productId: $pid, quantity: 1, cardNumber: $card, note: $note) { id cardLast4 product { id } } }`
)

func TestDemoServiceEndToEnd(t *testing.T) {
	s := start(t)

	// Queries through the edge; the second identical one is a cache hit.
	r := s.do(qProducts, map[string]any{"first": 3}, "X-Debug-Trace", "1", "X-Request-Id", "req-debug-1")
	if r.status != 200 || len(r.Errors) != 0 || len(r.Data["products"].([]any)) != 3 {
		t.Fatalf("products: %d %+v", r.status, r)
	}
	if r.header.Get("X-Request-Id") != "req-debug-1" {
		t.Errorf("X-Request-Id not echoed: %q", r.header.Get("X-Request-Id"))
	}
	s.do(qProducts, map[string]any{"first": 3})

	// Logins: a failure (PII in the log message), then a session.
	if r := s.do(qLogin, map[string]any{"email": "user1@example.com", "password": "nope"}); !slices.Equal(r.codes(), []string{api.CodeUnauthenticated}) {
		t.Fatalf("wrong password: %+v", r)
	}
	r = s.do(qLogin, map[string]any{"email": "user1@example.com", "password": api.DemoPassword})
	login, _ := r.Data["login"].(map[string]any)
	token, _ := login["token"].(string)
	if token == "" {
		t.Fatalf("login: %+v", r)
	}
	auth := []string{"Authorization", "Bearer " + token}
	if r := s.do(`{ me { email orders(first: 2) { id } } }`, nil, auth...); r.Data["me"].(map[string]any)["email"] != "user1@example.com" {
		t.Fatalf("me: %+v", r)
	}
	if r := s.do(`{ orders { id } }`, nil); !slices.Equal(r.codes(), []string{api.CodeUnauthenticated}) {
		t.Fatalf("anonymous orders: %+v", r)
	}
	if r := s.do(`query { user(id: "2") { id } }`, nil, auth...); !slices.Equal(r.codes(), []string{api.CodeForbidden}) {
		t.Fatalf("other user: %+v", r)
	}
	if r := s.do(`{ me { id } }`, nil, "Authorization", "Bearer forged.token.x"); r.status != 401 {
		t.Fatalf("forged token: %+v", r)
	}

	// A subscription over SSE through the edge sees the order created while it listens.
	events := make(chan []string, 1)
	opened := make(chan struct{})
	go func() { events <- subscribe(t, s.graphql, opened) }()
	select {
	case <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("subscription stream did not open")
	}
	time.Sleep(100 * time.Millisecond)
	r = s.do(qCreate, map[string]any{"pid": "7", "card": "4111 1111 1111 1111", "note": "refund to IBAN DE89 3704 0044 0532 0130 00"}, auth...)
	order, _ := r.Data["createOrder"].(map[string]any)
	if order["cardLast4"] != "1111" {
		t.Fatalf("createOrder: %+v", r)
	}
	var evs []string
	select {
	case evs = <-events:
	case <-time.After(20 * time.Second):
		t.Fatal("subscription did not complete")
	}
	if len(evs) != 1 || !strings.Contains(evs[0], fmt.Sprint(order["id"])) {
		t.Fatalf("subscription events %q, want one with order %v", evs, order["id"])
	}
	if r := s.do(qCreate, map[string]any{"pid": "7", "card": "4000 0000 0000 0002"}, auth...); !slices.Equal(r.codes(), []string{api.CodePaymentDeclined}) {
		t.Fatalf("declined card: %+v", r)
	}
	if r := s.do(qCreate, map[string]any{"pid": "7", "card": "4111 1111 1111 1112"}, auth...); !slices.Equal(r.codes(), []string{api.CodeBadUserInput}) {
		t.Fatalf("invalid card: %+v", r)
	}

	// API keys.
	if r := s.do(`{ stats { products } }`, nil, "X-API-Key", "demo-key-enterprise"); r.status != 200 || len(r.Errors) != 0 {
		t.Fatalf("enterprise stats: %+v", r)
	}
	if r := s.do(`{ stats { products } }`, nil, "X-API-Key", "demo-key-pro"); !slices.Equal(r.codes(), []string{api.CodeForbidden}) {
		t.Fatalf("pro stats: %+v", r)
	}
	if r := s.do(`{ stats { products } }`, nil, "X-API-Key", "demo-key-revoked"); r.status != 401 {
		t.Fatalf("revoked key: %+v", r)
	}

	// Bad documents and complexity.
	if r := s.do(`query { products(first: 3) { id `, nil); r.status != 400 || !slices.Equal(r.codes(), []string{api.CodeParseFailed}) {
		t.Fatalf("broken document: %+v", r)
	}
	if r := s.do(`query { products { id color } }`, nil); r.status != 200 || !slices.Equal(r.codes(), []string{api.CodeValidationFailed}) {
		t.Fatalf("unknown field: %+v", r)
	}
	if r := s.do(qProducts, map[string]any{"first": 1500}); !slices.Equal(r.codes(), []string{api.CodeQueryTooComplex}) { // 1 + 1500 x 2
		t.Fatalf("too complex: %d %v", r.status, r.codes())
	}

	// Fault switches.
	if code, body := s.faults(http.MethodPost, `{"error_rat": 1}`); code != 400 || !strings.Contains(body, "error_rat") {
		t.Fatalf("bad fault document: %d %s", code, body)
	}
	if code, body := s.faults(http.MethodPut, `{"error_rate": 1}`); code != 200 || !strings.Contains(body, `"error_rate":1`) {
		t.Fatalf("PUT faults: %d %s", code, body)
	}
	r = s.do(`query Failing { products(first: 2) { id } }`, nil, "X-Request-Id", "req-fault-1")
	if r.status != 500 || !slices.Equal(r.codes(), []string{api.CodeInternal}) {
		t.Fatalf("error_rate=1: %+v", r)
	}
	r = s.do(`query FailingNullable { product(id: "1") { id } }`, nil)
	if r.status != 200 || !slices.Equal(r.codes(), []string{api.CodeInternal}) {
		t.Fatalf("error_rate=1 on a nullable field must answer 200 with errors: %+v", r)
	}
	s.faults(http.MethodDelete, "")

	s.faults(http.MethodPost, `{"slow_sql": 300, "added_latency_ms": 100, "cache_collapse": true}`)
	t0 := time.Now()
	s.do(qProducts, map[string]any{"first": 3})
	if d := time.Since(t0); d < 400*time.Millisecond {
		t.Errorf("slow_sql 300 + added_latency_ms 100: request took %v", d)
	}
	s.faults(http.MethodDelete, "")

	s.faults(http.MethodPost, `{"auth_attack": 40, "rate_limit_storm": 200, "cardinality_burst": 2500}`)
	time.Sleep(1500 * time.Millisecond)
	s.faults(http.MethodDelete, "")

	// pool_exhaustion: both connections idle in transaction; a primary query times out.
	s.faults(http.MethodPost, `{"pool_exhaustion": 2}`)
	deadline := time.Now().Add(10 * time.Second)
	var sawUsed bool
	for time.Now().Before(deadline) && !sawUsed {
		sawUsed = gaugeValue(s.metrics(s.reader)["db.client.connection.count"], "db.client.connection.state", "used", "db.client.connection.pool.name", "primary") == 2
		time.Sleep(100 * time.Millisecond)
	}
	if !sawUsed {
		t.Fatal("pool_exhaustion=2: db.client.connection.count{state=used,pool=primary} never reached 2")
	}
	if r := s.do(`{ me { id } }`, nil, auth...); !slices.Equal(r.codes(), []string{api.CodeTimeout}) {
		t.Fatalf("query on an exhausted pool: %+v", r)
	}
	s.faults(http.MethodDelete, "")
	time.Sleep(200 * time.Millisecond)
	if r := s.do(`{ me { id } }`, nil, auth...); len(r.Errors) != 0 {
		t.Fatalf("after the pool is released: %+v", r)
	}

	checkTraces(t, s)
	checkMetrics(t, s)
	checkLogs(t, s)
}

func subscribe(t *testing.T, target string, opened chan<- struct{}) []string {
	body := `{"query":"subscription S { orderEvents(max: 1) { kind order { id } } }"}`
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		close(opened)
		return nil
	}
	defer resp.Body.Close()
	close(opened)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("subscription Content-Type %q", ct)
	}
	var evs []string
	sc := bufio.NewScanner(resp.Body)
	next := false
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == "event: next":
			next = true
		case line == "event: complete":
			return evs
		case next && strings.HasPrefix(line, "data: "):
			evs = append(evs, strings.TrimPrefix(line, "data: "))
			next = false
		}
	}
	t.Error("subscription stream ended without `event: complete`")
	return evs
}

func attr(kvs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func service(s tracetest.SpanStub) string {
	v, _ := s.Resource.Set().Value("service.name")
	return v.AsString()
}

func checkTraces(t *testing.T, s *stack) {
	spans := s.spans.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, sp := range spans {
		byID[sp.SpanContext.SpanID()] = sp
	}
	// The chain edge SERVER -> edge CLIENT -> api SERVER -> operation -> resolver -> SQL.
	var debugTrace trace.TraceID
	for _, sp := range spans {
		if v, ok := attr(sp.Attributes, "fraiseql.request_id"); ok && v.AsString() == "req-debug-1" && service(sp) == "fraiseql" {
			debugTrace = sp.SpanContext.TraceID()
		}
	}
	if !debugTrace.IsValid() {
		t.Fatal("no API span with fraiseql.request_id=req-debug-1")
	}
	var dbSpan *tracetest.SpanStub
	for i, sp := range spans {
		if sp.SpanContext.TraceID() == debugTrace && sp.SpanKind == trace.SpanKindClient && service(sp) == "fraiseql" {
			if v, _ := attr(sp.Attributes, "db.system.name"); v.AsString() == "postgresql" {
				dbSpan = &spans[i]
			}
		}
	}
	if dbSpan == nil {
		t.Fatal("no DB span in the debug trace")
	}
	want := []struct {
		service string
		kind    trace.SpanKind
		name    string
	}{
		{"fraiseql", trace.SpanKindClient, ""},
		{"fraiseql", trace.SpanKindInternal, "Query.products"},
		{"fraiseql", trace.SpanKindInternal, "query Products"},
		{"fraiseql", trace.SpanKindServer, "POST /graphql"},
		{"fraiseql-edge", trace.SpanKindClient, ""},
		{"fraiseql-edge", trace.SpanKindServer, "POST /graphql"},
	}
	cur := *dbSpan
	for i, w := range want {
		if service(cur) != w.service || cur.SpanKind != w.kind || (w.name != "" && cur.Name != w.name) {
			t.Fatalf("span %d up the chain: %s %v %q, want %s %v %q", i, service(cur), cur.SpanKind, cur.Name, w.service, w.kind, w.name)
		}
		switch {
		case w.kind == trace.SpanKindServer:
			if v, _ := attr(cur.Attributes, "fraiseql.debug"); !v.AsBool() {
				t.Errorf("%s server span without fraiseql.debug=true", w.service)
			}
			if w.service == "fraiseql" {
				if v, _ := attr(cur.Attributes, "graphql.operation.type"); v.AsString() != "query" {
					t.Errorf("API server span graphql.operation.type = %q", v.AsString())
				}
				if v, _ := attr(cur.Attributes, "http.route"); v.AsString() != "/graphql" {
					t.Errorf("API server span http.route = %q", v.AsString())
				}
			}
		case w.name == "query Products":
			if v, _ := attr(cur.Attributes, "graphql.operation.name"); v.AsString() != "Products" {
				t.Errorf("operation span graphql.operation.name = %q", v.AsString())
			}
			if v, _ := attr(cur.Attributes, "graphql.document"); !strings.Contains(v.AsString(), "products(first: $first)") {
				t.Errorf("operation span graphql.document = %q", v.AsString())
			}
		}
		if i == len(want)-1 {
			if cur.Parent.IsValid() {
				t.Errorf("edge server span has a parent %v", cur.Parent.SpanID())
			}
			break
		}
		parent, ok := byID[cur.Parent.SpanID()]
		if !ok {
			t.Fatalf("span %q: parent %v not exported", cur.Name, cur.Parent.SpanID())
		}
		cur = parent
	}
	if v, _ := attr(dbSpan.Attributes, "db.query.text"); !strings.Contains(v.AsString(), "demo.products") {
		t.Errorf("DB span db.query.text = %q", v.AsString())
	}

	// The injected fault: HTTP 500 and status ERROR on the API server and operation spans.
	var sawServer, sawOp bool
	for _, sp := range spans {
		if service(sp) != "fraiseql" || sp.Status.Code != codes.Error {
			continue
		}
		if v, _ := attr(sp.Attributes, "graphql.operation.name"); v.AsString() != "Failing" {
			continue
		}
		switch sp.SpanKind {
		case trace.SpanKindServer:
			sawServer = true
		case trace.SpanKindInternal:
			sawOp = sp.Name == "query Failing"
		}
	}
	if !sawServer || !sawOp {
		t.Errorf("error_rate fault: server span ERROR %v, operation span ERROR %v", sawServer, sawOp)
	}
	// A GraphQL error in a 200 response also marks the server span.
	var saw200Error bool
	for _, sp := range spans {
		if v, _ := attr(sp.Attributes, "graphql.operation.name"); v.AsString() == "FailingNullable" && sp.SpanKind == trace.SpanKindServer {
			code, _ := attr(sp.Attributes, "http.response.status_code")
			saw200Error = sp.Status.Code == codes.Error && code.AsInt64() == 200
		}
	}
	if !saw200Error {
		t.Error("a server fault in errors[] of an HTTP 200 response did not set the server span's status to ERROR")
	}
	// The PII the agent must redact is there to redact: card and IBAN as DB parameters.
	var sawCard bool
	for _, sp := range spans {
		if v, ok := attr(sp.Attributes, "pgx.query.parameters"); ok && slices.Contains(v.AsStringSlice(), "refund to IBAN DE89 3704 0044 0532 0130 00") {
			sawCard = true
		}
	}
	if !sawCard {
		t.Error("no DB span carries the order note (IBAN) as a parameter")
	}
}

// sum returns the sum of the int64 points of m with the given attribute pairs.
func sum(m metricdata.Metrics, kv ...string) int64 {
	var total int64
	match := func(set attribute.Set) bool {
		for i := 0; i+1 < len(kv); i += 2 {
			v, ok := set.Value(attribute.Key(kv[i]))
			if !ok || v.Emit() != kv[i+1] {
				return false
			}
		}
		return true
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if match(p.Attributes) {
				total += p.Value
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if match(p.Attributes) {
				total += int64(p.Count)
			}
		}
	case metricdata.Histogram[int64]:
		for _, p := range d.DataPoints {
			if match(p.Attributes) {
				total += int64(p.Count)
			}
		}
	}
	return total
}

func gaugeValue(m metricdata.Metrics, kv ...string) int64 { return sum(m, kv...) }

func bounds(m metricdata.Metrics) []float64 {
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		if len(d.DataPoints) > 0 {
			return d.DataPoints[0].Bounds
		}
	case metricdata.Histogram[int64]:
		if len(d.DataPoints) > 0 {
			return d.DataPoints[0].Bounds
		}
	}
	return nil
}

func checkMetrics(t *testing.T, s *stack) {
	ms := s.metrics(s.reader)
	type want struct {
		unit      string
		monotonic *bool // for sums
		kv        []string
		bounds    []float64
	}
	yes, no := true, false
	wants := map[string]want{
		"http.server.request.duration":            {unit: "s", kv: []string{"http.route", "/graphql", "http.request.method", "POST"}, bounds: telemetry.LatencyBuckets},
		"http.server.active_requests":             {unit: "{request}", monotonic: &no},
		"graphql.cache.requests":                  {unit: "{request}", monotonic: &yes, kv: []string{"graphql.cache.name", "response", "graphql.cache.result", "hit"}},
		"graphql.auth.attempts":                   {unit: "{attempt}", monotonic: &yes, kv: []string{"graphql.auth.method", "session", "graphql.auth.outcome", "failure", "graphql.auth.failure_reason", "wrong_password"}},
		"graphql.authz.denials":                   {unit: "{request}", monotonic: &yes, kv: []string{"graphql.authz.reason", "tenant_mismatch", "graphql.operation.type", "query"}},
		"graphql.rate_limit.rejections":           {unit: "{request}", monotonic: &yes, kv: []string{"graphql.rate_limit.policy", "per_client"}},
		"graphql.api_keys.active":                 {unit: "{key}", monotonic: &no, kv: []string{"graphql.api_key.tier", "enterprise"}},
		"graphql.api_key.requests":                {unit: "{request}", monotonic: &yes, kv: []string{"graphql.api_key.tier", "pro"}},
		"graphql.query.complexity":                {unit: "{point}", kv: []string{"graphql.operation.type", "query"}, bounds: telemetry.ComplexityBuckets},
		"graphql.response.serialization.duration": {unit: "s", kv: []string{"graphql.operation.type", "subscription"}, bounds: telemetry.SerializationBuckets},
		"graphql.errors":                          {unit: "{error}", monotonic: &yes, kv: []string{"graphql.operation.type", "query", "graphql.error.code", "INTERNAL_SERVER_ERROR"}},
		"graphql.resolver.duration":               {unit: "s", kv: []string{"graphql.field.parent_type", "Mutation", "graphql.field.name", "createOrder"}, bounds: telemetry.LatencyBuckets},
		"graphql.subscriptions.active":            {unit: "{subscription}", monotonic: &no},
		"fraiseql.business.events":                {unit: "{event}", monotonic: &yes, kv: []string{"fraiseql.event.name", "order_created", "fraiseql.tenant.tier", "free"}},
		"fraiseql.sessions.active":                {unit: "{session}", monotonic: &no, kv: []string{"fraiseql.tenant.tier", "free"}},
		"fraiseql.cardinality_burst.requests":     {unit: "{request}", monotonic: &yes},
		"db.client.operation.duration":            {unit: "s", kv: []string{"db.system.name", "postgresql", "db.operation.name", "SELECT", "db.namespace", "postgres"}},
		"db.client.connection.count":              {unit: "{connection}", monotonic: &no},
		"db.client.connection.max":                {unit: "{connection}", monotonic: &no, kv: []string{"db.client.connection.pool.name", "replica"}},
		"db.client.connection.pending_requests":   {unit: "{request}", monotonic: &no},
		"db.client.connection.wait_time":          {unit: "s", kv: []string{"db.client.connection.pool.name", "primary"}, bounds: telemetry.LatencyBuckets},
		"process.memory.usage":                    {unit: "By", monotonic: &no},
	}
	for name, w := range wants {
		m, ok := ms[name]
		if !ok {
			t.Errorf("%s: not emitted", name)
			continue
		}
		if m.Unit != w.unit {
			t.Errorf("%s: unit %q, want %q", name, m.Unit, w.unit)
		}
		if w.monotonic != nil {
			if d, ok := m.Data.(metricdata.Sum[int64]); !ok || d.IsMonotonic != *w.monotonic || d.Temporality != metricdata.CumulativeTemporality {
				t.Errorf("%s: %T, want a cumulative int64 sum (monotonic %v)", name, m.Data, *w.monotonic)
			}
		}
		if w.bounds != nil && !slices.Equal(bounds(m), w.bounds) {
			t.Errorf("%s: bounds %v, want %v", name, bounds(m), w.bounds)
		}
		if len(w.kv) > 0 && sum(m, w.kv...) <= 0 {
			t.Errorf("%s: no point with %v (have %+v)", name, w.kv, m.Data)
		}
	}
	if !slices.Contains(bounds(ms["http.server.request.duration"]), 0.15) {
		t.Error("http.server.request.duration has no 0.15 bucket")
	}
	cpu, ok := ms["process.cpu.time"].Data.(metricdata.Sum[float64])
	if !ok || !cpu.IsMonotonic || ms["process.cpu.time"].Unit != "s" || len(cpu.DataPoints) != 2 {
		t.Errorf("process.cpu.time: %+v", ms["process.cpu.time"])
	}
	// More series than the SDK's default limit (2000): all reach the exporter, none folded.
	if n := len(ms["fraiseql.cardinality_burst.requests"].Data.(metricdata.Sum[int64]).DataPoints); n != 2500 {
		t.Errorf("cardinality_burst=2500: %d series", n)
	}
	if sum(ms["graphql.auth.attempts"], "graphql.auth.outcome", "failure") < 10 {
		t.Errorf("auth_attack 40/s for 1.5 s: only %d failed attempts", sum(ms["graphql.auth.attempts"], "graphql.auth.outcome", "failure"))
	}
	if sum(ms["graphql.rate_limit.rejections"], "graphql.rate_limit.policy", "per_client") < 50 {
		t.Errorf("rate_limit_storm 200/s for 1.5 s: only %d rejections", sum(ms["graphql.rate_limit.rejections"]))
	}
	// The edge is its own service with the same HTTP server metrics.
	em := s.metrics(s.edgeReader)
	if !slices.Equal(bounds(em["http.server.request.duration"]), telemetry.LatencyBuckets) || sum(em["http.server.request.duration"], "http.route", "/graphql") == 0 {
		t.Errorf("edge http.server.request.duration: %+v", em["http.server.request.duration"])
	}
	// Backup: a gauge under service.name=backup, set by the first run (2 s after start).
	var rm metricdata.ResourceMetrics
	deadline := time.Now().Add(10 * time.Second)
	var got float64
	for time.Now().Before(deadline) && got == 0 {
		if err := s.backup.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if g, ok := m.Data.(metricdata.Gauge[float64]); ok && m.Name == "backup.last_success.time" && m.Unit == "s" && len(g.DataPoints) == 1 {
					if v, _ := g.DataPoints[0].Attributes.Value("backup.target"); v.AsString() == "pg-primary" {
						got = g.DataPoints[0].Value
					}
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if age := float64(time.Now().Unix()) - got; age < 0 || age > 120 {
		t.Errorf("backup.last_success.time = %v (age %v s)", got, age)
	}
	if v, _ := rm.Resource.Set().Value("service.name"); v.AsString() != "backup" {
		t.Errorf("backup resource service.name = %q", v.AsString())
	}
}

func checkLogs(t *testing.T, s *stack) {
	const agentLayout = "2006-01-02T15:04:05.999999999Z07:00" // configs/agent.yaml json_parser
	var sawRequest, sawError, sawPII, sawFault, sawAuthFailure bool
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		ts, _ := rec["timestamp"].(string)
		if _, err := time.Parse(agentLayout, ts); err != nil {
			t.Errorf("timestamp %q: %v", ts, err)
		}
		for _, f := range []string{"level", "message", "service"} {
			if rec[f] == nil || rec[f] == "" {
				t.Errorf("log line without %s: %q", f, line)
			}
		}
		if !slices.Contains([]string{"debug", "info", "warn", "error"}, rec["level"].(string)) {
			t.Errorf("level %q", rec["level"])
		}
		if rec["message"] == "graphql request" && rec["request_id"] == "req-debug-1" {
			sawRequest = rec["trace_id"] != nil && rec["span_id"] != nil && rec["duration_ms"] != nil && rec["service"] == "fraiseql" &&
				rec["debug"] == true
		}
		if rec["level"] == "error" && rec["request_id"] == "req-fault-1" {
			st, _ := rec["stack_trace"].(string)
			sawError = strings.Contains(st, "goroutine")
		}
		if msg, _ := rec["message"].(string); strings.Contains(msg, "user1@example.com") {
			sawPII = true
		}
		// The dashboards' authentication log panels select graphql_auth_outcome="failure".
		if msg, _ := rec["message"].(string); strings.HasPrefix(msg, "login failed for ") {
			sawAuthFailure = rec["level"] == "warn" && rec["graphql_auth_outcome"] == "failure" &&
				rec["graphql_auth_method"] == "session" && rec["graphql_auth_failure_reason"] != nil
		}
		if rec["message"] == "graphql request" && rec["graphql_operation_name"] == "Products" && rec["user_id"] == nil && rec["service"] == "fraiseql" {
			sawFault = true
		}
	}
	if !sawRequest || !sawError || !sawPII || !sawFault || !sawAuthFailure {
		t.Errorf("logs: debug request line with ids and debug=true %v, error with stack %v, email in a message %v, anonymous request line %v, failed login with the auth fields %v",
			sawRequest, sawError, sawPII, sawFault, sawAuthFailure)
	}
	// A signed-in request's log line carries the pseudonymous user id, never the email.
	var sawUser bool
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, `"graphql request"`) && strings.Contains(line, `"user_id":"u-`) {
			sawUser = true
		}
	}
	if !sawUser {
		t.Error("no request log line with a pseudonymous user_id")
	}
}

// waitReplicaSeeded waits until the replica has replayed the schema and seed that api.New just
// wrote on the primary: reads go to the replica, and a freshly created one (a fresh checkout's
// first run) can be a moment behind, which made the first query fail with a 500.
func waitReplicaSeeded(t *testing.T, ctx context.Context, dsn string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		last = func() error {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			var n int
			if err := c.QueryRow(ctx, "SELECT count(*) FROM demo.products").Scan(&n); err != nil {
				return err
			}
			if n < 3 {
				return fmt.Errorf("%d products on the replica yet", n)
			}
			return nil
		}()
		if last == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the replica never caught up with the seed in 30 s: %v", last)
}
