//go:build e2e

package e2e

import (
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// sgMaxItems is store.max_items of testdata/servicegraph_hardening.yaml: the most spans that
// wait for their other half and the most edge series the connector holds.
const sgMaxItems = 1000

// TestHardeningServiceGraph sends the worst shapes for the servicegraph connector through the
// built binary, configured as gateway tier 2 runs it (otlp -> memory_limiter -> servicegraph
// -> metrics pipeline), over gRPC and HTTP:
//
//  1. a flood of client spans of 5,500 distinct services, far beyond store.max_items, whose
//     server never comes: the store holds exactly max_items, the rest is counted as dropped
//     (store_full), the waiting ones as unpaired once store.ttl passes;
//  2. halves that never meet: server spans whose client never comes, and pairs whose server
//     arrives after the client expired; spans without service.name;
//  3. huge values: service names, database names, peer attributes and dimension values of
//     100-300 KB (about 150 MB in all) on database spans, virtual-peer client spans and
//     orphan server spans;
//  4. a flood of distinct virtual nodes (peers), databases and root services beyond the edge
//     series bound.
//
// Throughout, a watcher scrapes the connector's gauges: the store never holds more than
// max_items spans, nor the graph more than max_items series. Every counter matches what was
// sent (and every span sent is accounted for exactly once), the heap after the huge values
// stays near where it was before them, the edge of a normal request pair still comes out with
// the right count afterwards, and the process stops on SIGTERM.
func TestHardeningServiceGraph(t *testing.T) {
	h := startServiceGraphHardening(t)
	w := h.watch(t)

	// 0. A normal edge, before anything else: e2e-edge -> e2e-api, 5 requests.
	h.send(t, overGRPC, h.pairs(5))
	h.waitSelf(t, "5 paired requests recorded", sgWant{"requests_recorded", "kind", "paired", 5})
	h.waitEdge(t, 5)

	// 1. Store flood. One request of max_items + 500 client spans: the store takes exactly
	// max_items and drops 500 (one request is consumed under one lock: no expiry in between).
	flood := func(n int) []sgSpan {
		out := make([]sgSpan, n)
		for i := range out {
			id := h.ids.Add(1)
			out[i] = sgSpan{service: fmt.Sprintf("flood-svc-%d", id), kind: ptrace.SpanKindClient, trace: id, span: id}
		}
		return out
	}
	h.send(t, overGRPC, flood(sgMaxItems+500))
	h.requireSelf(t, "store_full drops of the first flood request", sgWant{"spans_dropped", "reason", "store_full", 500})
	// Then 4,000 more in four requests at once, two over each transport.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		spans := flood(1000)
		tr := []transport{overGRPC, overHTTP}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := h.c.send(tr, tracesRequest(t, h.traces(spans)), 30*time.Second)
			if err == nil {
				h.spans.Add(int64(len(spans)))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("flood request refused: %v", err)
		}
	}
	h.waitStoreEmpty(t)
	// Every flood span is either dropped or waited in vain: nothing is lost uncounted.
	if d, u := h.self(t, "spans_dropped", "reason", "store_full"), h.self(t, "spans_unpaired", "side", "client"); d+u != 5500 || u < sgMaxItems {
		t.Fatalf("flood of 5500 client spans: %v dropped (store_full) + %v unpaired = %v, want 5500 with at least %d unpaired", d, u, d+u, sgMaxItems)
	}
	clientUnpaired := h.self(t, "spans_unpaired", "side", "client")

	// 2. Halves that never meet. 300 server spans whose client never comes, 100 client spans
	// whose server comes only after they expired, 7 spans without service.name.
	var orphans, late, late2 []sgSpan
	for range 300 {
		id := h.ids.Add(1)
		orphans = append(orphans, sgSpan{service: "orphan-server", kind: ptrace.SpanKindServer, trace: id, span: id, parent: id + 1<<40})
	}
	for range 100 {
		id := h.ids.Add(1)
		late = append(late, sgSpan{service: "late-client", kind: ptrace.SpanKindClient, trace: id, span: id})
		late2 = append(late2, sgSpan{service: "late-server", kind: ptrace.SpanKindServer, trace: id, span: id + 1<<40, parent: id})
	}
	for i := range 7 {
		id := h.ids.Add(1)
		orphans = append(orphans, sgSpan{kind: []ptrace.SpanKind{ptrace.SpanKindClient, ptrace.SpanKindServer}[i%2], trace: id, span: id})
	}
	h.send(t, overHTTP, append(orphans, late...))
	h.requireSelf(t, "spans without service.name", sgWant{"spans_dropped", "reason", "no_service_name", 7})
	h.waitStoreEmpty(t)
	h.send(t, overGRPC, late2)
	h.waitStoreEmpty(t)
	h.requireSelf(t, "halves that never met",
		sgWant{"spans_unpaired", "side", "server", 400},
		sgWant{"spans_unpaired", "side", "client", clientUnpaired + 100},
		sgWant{"requests_recorded", "kind", "paired", 5})

	// 3. Huge values. The heap before, then ~150 MB of names and values in spans that make
	// series (database, virtual peer) or wait in vain (server): the connector keeps 256 bytes
	// of each, so the heap must not grow by anything near what was sent.
	before := h.minHeap(t)
	big := func(prefix string, i, size int) string {
		p := fmt.Sprintf("%s-%d-", prefix, i)
		return p + strings.Repeat(string(rune('a'+i%26)), size-len(p))
	}
	sent := 0
	for r := range 20 { // 200 database client spans: 300 KB service, 100 KB database, 50 KB tenant
		var spans []sgSpan
		for j := range 10 {
			i, id := r*10+j, h.ids.Add(1)
			s := sgSpan{service: big("huge-db-client", i, 300<<10), kind: ptrace.SpanKindClient, trace: id, span: id,
				attrs: map[string]string{"db.system.name": big("huge-db", i, 100<<10), "tenant": big("huge-tenant", i, 50<<10)}}
			sent += len(s.service) + len(s.attrs["db.system.name"]) + len(s.attrs["tenant"])
			spans = append(spans, s)
		}
		h.send(t, []transport{overGRPC, overHTTP}[r%2], spans)
	}
	for r := range 10 { // 100 client spans: 300 KB service, 200 KB peer -> virtual node after ttl
		var spans []sgSpan
		for j := range 10 {
			i, id := r*10+j, h.ids.Add(1)
			s := sgSpan{service: big("huge-caller", i, 300<<10), kind: ptrace.SpanKindClient, trace: id, span: id,
				attrs: map[string]string{"peer.service": big("huge-peer", i, 200<<10)}}
			sent += len(s.service) + len(s.attrs["peer.service"])
			spans = append(spans, s)
		}
		h.send(t, []transport{overGRPC, overHTTP}[r%2], spans)
	}
	var hugeOrphans []sgSpan // 10 server spans, 400 KB service, whose client never comes
	for i := range 10 {
		id := h.ids.Add(1)
		hugeOrphans = append(hugeOrphans, sgSpan{service: big("huge-server", i, 400<<10), kind: ptrace.SpanKindServer, trace: id, span: id, parent: id + 1<<40})
		sent += 400 << 10
	}
	h.send(t, overGRPC, hugeOrphans)
	h.waitStoreEmpty(t)
	h.requireSelf(t, "huge values recorded",
		sgWant{"requests_recorded", "kind", "database", 200},
		sgWant{"requests_recorded", "kind", "virtual_peer", 100},
		sgWant{"spans_unpaired", "side", "server", 410},
		sgWant{"series", "", "", 301})
	after := h.minHeap(t)
	t.Logf("huge values: %d MB sent; heap %d MB before, %d MB after", sent>>20, int(before)>>20, int(after)>>20)
	if growth := after - before; growth > 64<<20 {
		t.Fatalf("the heap grew by %d MB after %d MB of huge values, want under 64 MB: the connector keeps them", int(growth)>>20, sent>>20)
	}
	// The huge names come out cut to 256 bytes, as a label of the edge.
	h.waitEdgeWhere(t, "an edge of a huge database client, its name cut to 256 bytes", func(s sample) bool {
		return strings.HasPrefix(s.labels["client"], "huge-db-client-0-") && len(s.labels["client"]) == 256 &&
			strings.HasPrefix(s.labels["server"], "huge-db-0-") && len(s.labels["server"]) == 256 &&
			len(s.labels["client_tenant"]) == 256 && s.value == 1
	})

	// 4. Series flood: 1,000 client spans of distinct peers (virtual nodes once they expire),
	// 300 database spans of distinct databases, 50 server spans without parent of distinct
	// services (user -> service). 301 series exist: 699 more fit, every other request is
	// dropped and counted (series_full).
	var peers, dbs, roots []sgSpan
	for range 1000 {
		id := h.ids.Add(1)
		peers = append(peers, sgSpan{service: "flood-caller", kind: ptrace.SpanKindClient, trace: id, span: id,
			attrs: map[string]string{"peer.service": fmt.Sprintf("flood-peer-%d", id)}})
	}
	for range 300 {
		id := h.ids.Add(1)
		dbs = append(dbs, sgSpan{service: "flood-caller", kind: ptrace.SpanKindClient, trace: id, span: id,
			attrs: map[string]string{"db.system.name": fmt.Sprintf("flood-db-%d", id)}})
	}
	for range 50 {
		id := h.ids.Add(1)
		roots = append(roots, sgSpan{service: fmt.Sprintf("flood-root-%d", id), kind: ptrace.SpanKindServer, trace: id, span: id})
	}
	h.send(t, overGRPC, peers[:500])
	h.send(t, overHTTP, peers[500:])
	h.waitStoreEmpty(t)
	h.send(t, overGRPC, dbs)
	h.send(t, overHTTP, roots)
	h.requireSelf(t, "series flood",
		sgWant{"requests_recorded", "kind", "virtual_peer", 100 + sgMaxItems - 301},
		sgWant{"requests_recorded", "kind", "database", 200},
		sgWant{"requests_recorded", "kind", "virtual_user", 0},
		sgWant{"spans_dropped", "reason", "series_full", 301 + 300 + 50},
		sgWant{"series", "", "", sgMaxItems})

	// 5. Afterwards: the normal edge still counts (its series exists), 5 more requests.
	h.send(t, overHTTP, h.pairs(5))
	h.waitSelf(t, "10 paired requests recorded", sgWant{"requests_recorded", "kind", "paired", 10})
	h.waitEdge(t, 10)

	// Every span sent is accounted for exactly once.
	var acc float64
	for _, k := range []string{"database", "virtual_user", "virtual_peer"} {
		acc += h.self(t, "requests_recorded", "kind", k)
	}
	acc += 2 * h.self(t, "requests_recorded", "kind", "paired")
	for _, r := range []string{"store_full", "series_full", "no_service_name"} {
		acc += h.self(t, "spans_dropped", "reason", r)
	}
	acc += h.self(t, "spans_unpaired", "side", "client") + h.self(t, "spans_unpaired", "side", "server")
	acc += h.self(t, "spans_duplicate", "", "") + h.self(t, "store_items", "", "")
	if n := h.spans.Load(); acc != float64(n) {
		t.Fatalf("%d spans sent, %v accounted for by the self-metrics", n, acc)
	}

	maxStore, maxSeries, scrapes := w.stop()
	t.Logf("watcher: %d scrapes, at most %d waiting spans and %d series", scrapes, maxStore, maxSeries)
	if maxStore > sgMaxItems || maxSeries > sgMaxItems {
		t.Fatalf("store_items reached %d and series %d: over store.max_items %d", maxStore, maxSeries, sgMaxItems)
	}
	if maxStore != sgMaxItems || maxSeries != sgMaxItems {
		t.Fatalf("the watcher saw at most %d waiting spans and %d series, want exactly %d of each (the floods fill both)", maxStore, maxSeries, sgMaxItems)
	}
	if out := h.c.output(); strings.Contains(out, "panic") || strings.Contains(out, "fatal error") {
		t.Fatal("the collector panicked")
	}
	h.c.requireStopsOnSIGTERM(t)
}

