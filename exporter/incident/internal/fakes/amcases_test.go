package fakes

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestAlertmanagerContractTable runs the parity table against the fake: the answers and
// stored alerts Alertmanager 0.25.0 gave to the same requests.
func TestAlertmanagerContractTable(t *testing.T) {
	f := NewAlertmanager()
	defer f.Close()
	f.ResolveTimeout = time.Minute
	client := &http.Client{Timeout: 5 * time.Second}
	for i, c := range AMCases() {
		t.Run(c.Name, func(t *testing.T) {
			got, err := RunAMCase(client, f.URL(), fmt.Sprintf("unit-%d", i), f.ResolveTimeout, c)
			if err != nil {
				t.Fatal(err)
			}
			for j, s := range c.Steps {
				if got.Statuses[j] != s.WantStatus {
					t.Errorf("step %d: status %d want %d (%s)", j, got.Statuses[j], s.WantStatus, got.Bodies[j])
				}
				if s.WantBody != "" && got.Bodies[j] != s.WantBody {
					t.Errorf("step %d: body %s want %s", j, got.Bodies[j], s.WantBody)
				}
			}
			if !reflect.DeepEqual(got.Active, c.WantActive) && (len(got.Active) > 0 || len(c.WantActive) > 0) {
				t.Errorf("active\n got %q\nwant %q", got.Active, c.WantActive)
			}
		})
	}
}

func TestAlertmanagerFingerprintMatchesPrometheusModel(t *testing.T) {
	// Observed on Alertmanager 0.25.0 for these label sets.
	for want, labels := range map[string]map[string]string{
		"12b4c542bb0f56d6": {"alertname": "m1"},
		"20e2db63c46825c0": {"alertname": "p1", "a": "b"},
	} {
		if got := AMFingerprint(labels); got != want {
			t.Errorf("%v: %s want %s", labels, got, want)
		}
	}
}

func TestAlertmanagerStateRestartAndFilters(t *testing.T) {
	f := NewAlertmanager()
	defer f.Close()
	now := time.Now().UTC().Truncate(time.Second)
	body := `[{"labels":{"alertname":"DiskFull","service_name":"db"},"startsAt":"` + now.Add(-time.Hour).Format(time.RFC3339) + `","endsAt":"` + now.Add(time.Minute).Format(time.RFC3339) + `"},` +
		`{"labels":{"alertname":"Lag","service_name":"replica"}},` +
		`{"labels":{"alertname":"Old"},"startsAt":"` + now.Add(-time.Hour).Format(time.RFC3339) + `","endsAt":"` + now.Add(-time.Minute).Format(time.RFC3339) + `"}]`
	if code, b, _ := post(t, f.URL()+"/api/v2/alerts", "application/json", body); code != 200 || b != "" {
		t.Fatalf("%d %q", code, b)
	}
	if len(f.Alerts()) != 3 || len(f.Active()) != 2 {
		t.Fatalf("stored %d active %d", len(f.Alerts()), len(f.Active()))
	}
	if p := f.Posts(); len(p) != 1 || p[0].Alerts != 3 || p[0].Stored != 3 {
		t.Fatalf("posts %+v", p)
	}
	names := func(filter ...string) string {
		q := ""
		for _, m := range filter {
			q += "&filter=" + strings.ReplaceAll(strings.ReplaceAll(m, `"`, "%22"), "~", "%7E")
		}
		resp, err := http.Get(f.URL() + "/api/v2/alerts?x=1" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Sprint(resp.StatusCode)
		}
		var got []amGot
		if err := jsonDecode(resp, &got); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range got {
			out = append(out, a.Labels["alertname"])
		}
		return strings.Join(out, ",")
	}
	// Sorted by fingerprint, resolved alerts not listed.
	want := "DiskFull,Lag"
	if AMFingerprint(map[string]string{"alertname": "Lag", "service_name": "replica"}) < AMFingerprint(map[string]string{"alertname": "DiskFull", "service_name": "db"}) {
		want = "Lag,DiskFull"
	}
	if got := names(); got != want {
		t.Errorf("all: %s want %s", got, want)
	}
	for filter, want := range map[string]string{`alertname="Lag"`: "Lag", `service_name=~"d.*"`: "DiskFull", `service_name=~"d"`: "", `alertname!="Lag"`: "DiskFull", `alertname!~"L.*"`: "DiskFull", `alertname`: "400"} {
		if got := names(filter); got != want {
			t.Errorf("filter %s: %q want %q", filter, got, want)
		}
	}
	f.Restart()
	if len(f.Alerts()) != 0 || names() != "" {
		t.Fatal("restart kept alerts")
	}
	f.Script(Scripted{Status: http.StatusServiceUnavailable, RetryAfter: "2"})
	if code, _, h := post(t, f.URL()+"/api/v2/alerts", "application/json", body); code != 503 || h.Get("Retry-After") != "2" {
		t.Fatalf("scripted %d", code)
	}
	if len(f.Alerts()) != 0 {
		t.Fatal("a scripted answer stored alerts")
	}
	req, _ := http.NewRequest(http.MethodDelete, f.URL()+"/api/v2/alerts", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
