//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestAgentFileLogServiceName runs the agent's shipped file_log receiver (its operators copied
// from configs/agent.yaml, unchanged; a temporary file instead of the log glob, no offset
// storage) in the built binary with a file exporter: a tailed JSON line's `service` field
// becomes the resource's service.name (what the gateway's ErrorLogBurst rule groups and
// names incidents by), the field itself stays; a plain-text line and a JSON line without
// `service` get no service.name.
func TestAgentFileLogServiceName(t *testing.T) {
	fl, ok := readAgentConfig(t).Receivers["file_log"]
	if !ok {
		t.Fatal("configs/agent.yaml has no file_log receiver")
	}
	logPath := filepath.Join(t.TempDir(), "fraiseql.log")
	if err := os.WriteFile(logPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fl["include"] = []string{logPath}
	fl["start_at"] = "beginning"
	delete(fl, "storage")
	now := time.Now().UTC().Format(time.RFC3339Nano)
	lines := fmt.Sprintf(`{"timestamp":"%[1]s","level":"error","service":"fraiseql","message":"resolver failed"}
{"timestamp":"%[1]s","level":"error","service":"fraiseql-edge","message":"upstream failed"}
{"timestamp":"%[1]s","level":"info","message":"no service field"}
plain text line
`, now)
	if err := os.WriteFile(logPath, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := runLogsPipeline(t, "file_log", func(string) any { return fl }, nil)

	// message -> resource service.name ("" = none) and the record's own `service` attribute.
	type seen struct{ resource, field string }
	got := map[string]seen{}
	if err := waitFor(30*time.Second, func() error {
		clear(got)
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var d struct {
				ResourceLogs []struct {
					Resource struct {
						Attributes []otlpKV `json:"attributes"`
					} `json:"resource"`
					ScopeLogs []struct {
						LogRecords []struct {
							Body       otlpValue `json:"body"`
							Attributes []otlpKV  `json:"attributes"`
						} `json:"logRecords"`
					} `json:"scopeLogs"`
				} `json:"resourceLogs"`
			}
			if err := json.Unmarshal(line, &d); err != nil {
				return err
			}
			for _, rl := range d.ResourceLogs {
				for _, sl := range rl.ScopeLogs {
					for _, l := range sl.LogRecords {
						msg := l.Body.StringValue
						if m := kvString(l.Attributes, "message"); m != "" {
							msg = m
						}
						got[msg] = seen{resource: kvString(rl.Resource.Attributes, "service.name"), field: kvString(l.Attributes, "service")}
					}
				}
			}
		}
		if len(got) < 4 {
			return fmt.Errorf("%d of 4 lines exported: %v", len(got), got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for msg, want := range map[string]seen{
		"resolver failed":  {resource: "fraiseql", field: "fraiseql"},
		"upstream failed":  {resource: "fraiseql-edge", field: "fraiseql-edge"},
		"no service field": {},
		"plain text line":  {},
	} {
		if got[msg] != want {
			t.Errorf("line %q: resource service.name %q, attribute service %q; want %q and %q", msg, got[msg].resource, got[msg].field, want.resource, want.field)
		}
	}
}

type otlpValue struct {
	StringValue string `json:"stringValue"`
}

type otlpKV struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

func kvString(kvs []otlpKV, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value.StringValue
		}
	}
	return ""
}