// sgSpan is one span of a hardening request: a resource with service.name (none when ""), a
// span of kind with the given ids (trace and span ids from the numbers; parent 0 = no parent)
// and string attributes.
type sgSpan struct {
	service             string
	kind                ptrace.SpanKind
	trace, span, parent uint64
	attrs               map[string]string
}

type sgHarness struct {
	c               *runningCollector
	promURL, telURL string
	ids             atomic.Uint64 // trace and span numbers, unique over the test
	spans           atomic.Int64  // client and server spans sent
}

func startServiceGraphHardening(t *testing.T) *sgHarness {
	t.Helper()
	h := &sgHarness{}
	h.c = startCollector(t, func() collectorSpec {
		spec := collectorSpec{
			Config:     filepath.Join(repoRoot(t), "test", "e2e", "testdata", "servicegraph_hardening.yaml"),
			GRPCPort:   freePort(t),
			HTTPPort:   freePort(t),
			HealthPort: freePort(t),
		}
		prom, tel := freePort(t), freePort(t)
		h.promURL, h.telURL = "http://127.0.0.1:"+prom+"/metrics", "http://127.0.0.1:"+tel+"/metrics"
		spec.Env = []string{
			"E2E_OTLP_GRPC_PORT=" + spec.GRPCPort, "E2E_OTLP_HTTP_PORT=" + spec.HTTPPort,
			"E2E_HEALTH_PORT=" + spec.HealthPort, "E2E_PROM_PORT=" + prom, "E2E_TELEMETRY_PORT=" + tel,
			// A heap that follows the live data closely, so what the connector keeps shows.
			"GOGC=50",
		}
		return spec
	})
	return h
}

