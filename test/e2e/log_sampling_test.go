//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"
)

// TestAgentLogSampling runs the agent's shipped filter/log_sampling processor (copied from
// configs/agent.yaml, unchanged) in the built binary between an OTLP/HTTP receiver and a file
// exporter: for a sampled service, every WARN/ERROR and every record without a severity
// arrives, DEBUG/INFO arrive about 1 in 10 (records of one trace together); records of other
// services all arrive; the tailed-file form (`service` attribute) is sampled too.
func TestAgentLogSampling(t *testing.T) {
	agent := readAgentConfig(t)
	proc, ok := agent.Processors["filter/log_sampling"]
	if !ok {
		t.Fatal("configs/agent.yaml has no filter/log_sampling processor")
	}
	if !slices.Contains(agent.Service.Pipelines["logs"].Processors, "filter/log_sampling") {
		t.Fatal("filter/log_sampling is not in the agent's logs pipeline")
	}
	otlpHTTP := func(port string) any {
		return map[string]any{"protocols": map[string]any{"http": map[string]any{"endpoint": "127.0.0.1:" + port}}}
	}
	out, port := runLogsPipeline(t, "otlp", otlpHTTP, map[string]any{"filter/log_sampling": proc},
		"FRAISEQL_LOG_SAMPLED_SERVICES=graphql-api|edge", "FRAISEQL_LOG_SAMPLE_ONE_IN=10")

	rng := rand.New(rand.NewPCG(1, 2))
	tid := func() string { return fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()) }
	rec := func(sev string, num int, body, traceID, service string) map[string]any {
		r := map[string]any{"severityNumber": num, "severityText": sev, "body": map[string]any{"stringValue": body}}
		if traceID != "" {
			r["traceId"] = traceID
		}
		if service != "" {
			r["attributes"] = []any{map[string]any{"key": "service", "value": map[string]any{"stringValue": service}}}
		}
		return r
	}
	var api, other, file []any
	for i := range 500 {
		api = append(api, rec("INFO", 9, fmt.Sprintf("graphql request %d", i), "", ""))
		api = append(api, rec("DEBUG", 5, "same text in every request", tid(), ""))
		file = append(file, rec("INFO", 9, fmt.Sprintf("line %d", i), "", "graphql-api"))
	}
	shared := tid() // one request: its INFO lines are kept or dropped together
	for i := range 20 {
		api = append(api, rec("INFO", 9, fmt.Sprintf("step %d", i), shared, ""))
	}
	for i := range 100 {
		api = append(api, rec("WARN", 13, fmt.Sprintf("warn %d", i), "", ""))
		api = append(api, rec("ERROR", 17, fmt.Sprintf("error %d", i), tid(), ""))
		api = append(api, rec("", 0, fmt.Sprintf("no severity %d", i), "", ""))
		other = append(other, rec("INFO", 9, fmt.Sprintf("other %d", i), "", ""))
	}
	res := func(svc string, recs []any) map[string]any {
		attrs := []any{}
		if svc != "" {
			attrs = append(attrs, map[string]any{"key": "service.name", "value": map[string]any{"stringValue": svc}})
		}
		return map[string]any{"resource": map[string]any{"attributes": attrs}, "scopeLogs": []any{map[string]any{"logRecords": recs}}}
	}
	body, _ := json.Marshal(map[string]any{"resourceLogs": []any{res("graphql-api", api), res("backup", other), res("", file)}})
	if err := waitFor(20*time.Second, func() error {
		resp, err := http.Post("http://127.0.0.1:"+port+"/v1/logs", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	type key struct{ svc, sev, kind string }
	count := map[key]int{}
	sharedKept := 0
	_ = waitFor(10*time.Second, func() error {
		clear(count)
		sharedKept = 0
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var d struct {
				ResourceLogs []struct {
					Resource struct {
						Attributes []struct {
							Value struct {
								StringValue string `json:"stringValue"`
							} `json:"value"`
						} `json:"attributes"`
					} `json:"resource"`
					ScopeLogs []struct {
						LogRecords []struct {
							SeverityText string `json:"severityText"`
							TraceID      string `json:"traceId"`
							Attributes   []any  `json:"attributes"`
						} `json:"logRecords"`
					} `json:"scopeLogs"`
				} `json:"resourceLogs"`
			}
			if err := json.Unmarshal(line, &d); err != nil {
				return err
			}
			for _, rl := range d.ResourceLogs {
				svc := "file"
				if len(rl.Resource.Attributes) > 0 {
					svc = rl.Resource.Attributes[0].Value.StringValue
				}
				for _, sl := range rl.ScopeLogs {
					for _, l := range sl.LogRecords {
						kind := "no trace"
						if l.TraceID != "" {
							kind = "trace"
						}
						if l.TraceID == shared {
							sharedKept++
							continue
						}
						count[key{svc, l.SeverityText, kind}]++
					}
				}
			}
		}
		if count[key{"backup", "INFO", "no trace"}] < 100 {
			return fmt.Errorf("not all arrived yet: %v", count)
		}
		return nil
	})
	t.Logf("kept: %v, shared trace %d/20", count, sharedKept)
	for k, want := range map[key]int{
		{"graphql-api", "WARN", "no trace"}: 100,
		{"graphql-api", "ERROR", "trace"}:   100,
		{"graphql-api", "", "no trace"}:     100,
		{"backup", "INFO", "no trace"}:      100,
	} {
		if got := count[k]; got != want {
			t.Errorf("%v: %d of %d kept, want all", k, got, want)
		}
	}
	for _, k := range []key{{"graphql-api", "INFO", "no trace"}, {"graphql-api", "DEBUG", "trace"}, {"file", "INFO", "no trace"}} {
		// 1 in 10 of 500: a binomial(500, 0.1) is within [20, 85] with overwhelming probability.
		if got := count[k]; got < 20 || got > 85 {
			t.Errorf("%v: %d of 500 kept, want about 50 (1 in 10)", k, got)
		}
	}
	if sharedKept != 0 && sharedKept != 20 {
		t.Errorf("the 20 INFO records of one trace were split: %d kept", sharedKept)
	}
}
