//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Three gateway replicas on loopback run configs/gateway.yaml (static resolver, plaintext
// tier 2 through the file's own ${env:...} switches). The test plays the agents: it sends
// every span of a trace through a different replica's tier 1 and metric points through all
// three, counts what tier 1 acknowledged, and SIGKILLs one replica in the middle of the load,
// restarting it on the same storage directory a few seconds later. Then:
//   - every span acknowledged by tier 1 reaches a tier 2 (at least once; duplicates counted),
//   - all spans of a trace reach the tail sampler of ONE replica, and the sampled output of a
//     trace comes from one replica,
//   - every output series (forwarded metrics and span metrics) has exactly one writer,
//   - the self-metrics of the survivors show the lost backend (load-balancer outcomes with
//     success="false") and the restarted replica resolves all three backends again.
//
// The only changes to the shipped file are the outputs: Prometheus, Loki, Tempo and the
// incident exporter are replaced by OTLP exporters to this test's sink (without a queue, so
// a tier-2 acknowledgement means the sink has the data), plus one extra pipeline that copies
// what the tier-2 receiver hands to the tail sampler; decision_wait and the span-metrics flush
// are shortened so the test is quick.
func TestGatewayThreeReplicas(t *testing.T) {
	bin := mustEnv(t, "OTELCOL_BINARY")
	dir := t.TempDir()
	token := "scaling-test-token"
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := deriveGatewayConfig(t, dir)

	sink := newGWSink(t)
	const n = 3
	// The replicas name each other's tier-2 ports as peers: when one of them cannot bind a
	// port picked for it, all three start again on new ports.
	reps := startOnFreePorts(t, "gateway replicas", func() ([]*gwReplica, error) {
		reps := make([]*gwReplica, n)
		var peers []string
		for i := range reps {
			reps[i] = &gwReplica{
				name: fmt.Sprintf("gw-%d", i), bin: bin, cfg: cfg,
				tier1: freePort(t), tier2: freePort(t), health: freePort(t), telemetry: freePort(t),
				storage: filepath.Join(dir, fmt.Sprintf("storage-%d", i)),
			}
			peers = append(peers, "127.0.0.1:"+reps[i].tier2)
		}
		for i, r := range reps {
			r.env = []string{
				"PATH=/usr/bin:/bin", "HOME=" + dir,
				"HOSTNAME=" + r.name,
				"FRAISEQL_LISTEN_ADDR=127.0.0.1",
				"FRAISEQL_OTLP_GRPC_PORT=" + r.tier1, "FRAISEQL_OTLP_HTTP_PORT=" + freePort(t),
				"FRAISEQL_TIER2_PORT=" + r.tier2, "FRAISEQL_HEALTH_PORT=" + r.health,
				"FRAISEQL_TELEMETRY_PORT=" + r.telemetry,
				"FRAISEQL_GATEWAY_DNS_RESOLVER=false", "FRAISEQL_GATEWAY_STATIC_RESOLVER=true",
				"FRAISEQL_GATEWAY_STATIC_PEERS=[" + strings.Join(peers, ", ") + "]",
				"FRAISEQL_TIER2_TLS_ENABLED=false", "FRAISEQL_TIER2_INSECURE=true",
				"FRAISEQL_GATEWAY_TOKEN_FILE=" + tokenFile,
				"FRAISEQL_STORAGE_DIR=" + r.storage,
				"FRAISEQL_MEMORY_LIMIT_MIB=400",
				"FRAISEQL_SAMPLING_PERCENT=100",
				"TEST_SINK=127.0.0.1:" + sink.port,
				"TEST_REPLICA=" + strconv.Itoa(i),
			}
		}
		return reps, startGWReplicas(reps)
	})
	for _, r := range reps {
		t.Cleanup(func() {
			r.stop()
			if t.Failed() {
				t.Logf("%s output:\n%s", r.name, r.logs.String())
			}
		})
	}

	// The agents' side: one connection per tier 1, token in the request metadata.
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	conns := make([]*grpc.ClientConn, n)
	for i, r := range reps {
		c, err := grpc.NewClient("127.0.0.1:"+r.tier1, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		conns[i] = c
	}
	// send tries replica first, then the others (what an L7 balancer in front of tier 1 does),
	// and returns whether some tier 1 acknowledged the request.
	send := func(first int, f func(*grpc.ClientConn) error) bool {
		for k := 0; k < n; k++ {
			c := conns[(first+k)%n]
			if err := f(c); err == nil {
				return true
			}
		}
		return false
	}

	// The outage (20 s) is longer than the per-endpoint retry of the load_balancing
	// exporters (15 s), so batches for the dead replica go back to the persistent top-level
	// queue: the path that must keep what tier 1 acknowledged.
	const (
		waves         = 120 // one every 250 ms: 30 s of load
		tracesPerWave = 8
		spansPerTrace = 4
		metricNames   = 8
		seriesPerName = 3
		killAt        = 10
		restartAt     = 90
	)
	queued := make([]float64, n) // survivors' top-level trace queue just before the restart
	acked := map[string]bool{}   // span id (hex) -> acknowledged by a tier 1
	traceOfSpan := map[string]string{}
	var sent, notAcked int
	victim := reps[1]
	for w := 0; w < waves; w++ {
		switch w {
		case killAt:
			victim.kill(t)
		case restartAt:
			for i, r := range reps {
				if r != victim {
					queued[i] = r.metricSum(t, "otelcol_exporter_queue_size", map[string]string{"exporter": "load_balancing/traces"})
				}
			}
			// On its old ports: the others name its tier-2 port as a peer.
			if err := victim.start(); err != nil {
				t.Fatal(err)
			}
		}
		// span k of every trace of this wave goes through tier 1 of replica (w+k) % n
		for k := 0; k < spansPerTrace; k++ {
			td := ptrace.NewTraces()
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", "scaling-test")
			ss := rs.ScopeSpans().AppendEmpty()
			var ids []string
			for tr := 0; tr < tracesPerWave; tr++ {
				tid := gwTraceID(w, tr)
				sid := gwSpanID(w, tr, k)
				sp := ss.Spans().AppendEmpty()
				sp.SetTraceID(tid)
				sp.SetSpanID(sid)
				sp.SetName(fmt.Sprintf("op-%d", k))
				sp.SetKind(ptrace.SpanKindServer)
				now := time.Now()
				sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-5 * time.Millisecond)))
				sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
				ids = append(ids, hex.EncodeToString(sid[:]))
				traceOfSpan[hex.EncodeToString(sid[:])] = hex.EncodeToString(tid[:])
			}
			sent += len(ids)
			req := ptraceotlp.NewExportRequestFromTraces(td)
			ok := send((w+k)%n, func(c *grpc.ClientConn) error {
				cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				_, err := ptraceotlp.NewGRPCClient(c).Export(cctx, req)
				return err
			})
			for _, id := range ids {
				if ok {
					acked[id] = true
				} else {
					notAcked++
				}
			}
		}
		// metric points: metricNames x seriesPerName gauges, through tier 1 of replica w % n
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "scaling-test")
		sm := rm.ScopeMetrics().AppendEmpty()
		for m := 0; m < metricNames; m++ {
			mm := sm.Metrics().AppendEmpty()
			mm.SetName(fmt.Sprintf("scaling.test.m%d", m))
			g := mm.SetEmptyGauge()
			for s := 0; s < seriesPerName; s++ {
				dp := g.DataPoints().AppendEmpty()
				dp.Attributes().PutStr("series", strconv.Itoa(s))
				dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
				dp.SetDoubleValue(float64(w))
			}
		}
		mreq := pmetricotlp.NewExportRequestFromMetrics(md)
		send(w%n, func(c *grpc.ClientConn) error {
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			_, err := pmetricotlp.NewGRPCClient(c).Export(cctx, mreq)
			return err
		})
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("spans sent %d, acknowledged by a tier 1 %d, refused by all (not counted) %d", sent, len(acked), notAcked)
	if len(acked) < sent/2 {
		t.Fatalf("only %d of %d spans acknowledged: the gateways did not take the load", len(acked), sent)
	}

	// Everything acknowledged arrives at some tier 2 (at least once).
	if err := waitFor(90*time.Second, func() error {
		got := sink.spanReplicas()
		missing := 0
		for id := range acked {
			if len(got[id]) == 0 {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d acknowledged spans have not reached a tier 2", missing, len(acked))
		}
		return nil
	}); err != nil {
		for _, r := range reps {
			t.Logf("%s metrics:\n%s", r.name, r.selfMetrics("otelcol_exporter_queue_size", "otelcol_loadbalancer"))
		}
		t.Fatal(err)
	}
	received, dups := sink.spanCounts()
	t.Logf("tier 2 received %d span copies for %d acknowledged spans (%d duplicates, at-least-once)", received, len(acked), dups)

	// All spans of a trace went to ONE replica's tier 2 (the tail sampler's input).
	perTrace := map[string]map[int]bool{}
	for id, repsOf := range sink.spanReplicas() {
		tid := traceOfSpan[id]
		if perTrace[tid] == nil {
			perTrace[tid] = map[int]bool{}
		}
		for r := range repsOf {
			perTrace[tid][r] = true
		}
	}
	load := make([]int, n)
	for tid, rs := range perTrace {
		if len(rs) != 1 {
			t.Errorf("trace %s reached the tail samplers of replicas %v", tid, gwKeys(rs))
		}
		for r := range rs {
			load[r]++
		}
	}
	t.Logf("traces per replica: %v", load)
	for i, l := range load {
		if l == 0 {
			t.Errorf("replica %d received no trace: the ring does not spread traces", i)
		}
	}

	// The sampled output (100 % sampling here) of a trace comes from one replica.
	if err := waitFor(30*time.Second, func() error {
		if len(sink.sampledReplicas()) == 0 {
			return fmt.Errorf("no sampled trace yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for tid, rs := range sink.sampledReplicas() {
		if len(rs) != 1 {
			t.Errorf("trace %s was sampled by replicas %v", tid, gwKeys(rs))
		}
	}

	// Every output series has one writer: the forwarded gauges (routed by metric name) and
	// the span metrics (one series per replica thanks to collector.instance.id).
	if err := waitFor(30*time.Second, func() error {
		w := sink.seriesWriters()
		gauges, spanm := 0, 0
		for s := range w {
			switch {
			case strings.HasPrefix(s, "scaling.test.m"):
				gauges++
			case strings.HasPrefix(s, "traces.span.metrics.calls"):
				spanm++
			}
		}
		if gauges < metricNames*seriesPerName || spanm < n {
			return fmt.Errorf("output has %d forwarded series (want %d) and %d span-metric call series (want >= %d)", gauges, metricNames*seriesPerName, spanm, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	instances := map[string]bool{}
	for s, ws := range sink.seriesWriters() {
		if len(ws) != 1 {
			t.Errorf("series %s has %d writers: replicas %v", s, len(ws), gwKeys(ws))
		}
		if i := strings.Index(s, "collector.instance.id="); i >= 0 && strings.HasPrefix(s, "traces.span.metrics.calls") {
			instances[strings.SplitN(s[i:], ",", 2)[0]] = true
		}
	}
	if len(instances) != n {
		t.Errorf("span metrics carry %d distinct collector.instance.id values, want %d: %v", len(instances), n, instances)
	}

	// The lost backend shows in the survivors' self-metrics, and the restarted replica
	// resolved all three backends again.
	for i, r := range reps {
		if r == victim {
			continue
		}
		failed := r.metricSum(t, "otelcol_loadbalancer_backend_outcome",
			map[string]string{"endpoint": "127.0.0.1:" + victim.tier2, "success": "false"})
		t.Logf("replica %d: %v failed sends to the killed backend; top-level trace queue before its restart: %v", i, failed, queued[i])
		if failed == 0 {
			t.Errorf("replica %d: otelcol_loadbalancer_backend_outcome{success=\"false\"} of the killed backend is 0", i)
		}
		if queued[i] == 0 {
			t.Errorf("replica %d: its top-level load_balancing/traces queue was empty while a backend was down", i)
		}
	}
	if v := victim.metricSum(t, "otelcol_loadbalancer_num_backends", nil); v != n {
		t.Errorf("restarted replica: otelcol_loadbalancer_num_backends is %v, want %d", v, n)
	}
}

// deriveGatewayConfig writes configs/gateway.yaml with its outputs pointed at the test's sink.
func deriveGatewayConfig(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "configs", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	m := func(v any) map[string]any { return v.(map[string]any) }
	exporters := m(cfg["exporters"])
	for _, gone := range []string{"prometheus_remote_write", "otlp_http/loki", "otlp_http/tempo", "incident"} {
		if _, ok := exporters[gone]; !ok {
			t.Fatalf("configs/gateway.yaml has no exporter %s any more: update this test", gone)
		}
		delete(exporters, gone)
	}
	for _, stage := range []string{"received", "sampled", "out"} {
		exporters["otlp_grpc/"+stage] = map[string]any{
			"endpoint":         "${env:TEST_SINK}",
			"compression":      "none",
			"tls":              map[string]any{"insecure": true},
			"headers":          map[string]any{"x-replica": "${env:TEST_REPLICA}", "x-stage": stage},
			"sending_queue":    map[string]any{"enabled": false},
			"retry_on_failure": map[string]any{"enabled": true, "max_elapsed_time": "0s"},
		}
	}
	m(m(cfg["processors"])["tail_sampling"])["decision_wait"] = "2s"
	m(m(cfg["connectors"])["span_metrics"])["metrics_flush_interval"] = "2s"
	pipes := m(m(cfg["service"])["pipelines"])
	m(pipes["traces/sampled"])["exporters"] = []any{"otlp_grpc/sampled"}
	m(pipes["metrics/tier2"])["exporters"] = []any{"otlp_grpc/out"}
	m(pipes["logs/tier2"])["exporters"] = []any{"otlp_grpc/out"}
	pipes["traces/received"] = map[string]any{
		"receivers": []any{"otlp/tier2"},
		"exporters": []any{"otlp_grpc/received"},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "gateway-test.yaml")
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func gwTraceID(w, tr int) pcommon.TraceID {
	var id pcommon.TraceID
	copy(id[:], fmt.Sprintf("t%05d-%05d-xxxx", w, tr))
	return id
}

func gwSpanID(w, tr, k int) pcommon.SpanID {
	var id pcommon.SpanID
	copy(id[:], fmt.Sprintf("%03d%03d%d", w, tr, k))
	return id
}

func gwKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// gwReplica is one gateway process that the test can kill and start again.
type gwReplica struct {
	name, bin, cfg, storage         string
	tier1, tier2, health, telemetry string
	env                             []string
	mu                              sync.Mutex
	cmd                             *exec.Cmd
	done                            chan struct{}
	waitErr                         error // once done is closed
	logs                            gwLog
}

// startGWReplicas starts the replicas and waits until all of them are up; on error none of
// them is running.
func startGWReplicas(reps []*gwReplica) error {
	err := func() error {
		for _, r := range reps {
			if err := r.start(); err != nil {
				return err
			}
		}
		for _, r := range reps {
			if err := r.waitUp(); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		for _, r := range reps {
			r.stop()
		}
	}
	return err
}

func (r *gwReplica) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cmd := exec.Command(r.bin, "--config", r.cfg)
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = &r.logs, &r.logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	r.cmd, r.done = cmd, make(chan struct{})
	done := r.done
	go func() { r.waitErr = cmd.Wait(); close(done) }()
	return nil
}

func (r *gwReplica) kill(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not die on SIGKILL", r.name)
	}
}

func (r *gwReplica) stop() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// waitUp waits until the replica (first start) logged collectorReady and its health check
// answers 200 while the process is alive (an answer on a port it failed to bind is another
// process's).
func (r *gwReplica) waitUp() error {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	exited := false
	err := waitFor(60*time.Second, func() error {
		select {
		case <-done:
			exited = true
			return nil
		default:
		}
		if !strings.Contains(r.logs.String(), collectorReady) {
			return errors.New("not ready yet")
		}
		resp, err := http.Get("http://127.0.0.1:" + r.health + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health %d", resp.StatusCode)
		}
		return nil
	})
	if exited {
		err = exitedWhileStarting(r.logs.String(), r.waitErr)
	}
	if err != nil {
		return fmt.Errorf("%s: %w\n%s output:\n%s", r.name, err, r.name, r.logs.String())
	}
	return nil
}

// selfMetrics returns the lines of the replica's own /metrics that start with one of prefixes.
func (r *gwReplica) selfMetrics(prefixes ...string) string {
	resp, err := http.Get("http://127.0.0.1:" + r.telemetry + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var out strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		for _, p := range prefixes {
			if strings.HasPrefix(sc.Text(), p) {
				out.WriteString(sc.Text() + "\n")
			}
		}
	}
	return out.String()
}

// metricSum adds the samples of a self-metric (any suffix such as _total) whose labels
// include match.
func (r *gwReplica) metricSum(t *testing.T, name string, match map[string]string) float64 {
	t.Helper()
	samples, err := scrapeSamples("http://127.0.0.1:" + r.telemetry + "/metrics")
	if err != nil {
		t.Logf("%s: %v", r.name, err)
		return 0
	}
	var sum float64
	found := false
	for _, s := range samples {
		if strings.HasPrefix(s.name, name) && hasLabels(s, match) {
			sum += s.value
			found = true
		}
	}
	if !found {
		t.Logf("%s: no %s%v in its self-metrics", r.name, name, match)
	}
	return sum
}

// gwLog collects a replica's output across restarts.
type gwLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *gwLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *gwLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// gwSink is the test's OTLP gRPC endpoint: it records what each replica (x-replica header)
// exported at each stage (x-stage header).
type gwSink struct {
	port string
	mu   sync.Mutex
	// span id -> replica -> copies received at tier 2
	spans map[string]map[int]int
	// trace id -> replicas whose tail sampler released it
	sampled map[string]map[int]bool
	// series identity -> replicas that wrote it
	series map[string]map[int]bool
}

func newGWSink(t *testing.T) *gwSink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &gwSink{
		port:    strconv.Itoa(l.Addr().(*net.TCPAddr).Port),
		spans:   map[string]map[int]int{},
		sampled: map[string]map[int]bool{},
		series:  map[string]map[int]bool{},
	}
	srv := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(srv, &gwTraceSink{s: s})
	pmetricotlp.RegisterGRPCServer(srv, &gwMetricSink{s: s})
	plogotlp.RegisterGRPCServer(srv, &gwLogSink{})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return s
}

func fromMD(ctx context.Context) (replica int, stage string) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("x-replica"); len(v) > 0 {
		replica, _ = strconv.Atoi(v[0])
	}
	if v := md.Get("x-stage"); len(v) > 0 {
		stage = v[0]
	}
	return replica, stage
}

type gwTraceSink struct {
	ptraceotlp.UnimplementedGRPCServer
	s *gwSink
}

func (h *gwTraceSink) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	replica, stage := fromMD(ctx)
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	rss := req.Traces().ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				sid, tid := sp.SpanID(), sp.TraceID()
				switch stage {
				case "received":
					id := hex.EncodeToString(sid[:])
					if h.s.spans[id] == nil {
						h.s.spans[id] = map[int]int{}
					}
					h.s.spans[id][replica]++
				case "sampled":
					id := hex.EncodeToString(tid[:])
					if h.s.sampled[id] == nil {
						h.s.sampled[id] = map[int]bool{}
					}
					h.s.sampled[id][replica] = true
				}
			}
		}
	}
	return ptraceotlp.NewExportResponse(), nil
}

type gwMetricSink struct {
	pmetricotlp.UnimplementedGRPCServer
	s *gwSink
}

func (h *gwMetricSink) Export(ctx context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	replica, _ := fromMD(ctx)
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	rms := req.Metrics().ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		res := attrString(rms.At(i).Resource().Attributes())
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				for _, a := range pointAttrs(m) {
					id := m.Name() + "{" + a + "} resource{" + res + "}"
					if h.s.series[id] == nil {
						h.s.series[id] = map[int]bool{}
					}
					h.s.series[id][replica] = true
				}
			}
		}
	}
	return pmetricotlp.NewExportResponse(), nil
}