func sgTraceID(n uint64) pcommon.TraceID {
	var id pcommon.TraceID
	id[0] = 0xe2
	binary.BigEndian.PutUint64(id[8:], n)
	return id
}

func sgSpanID(n uint64) pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], n)
	return id
}

// traces builds the spans, one resource each, lasting 10 ms and ending now.
func (h *sgHarness) traces(spans []sgSpan) ptrace.Traces {
	td := ptrace.NewTraces()
	end := time.Now()
	for _, s := range spans {
		rs := td.ResourceSpans().AppendEmpty()
		if s.service != "" {
			rs.Resource().Attributes().PutStr("service.name", s.service)
		}
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetName("e2e servicegraph hardening")
		sp.SetKind(s.kind)
		sp.SetTraceID(sgTraceID(s.trace))
		sp.SetSpanID(sgSpanID(s.span))
		if s.parent != 0 {
			sp.SetParentSpanID(sgSpanID(s.parent))
		}
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-10 * time.Millisecond)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		for k, v := range s.attrs {
			sp.Attributes().PutStr(k, v)
		}
	}
	return td
}

// pairs is n requests e2e-edge -> e2e-api (tenant t1 on both sides): a client span and the
// server span whose parent it is.
func (h *sgHarness) pairs(n int) []sgSpan {
	var out []sgSpan
	for range n {
		id := h.ids.Add(1)
		dims := map[string]string{"tenant": "t1"}
		out = append(out,
			sgSpan{service: "e2e-edge", kind: ptrace.SpanKindClient, trace: id, span: id, attrs: dims},
			sgSpan{service: "e2e-api", kind: ptrace.SpanKindServer, trace: id, span: id + 1<<40, parent: id, attrs: dims})
	}
	return out
}

