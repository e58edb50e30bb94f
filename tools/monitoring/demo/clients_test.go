//go:build demo

package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var httpc = &http.Client{Timeout: 30 * time.Second}

// eventually polls f every interval until it returns nil or the timeout passes; then the test
// fails with what, the time waited and f's last error.
func eventually(t *testing.T, timeout, interval time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = f(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, timeout, err)
		}
		time.Sleep(interval)
	}
}

func getBody(u string) ([]byte, error) {
	resp, err := httpc.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return b, fmt.Errorf("GET %s: %s: %s", u, resp.Status, truncate(string(b), 300))
	}
	return b, nil
}

func getJSON(u string, v any) error {
	b, err := getBody(u)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %v: %s", u, err, truncate(string(b), 300))
	}
	return nil
}

func post(u, contentType string, body []byte) error {
	resp, err := httpc.Post(u, contentType, bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", u, resp.Status, truncate(string(b), 300))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// nonce: lower-case letters only, so no PII detector (cards, IPs, phones) mistakes it for data.
func nonce() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 10)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// ---- Prometheus ----------------------------------------------------------------------------

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (p promSample) float() float64 {
	s, _ := p.Value[1].(string)
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

type promResult struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// promQuery runs an instant query; it returns the number of series (vector/matrix) or 1 for
// a scalar, and the vector samples when the result is a vector.
func promQuery(base, q string) (int, []promSample, error) {
	var r struct {
		Status string     `json:"status"`
		Error  string     `json:"error"`
		Data   promResult `json:"data"`
	}
	u := base + "/api/v1/query?" + url.Values{"query": {q}}.Encode()
	b, err := getBody(u)
	if err != nil {
		return 0, nil, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return 0, nil, err
	}
	if r.Status != "success" {
		return 0, nil, fmt.Errorf("query %q: %s", q, r.Error)
	}
	switch r.Data.ResultType {
	case "vector":
		var v []promSample
		if err := json.Unmarshal(r.Data.Result, &v); err != nil {
			return 0, nil, err
		}
		return len(v), v, nil
	case "matrix":
		var m []json.RawMessage
		if err := json.Unmarshal(r.Data.Result, &m); err != nil {
			return 0, nil, err
		}
		return len(m), nil, nil
	default: // scalar, string
		return 1, nil, nil
	}
}

// ---- Jaeger --------------------------------------------------------------------------------

type jaegerSpan struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	StartTime int64 `json:"startTime"` // µs
	Duration  int64 `json:"duration"`  // µs
	Tags      []struct {
		Key   string `json:"key"`
		Type  string `json:"type"`
		Value any    `json:"value"`
	} `json:"tags"`
	ProcessID string `json:"processID"`
}

type jaegerTrace struct {
	TraceID   string       `json:"traceID"`
	Spans     []jaegerSpan `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

func (tr jaegerTrace) services() map[string]int {
	out := map[string]int{}
	for _, s := range tr.Spans {
		out[tr.Processes[s.ProcessID].ServiceName]++
	}
	return out
}

// rootService: the service of the span without a parent ("" when there is none or several).
func (tr jaegerTrace) rootService() string {
	root := ""
	for _, s := range tr.Spans {
		hasParent := false
		for _, r := range s.References {
			if r.RefType == "CHILD_OF" && r.TraceID == tr.TraceID {
				hasParent = true
			}
		}
		if !hasParent {
			if root != "" {
				return ""
			}
			root = tr.Processes[s.ProcessID].ServiceName
		}
	}
	return root
}

// complete: one root, every parent reference resolves inside the trace.
func (tr jaegerTrace) complete() error {
	ids := map[string]bool{}
	for _, s := range tr.Spans {
		ids[s.SpanID] = true
	}
	roots := 0
	for _, s := range tr.Spans {
		parent := ""
		for _, r := range s.References {
			if r.RefType == "CHILD_OF" && r.TraceID == tr.TraceID {
				parent = r.SpanID
			}
		}
		if parent == "" {
			roots++
			continue
		}
		if !ids[parent] {
			return fmt.Errorf("span %s (%s) has parent %s, which is not in the trace", s.SpanID, s.OperationName, parent)
		}
	}
	if roots != 1 {
		return fmt.Errorf("%d root spans", roots)
	}
	return nil
}

func jaegerTraceByID(base, id string) (jaegerTrace, []byte, error) {
	var r struct {
		Data []jaegerTrace `json:"data"`
	}
	b, err := getBody(base + "/api/traces/" + id)
	if err != nil {
		return jaegerTrace{}, nil, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return jaegerTrace{}, nil, err
	}
	if len(r.Data) == 0 {
		return jaegerTrace{}, nil, fmt.Errorf("trace %s not in Jaeger", id)
	}
	return r.Data[0], b, nil
}

// jaegerSearch: the traces of service in [start, end] (Jaeger returns them whole).
func jaegerSearch(base, service string, start, end time.Time, limit int, extra url.Values) ([]jaegerTrace, error) {
	q := url.Values{
		"service": {service},
		"start":   {strconv.FormatInt(start.UnixMicro(), 10)},
		"end":     {strconv.FormatInt(end.UnixMicro(), 10)},
		"limit":   {strconv.Itoa(limit)},
	}
	for k, v := range extra {
		q[k] = v
	}
	var r struct {
		Data []jaegerTrace `json:"data"`
	}
	if err := getJSON(base+"/api/traces?"+q.Encode(), &r); err != nil {
		return nil, err
	}
	return r.Data, nil
}

// ---- VictoriaLogs --------------------------------------------------------------------------

// logsQuery runs a LogsQL query and returns the records (JSON lines).
func logsQuery(base, q string, limit int) ([]map[string]string, error) {
	u := base + "/select/logsql/query?" + url.Values{"query": {q}, "limit": {strconv.Itoa(limit)}}.Encode()
	b, err := getBody(u)
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		m := map[string]string{}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, fmt.Errorf("LogsQL %q: %v: %s", q, err, truncate(line, 200))
		}
		out = append(out, m)
	}
	return out, nil
}