type gwLogSink struct {
	plogotlp.UnimplementedGRPCServer
}

func (*gwLogSink) Export(context.Context, plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	return plogotlp.NewExportResponse(), nil
}

func pointAttrs(m pmetric.Metric) []string {
	var out []string
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for i := 0; i < m.Gauge().DataPoints().Len(); i++ {
			out = append(out, attrString(m.Gauge().DataPoints().At(i).Attributes()))
		}
	case pmetric.MetricTypeSum:
		for i := 0; i < m.Sum().DataPoints().Len(); i++ {
			out = append(out, attrString(m.Sum().DataPoints().At(i).Attributes()))
		}
	case pmetric.MetricTypeHistogram:
		for i := 0; i < m.Histogram().DataPoints().Len(); i++ {
			out = append(out, attrString(m.Histogram().DataPoints().At(i).Attributes()))
		}
	case pmetric.MetricTypeExponentialHistogram:
		for i := 0; i < m.ExponentialHistogram().DataPoints().Len(); i++ {
			out = append(out, attrString(m.ExponentialHistogram().DataPoints().At(i).Attributes()))
		}
	case pmetric.MetricTypeSummary:
		for i := 0; i < m.Summary().DataPoints().Len(); i++ {
			out = append(out, attrString(m.Summary().DataPoints().At(i).Attributes()))
		}
	}
	return out
}

func attrString(m pcommon.Map) string {
	var kv []string
	m.Range(func(k string, v pcommon.Value) bool {
		kv = append(kv, k+"="+v.AsString())
		return true
	})
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

func (s *gwSink) spanReplicas() map[string]map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[int]int, len(s.spans))
	for id, m := range s.spans {
		c := map[int]int{}
		for k, v := range m {
			c[k] = v
		}
		out[id] = c
	}
	return out
}

func (s *gwSink) spanCounts() (copies, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.spans {
		n := 0
		for _, v := range m {
			n += v
		}
		copies += n
		duplicates += n - 1
	}
	return copies, duplicates
}

func (s *gwSink) sampledReplicas() map[string]map[int]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[int]bool, len(s.sampled))
	for id, m := range s.sampled {
		c := map[int]bool{}
		for k, v := range m {
			c[k] = v
		}
		out[id] = c
	}
	return out
}

func (s *gwSink) seriesWriters() map[string]map[int]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[int]bool, len(s.series))
	for id, m := range s.series {
		c := map[int]bool{}
		for k, v := range m {
			c[k] = v
		}
		out[id] = c
	}
	return out
}