// send posts the spans over tr and fails the test unless they are accepted within 30 s.
func (h *sgHarness) send(t *testing.T, tr transport, spans []sgSpan) {
	t.Helper()
	if err := h.c.send(tr, tracesRequest(t, h.traces(spans)), 30*time.Second); err != nil {
		t.Fatalf("%s: %d spans refused: %v", tr, len(spans), err)
	}
	h.spans.Add(int64(len(spans)))
}

// self returns the connector's self-metric otelcol_connector_servicegraph_<name> with label
// key=value (key "" for none); 0 when the counter does not exist yet.
func (h *sgHarness) self(t *testing.T, name, key, value string) float64 {
	t.Helper()
	samples, err := scrapeSamples(h.telURL)
	if err != nil {
		t.Fatalf("the collector's telemetry does not answer: %v", err)
	}
	return sgSelf(samples, name, key, value)
}

func sgSelf(samples []sample, name, key, value string) float64 {
	var labels map[string]string
	if key != "" {
		labels = map[string]string{key: value}
	}
	v, _ := findSample(samples, "otelcol_connector_servicegraph_"+name, labels)
	return v
}

type sgWant struct {
	name, key, value string
	n                float64
}

func (h *sgHarness) checkSelf(wants []sgWant) error {
	samples, err := scrapeSamples(h.telURL)
	if err != nil {
		return err
	}
	for _, w := range wants {
		if got := sgSelf(samples, w.name, w.key, w.value); got != w.n {
			return fmt.Errorf("%s{%s=%q} = %v, want %v", w.name, w.key, w.value, got, w.n)
		}
	}
	return nil
}

