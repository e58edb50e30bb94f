//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// nestedLogsRequest is a logs export request whose one log record has a body nested depth
// levels deep: kvlist {"k": kvlist {"k": ...}} or array [[[...]]], ending in the string "x".
// Built as raw protobuf from the inside out (pdata would recurse to build and encode it).
func nestedLogsRequest(depth int, kind string) otlpRequest {
	var rev []byte // the message, back to front
	put := func(p ...byte) {
		for i := len(p) - 1; i >= 0; i-- {
			rev = append(rev, p[i])
		}
	}
	wrap := func(field int) { // a length-delimited field holding everything so far
		n := uint64(len(rev))
		hdr := []byte{byte(field<<3 | 2)}
		for n >= 0x80 {
			hdr = append(hdr, byte(n)|0x80)
			n >>= 7
		}
		put(append(hdr, byte(n))...)
	}
	put(0x0a, 0x01, 'x') // AnyValue.string_value
	for range depth {
		if kind == "array" {
			wrap(1) // ArrayValue.values
			wrap(5) // AnyValue.array_value
		} else {
			wrap(2)              // KeyValue.value
			put(0x0a, 0x01, 'k') // KeyValue.key
			wrap(1)              // KeyValueList.values
			wrap(6)              // AnyValue.kvlist_value
		}
	}
	wrap(5) // LogRecord.body
	wrap(2) // ScopeLogs.log_records
	wrap(2) // ResourceLogs.scope_logs
	wrap(1) // ExportLogsServiceRequest.resource_logs
	body := make([]byte, len(rev))
	for i, b := range rev {
		body[len(rev)-1-i] = b
	}
	return otlpRequest{Signal: signalLogs, Body: body}
}

// requireRefusedAsTooLarge checks the answer to an oversized request: gRPC
// ResourceExhausted; over HTTP the OTLP receiver answers 400 (permanent: OTLP clients do
// not retry it) with the status message "http: request body too large".
func requireRefusedAsTooLarge(t *testing.T, tr transport, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: the oversized nested body was accepted", tr)
	}
	switch tr {
	case overGRPC:
		if status.Code(err) != codes.ResourceExhausted {
			t.Fatalf("grpc: want ResourceExhausted, got %v", err)
		}
	case overHTTP:
		if !strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), "request body too large") {
			t.Fatalf("http: want 400 request body too large, got %v", err)
		}
	}
	t.Logf("%s: refused: %.200s", tr, err)
}

// The 1,000,000-level nested body of the report (17.5 MB, under the HTTP receiver's default
// 20 MiB) overflowed the decoder's stack and killed the process. With the shipped limits it
// is refused before decoding, over gRPC and HTTP, and the collector goes on.
func TestNestedBodyRefusedByLocalConfig(t *testing.T) {
	nested := nestedLogsRequest(1_000_000, "kvlist")
	if n := len(nested.Body); n < 17_000_000 || n > 18_000_000 {
		t.Fatalf("nested body is %d bytes, want the reported 17.5 MB", n)
	}
	c := startLocalCollector(t)
	for _, tr := range []transport{overGRPC, overHTTP} {
		requireRefusedAsTooLarge(t, tr, c.send(tr, nested, 60*time.Second))
		c.requireSurvived(t, tr, signalLogs)
	}
	// The densest nesting that fits under the limit (arrays, ~9.5 bytes per level) is
	// accepted and survived: the limit, not luck, is what keeps the stack bounded.
	deepest := nestedLogsRequest(430_000, "array")
	if n := len(deepest.Body); n > 4<<20 {
		t.Fatalf("the deepest accepted body is %d bytes, over 4 MiB", n)
	}
	if err := c.send(overGRPC, deepest, 60*time.Second); err != nil {
		t.Fatalf("a nested body under the limit was refused: %v", err)
	}
	c.requireSurvived(t, overGRPC, signalLogs)
	c.requireStopsOnSIGTERM(t)
}