// requireSelf: the self-metrics are as wanted now (counted while the request was consumed).
func (h *sgHarness) requireSelf(t *testing.T, what string, wants ...sgWant) {
	t.Helper()
	if err := h.checkSelf(wants); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitSelf: the self-metrics become as wanted within 20 s.
func (h *sgHarness) waitSelf(t *testing.T, what string, wants ...sgWant) {
	t.Helper()
	if err := waitFor(20*time.Second, func() error { return h.checkSelf(wants) }); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitStoreEmpty waits (at most 20 s; store.ttl is 2 s) until no span waits in the store.
func (h *sgHarness) waitStoreEmpty(t *testing.T) {
	t.Helper()
	h.waitSelf(t, "the store empties after store.ttl", sgWant{"store_items", "", "", 0})
}

// waitEdge waits until the edge e2e-edge -> e2e-api has n requests on the exporter.
func (h *sgHarness) waitEdge(t *testing.T, n float64) {
	t.Helper()
	h.waitEdgeWhere(t, fmt.Sprintf("e2e-edge -> e2e-api with %v requests", n), func(s sample) bool {
		return s.labels["client"] == "e2e-edge" && s.labels["server"] == "e2e-api" &&
			s.labels["client_tenant"] == "t1" && s.labels["server_tenant"] == "t1" && s.value == n
	})
}

// waitEdgeWhere waits (at most 20 s) for a traces_service_graph_request_total sample that ok accepts.
func (h *sgHarness) waitEdgeWhere(t *testing.T, what string, ok func(sample) bool) {
	t.Helper()
	err := waitFor(20*time.Second, func() error {
		samples, err := scrapeSamples(h.promURL)
		if err != nil {
			return err
		}
		for _, s := range samples {
			if s.name == "traces_service_graph_request_total" && ok(s) {
				return nil
			}
		}
		return fmt.Errorf("no such edge among %d samples", len(samples))
	})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// minHeap is the smallest heap the collector reports over 3 s (its flushes allocate, so the
// garbage collector runs and the minimum is close to the live heap).
func (h *sgHarness) minHeap(t *testing.T) float64 {
	t.Helper()
	least := math.Inf(1)
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		samples, err := scrapeSamples(h.telURL)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := findSample(samples, "otelcol_process_runtime_heap_alloc_bytes", nil); ok && v < least {
			least = v
		}
	}
	if math.IsInf(least, 1) {
		t.Fatal("no otelcol_process_runtime_heap_alloc_bytes in the collector's telemetry")
	}
	return least
}

// sgWatcher scrapes the store-items and series gauges every 50 ms and keeps their maxima.
type sgWatcher struct {
	stopc                      chan struct{}
	done                       chan struct{}
	maxStore, maxSeries, count int
}

func (h *sgHarness) watch(t *testing.T) *sgWatcher {
	w := &sgWatcher{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stopc:
				return
			case <-tick.C:
			}
			samples, err := scrapeSamples(h.telURL)
			if err != nil {
				continue // a scrape lost under load; the test's own scrapes fail on a dead process
			}
			w.count++
			w.maxStore = max(w.maxStore, int(sgSelf(samples, "store_items", "", "")))
			w.maxSeries = max(w.maxSeries, int(sgSelf(samples, "series", "", "")))
		}
	}()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			close(w.stopc)
			<-w.done
		}
	})
	return w
}

// stop ends the watcher and returns the maxima and how many scrapes it made.
func (w *sgWatcher) stop() (maxStore, maxSeries, scrapes int) {
	close(w.stopc)
	<-w.done
	return w.maxStore, w.maxSeries, w.count
}