// The agent, which takes OTLP from every application on a node, refuses the same body. It
// forwards to a gateway that is not there: requests are acknowledged once they are in its
// persistent queue, which is what "answers the next request" means here.
func TestNestedBodyRefusedByAgentConfig(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("e2e-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCollector(t, func() collectorSpec {
		spec := collectorSpec{
			Config:   filepath.Join(repoRoot(t), "configs", "agent.yaml"),
			GRPCPort: freePort(t),
			HTTPPort: freePort(t),
		}
		spec.Env = []string{
			"FRAISEQL_LISTEN_ADDR=127.0.0.1",
			"FRAISEQL_OTLP_GRPC_PORT=" + spec.GRPCPort,
			"FRAISEQL_OTLP_HTTP_PORT=" + spec.HTTPPort,
			"FRAISEQL_HEALTH_PORT=" + freePort(t),
			"FRAISEQL_TELEMETRY_PORT=" + freePort(t),
			"FRAISEQL_STORAGE_DIR=" + dir,
			"FRAISEQL_LOG_GLOB=" + filepath.Join(dir, "*.log"),
			"FRAISEQL_GATEWAY_TOKEN_FILE=" + token,
			"FRAISEQL_GATEWAY_ENDPOINT=127.0.0.1:" + freePort(t),
			"FRAISEQL_MEMORY_LIMIT_MIB=400",
		}
		return spec
	})
	nested := nestedLogsRequest(1_000_000, "kvlist")
	for _, tr := range []transport{overGRPC, overHTTP} {
		requireRefusedAsTooLarge(t, tr, c.send(tr, nested, 60*time.Second))
		if !c.alive() {
			t.Fatalf("agent died after the nested body over %s: %v", tr, c.waitErr)
		}
		if err := c.send(tr, markerRequest(t, signalLogs, "agent-after-"+string(tr)), 10*time.Second); err != nil {
			t.Fatalf("the agent's logs pipeline does not answer over %s after the nested body: %v", tr, err)
		}
	}
	if out := c.output(); strings.Contains(out, "panic: ") || strings.Contains(out, "fatal error") {
		t.Fatal("the agent panicked")
	}
	c.requireStopsOnSIGTERM(t)
}

// Every OTLP receiver of every shipped collector config sets both limits, at most 4 MiB
// (6 MiB on the gateway's tier 2, which only receives what its tier 1 accepted).
func TestShippedConfigsLimitRequestSize(t *testing.T) {
	for _, path := range collectorConfigs(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			Receivers map[string]struct {
				Protocols struct {
					GRPC *struct {
						MaxRecvMsgSizeMiB int `yaml:"max_recv_msg_size_mib"`
					} `yaml:"grpc"`
					HTTP *struct {
						MaxRequestBodySize int64 `yaml:"max_request_body_size"`
					} `yaml:"http"`
				} `yaml:"protocols"`
			} `yaml:"receivers"`
		}
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for id, r := range cfg.Receivers {
			if id != "otlp" && !strings.HasPrefix(id, "otlp/") {
				continue
			}
			limit := 4
			if id == "otlp/tier2" {
				limit = 6
			}
			where := filepath.Base(path) + " receivers::" + id
			if g := r.Protocols.GRPC; g != nil && (g.MaxRecvMsgSizeMiB <= 0 || g.MaxRecvMsgSizeMiB > limit) {
				t.Errorf("%s grpc: max_recv_msg_size_mib is %d, want 1..%d", where, g.MaxRecvMsgSizeMiB, limit)
			}
			if h := r.Protocols.HTTP; h != nil && (h.MaxRequestBodySize <= 0 || h.MaxRequestBodySize > int64(limit)<<20) {
				t.Errorf("%s http: max_request_body_size is %d, want 1..%d", where, h.MaxRequestBodySize, int64(limit)<<20)
			}
		}
	}
}
