package fakes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The Alertmanager contract cases: one table run by the fake's unit test (against
// expectations observed on Alertmanager 0.25.0) and by the exporter's parity test (against
// the fake and the real Alertmanager, asserting identical answers and stored alerts), so
// the fake cannot drift from the real thing.

// AMTagLabel is added to every alert a case wants stored, with a value unique per run and
// case, so the stored result of a case is read back with a filter on it (the real
// Alertmanager is shared by every case and every run).
const AMTagLabel = "parity"

// AMStep is one request of a case.
type AMStep struct {
	// ContentType of the request; "-" sends no Content-Type header.
	ContentType string
	// Body builds the request body from the case tag and a base time (now, whole seconds);
	// explicit timestamps are written relative to base.
	Body       func(tag string, base time.Time) string
	WantStatus int // 0: the connection is closed without an answer
	// WantBody, when set, is the exact (trimmed) answer.
	WantBody string
}

// AMCase is a sequence of requests and the alerts GET /api/v2/alerts lists afterwards.
type AMCase struct {
	Name  string
	Steps []AMStep
	// WantActive: canonical forms (see Canonical) of the listed alerts, sorted.
	WantActive []string
}

// AMResult is what a case observed.
type AMResult struct {
	Statuses []int
	Bodies   []string
	// Active: canonical forms, sorted. Fingerprints and Raw: the GET answer's fingerprints
	// (in its order) and explicit timestamps as the server rendered them.
	Active       []string
	Fingerprints []string
	Raw          []string
}

func ts(t time.Time) string { return t.Format(time.RFC3339Nano) }

func alertJSON(labels map[string]string, extra string) string {
	b, _ := json.Marshal(labels)
	if extra != "" {
		return `{"labels":` + string(b) + `,` + extra + `}`
	}
	return `{"labels":` + string(b) + `}`
}

// L builds a label set with the tag and alertname.
func L(tag, name string, kv ...string) map[string]string {
	m := map[string]string{AMTagLabel: tag, "alertname": name}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func batch(alerts ...string) string { return "[" + strings.Join(alerts, ",") + "]" }

func step(status int, body func(tag string, base time.Time) string) AMStep {
	return AMStep{ContentType: "application/json", Body: body, WantStatus: status}
}

func fixed(s string) func(string, time.Time) string {
	return func(string, time.Time) string { return s }
}

// AMCases is the contract table, observed on the Debian prometheus-alertmanager 0.25.0.
// The merge case assumes resolve_timeout < 4m (test/env uses 1m).
func AMCases() []AMCase {
	minute := time.Minute
	one := func(status int, extra string, kv ...string) []AMStep {
		return []AMStep{step(status, func(tag string, _ time.Time) string { return batch(alertJSON(L(tag, "A", kv...), extra)) })}
	}
	withBody := func(s []AMStep, body string) []AMStep { s[0].WantBody = body; return s }
	at := func(tag string, _ time.Time, name, start, end string) string {
		var parts []string
		if start != "" {
			parts = append(parts, `"startsAt":"`+start+`"`)
		}
		if end != "" {
			parts = append(parts, `"endsAt":"`+end+`"`)
		}
		return alertJSON(L(tag, name), strings.Join(parts, ","))
	}
	rel := func(base time.Time, d time.Duration) string { return ts(base.Add(d)) }
	return []AMCase{
		{Name: "minimal alert: defaults startsAt=now, endsAt=now+resolve_timeout", Steps: one(200, ""),
			WantActive: []string{"{alertname=A} {} starts=now ends=now+rt updated=now gen= state=active"}},
		{Name: "dotted label name is 400", Steps: withBody(one(400, "", "service.name", "x"), `"invalid label set: invalid name \"service.name\""`)},
		{Name: "leading digit label name is 400", Steps: withBody(one(400, "", "1a", "x"), `"invalid label set: invalid name \"1a\""`)},
		{Name: "non-ASCII label name is 400 (classic names)", Steps: withBody(one(400, "", "é", "x"), `"invalid label set: invalid name \"é\""`)},
		{Name: "underscore names are valid", Steps: one(200, "", "_", "x", "__meta", "y"),
			WantActive: []string{"{_=x,__meta=y,alertname=A} {} starts=now ends=now+rt updated=now gen= state=active"}},
		{Name: "dotted annotation name is 400", Steps: withBody(one(400, `"annotations":{"a.b":"c"}`), `"invalid annotations: invalid name \"a.b\""`)},
		{Name: "empty label values are dropped, empty annotation values kept", Steps: one(200, `"annotations":{"note":""}`, "x", ""),
			WantActive: []string{"{alertname=A} {note=} starts=now ends=now+rt updated=now gen= state=active"}},
		{Name: "partial ingest: 400 but the valid alerts are stored", Steps: []AMStep{{ContentType: "application/json", WantStatus: 400,
			WantBody: `"invalid label set: invalid name \"service.name\"; invalid annotations: invalid name \"c d\""`,
			Body: func(tag string, _ time.Time) string {
				return batch(alertJSON(L(tag, "ok1"), ""), alertJSON(L(tag, "bad", "service.name", "a"), ""),
					alertJSON(L(tag, "bad2"), `"annotations":{"c d":"x"}`), alertJSON(L(tag, "ok2"), ""))
			}}},
			WantActive: []string{"{alertname=ok1} {} starts=now ends=now+rt updated=now gen= state=active",
				"{alertname=ok2} {} starts=now ends=now+rt updated=now gen= state=active"}},
		{Name: "no label left is 400", Steps: withBody([]AMStep{step(400, fixed(`[{"labels":{"alertname":""}}]`))}, `"at least one label pair required"`)},
		{Name: "empty label set is 400", Steps: withBody([]AMStep{step(400, fixed(`[{"labels":{}}]`))}, `"at least one label pair required"`)},
		{Name: "missing labels is 422 and rejects the whole batch", Steps: []AMStep{step(422, func(tag string, _ time.Time) string {
			return batch(alertJSON(L(tag, "ok"), ""), `{"annotations":{"x":"y"}}`)
		})}},
		{Name: "generatorURL must be a URI (422)", Steps: one(422, `"generatorURL":"not a url"`)},
		{Name: "relative generatorURL without a slash is 422", Steps: one(422, `"generatorURL":"graph"`)},
		{Name: "absolute-path and absolute generatorURL are stored", Steps: []AMStep{step(200, func(tag string, _ time.Time) string {
			return batch(alertJSON(L(tag, "g1"), `"generatorURL":"/graph?g0.expr=up"`), alertJSON(L(tag, "g2"), `"generatorURL":"http://prom:9090/graph"`))
		})}, WantActive: []string{"{alertname=g1} {} starts=now ends=now+rt updated=now gen=/graph?g0.expr=up state=active",
			"{alertname=g2} {} starts=now ends=now+rt updated=now gen=http://prom:9090/graph state=active"}},
		{Name: "text/plain is 415", Steps: []AMStep{{ContentType: "text/plain", WantStatus: 415, Body: func(tag string, _ time.Time) string { return batch(alertJSON(L(tag, "A"), "")) }}}},
		{Name: "no Content-Type is 415", Steps: []AMStep{{ContentType: "-", WantStatus: 415, Body: func(tag string, _ time.Time) string { return batch(alertJSON(L(tag, "A"), "")) }}}},
		{Name: "application/vnd.api+json is 415", Steps: []AMStep{{ContentType: "application/vnd.api+json", WantStatus: 415, Body: func(tag string, _ time.Time) string { return batch(alertJSON(L(tag, "A"), "")) }}}},
		{Name: "application/json with charset, any case, is accepted", Steps: []AMStep{
			{ContentType: "Application/JSON; charset=utf-8", WantStatus: 200, Body: func(tag string, _ time.Time) string { return batch(alertJSON(L(tag, "A"), "")) }}},
			WantActive: []string{"{alertname=A} {} starts=now ends=now+rt updated=now gen= state=active"}},
		{Name: "not an array is 400", Steps: []AMStep{step(400, func(tag string, _ time.Time) string { return alertJSON(L(tag, "A"), "") })}},
		{Name: "truncated JSON is 400", Steps: []AMStep{step(400, fixed(`[{"labels":`))}},
		{Name: "non-string label value is 400", Steps: []AMStep{step(400, func(tag string, _ time.Time) string {
			return `[{"labels":{"parity":"` + tag + `","alertname":"A","n":1}}]`
		})}},
		{Name: "empty body is 422", Steps: []AMStep{step(422, fixed(""))}},
		{Name: "empty array and null are 200", Steps: []AMStep{step(200, fixed("[]")), step(200, fixed("null"))}},
		{Name: "a null alert closes the connection (0.25 handler panic)", Steps: []AMStep{step(0, fixed("[null]"))}},
		{Name: "unparsable time is 400", Steps: one(400, `"startsAt":"yesterday"`)},
		{Name: "unknown fields and a posted status are ignored", Steps: one(200, `"foo":1,"status":{"state":"suppressed"}`),
			WantActive: []string{"{alertname=A} {} starts=now ends=now+rt updated=now gen= state=active"}},
		{Name: "endsAt before startsAt is 400", Steps: withBody([]AMStep{step(400, func(tag string, b time.Time) string {
			return batch(at(tag, b, "A", rel(b, minute), rel(b, -minute)))
		})}, `"start time must be before end time"`)},
		{Name: "startsAt in the future without endsAt is 400 (endsAt defaults to now+resolve_timeout)", Steps: []AMStep{step(400, func(tag string, b time.Time) string {
			return batch(at(tag, b, "A", rel(b, 24*time.Hour), ""))
		})}},
		{Name: "past startsAt alone: endsAt=now+resolve_timeout", Steps: []AMStep{step(200, func(tag string, b time.Time) string {
			return batch(at(tag, b, "A", rel(b, -time.Hour), ""))
		})}, WantActive: []string{"{alertname=A} {} starts=b-1h0m0s ends=now+rt updated=now gen= state=active"}},
		{Name: "endsAt alone: startsAt=endsAt", Steps: []AMStep{step(200, func(tag string, b time.Time) string {
			return batch(at(tag, b, "A", "", rel(b, time.Hour)))
		})}, WantActive: []string{"{alertname=A} {} starts=b+1h0m0s ends=b+1h0m0s updated=now gen= state=active"}},
		{Name: "timestamps keep their offset and are rendered in milliseconds", Steps: []AMStep{step(200, func(tag string, b time.Time) string {
			return batch(at(tag, b, "A", b.Add(-time.Hour).Add(123456789*time.Nanosecond).In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano), ""))
		})}, WantActive: []string{"{alertname=A} {} starts=b-59m59.877s ends=now+rt updated=now gen= state=active"}},
		{Name: "an alert already resolved is stored but not listed", Steps: []AMStep{step(200, func(tag string, b time.Time) string {
			return batch(at(tag, b, "A", rel(b, -2*time.Hour), rel(b, -time.Hour)), at(tag, b, "B", rel(b, -time.Hour), rel(b, -time.Hour)))
		})}},
		{Name: "re-sends merge: earliest startsAt, later explicit endsAt; never shortened by a re-send", Steps: []AMStep{
			step(200, func(tag string, b time.Time) string { return batch(at(tag, b, "A", rel(b, -10*minute), "")) }),
			step(200, func(tag string, b time.Time) string {
				return batch(at(tag, b, "A", rel(b, -5*minute), rel(b, 4*minute)))
			}),
			step(200, func(tag string, b time.Time) string {
				return batch(at(tag, b, "A", rel(b, -10*minute), rel(b, 2*minute)))
			}),
			step(200, func(tag string, b time.Time) string { return batch(at(tag, b, "A", rel(b, -10*minute), "")) }),
		}, WantActive: []string{"{alertname=A} {} starts=b-10m0s ends=b+4m0s updated=now gen= state=active"}},
		{Name: "a past endsAt resolves; a later firing alert starts a new episode", Steps: []AMStep{
			step(200, func(tag string, b time.Time) string {
				return batch(at(tag, b, "A", rel(b, -10*minute), rel(b, 4*minute)), at(tag, b, "B", rel(b, -10*minute), rel(b, 4*minute)))
			}),
			step(200, func(tag string, b time.Time) string {
				return batch(at(tag, b, "A", rel(b, -10*minute), rel(b, -time.Second)), at(tag, b, "B", rel(b, -10*minute), rel(b, -time.Second)))
			}),
			step(200, func(tag string, b time.Time) string { return batch(at(tag, b, "B", rel(b, 0), rel(b, 4*minute))) }),
		}, WantActive: []string{"{alertname=B} {} starts=b+0s ends=b+4m0s updated=now gen= state=active"}},
	}
}

// amGot is the part of GET /api/v2/alerts a case compares.
type amGot struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	UpdatedAt    string            `json:"updatedAt"`
	Fingerprint  string            `json:"fingerprint"`
	GeneratorURL string            `json:"generatorURL"`
	Receivers    []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
}

func kv(m map[string]string, skip string) string {
	var parts []string
	for k, v := range m {
		if k != skip {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

var explicitTime = regexp.MustCompile(`"(?:startsAt|endsAt)":"([^"]+)"`)

// canonicalTime names a returned time: "now" / "now+rt" when the server set it during the
// case (first request − 1 s … last answer + 1 s), "b±d" when the case wrote it.
func canonicalTime(raw string, base, from, to time.Time, rt time.Duration, explicit bool) string {
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return "unparsable:" + raw
	}
	if !explicit {
		switch {
		case !t.Before(from.Add(-time.Second)) && !t.After(to.Add(time.Second)):
			return "now"
		case !t.Before(from.Add(rt-time.Second)) && !t.After(to.Add(rt+time.Second)):
			return "now+rt"
		}
	}
	d := t.Sub(base)
	if d >= 0 {
		return "b+" + d.String()
	}
	return "b" + d.String()
}

// RunAMCase runs c against the Alertmanager API at baseURL (the fake or the real one) with
// tag as the value of AMTagLabel; rt is the server's resolve_timeout.
func RunAMCase(client *http.Client, baseURL, tag string, rt time.Duration, c AMCase) (AMResult, error) {
	var res AMResult
	base := time.Now().Truncate(time.Second)
	explicit := map[string]bool{}
	from := time.Now()
	for _, s := range c.Steps {
		body := s.Body(tag, base)
		for _, m := range explicitTime.FindAllStringSubmatch(body, -1) {
			if t, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
				explicit[t.Truncate(time.Millisecond).UTC().Format(time.RFC3339Nano)] = true
			}
		}
		req, err := http.NewRequest(http.MethodPost, baseURL+"/api/v2/alerts", strings.NewReader(body))
		if err != nil {
			return res, err
		}
		if s.ContentType != "-" {
			req.Header.Set("Content-Type", s.ContentType)
		}
		resp, err := client.Do(req)
		if err != nil {
			res.Statuses = append(res.Statuses, 0) // connection closed without an answer
			res.Bodies = append(res.Bodies, "")
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res.Statuses = append(res.Statuses, resp.StatusCode)
		res.Bodies = append(res.Bodies, string(bytes.TrimSpace(b)))
	}
	to := time.Now()
	q := url.Values{"filter": {fmt.Sprintf("%s=%q", AMTagLabel, tag)}}
	resp, err := client.Get(baseURL + "/api/v2/alerts?" + q.Encode())
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("GET /api/v2/alerts: %s", resp.Status)
	}
	var got []amGot
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return res, err
	}
	isExplicit := func(raw string) bool {
		t, err := time.Parse(time.RFC3339Nano, raw)
		return err == nil && explicit[t.UTC().Format(time.RFC3339Nano)]
	}
	for _, a := range got {
		var recv []string
		for _, r := range a.Receivers {
			recv = append(recv, r.Name)
		}
		res.Fingerprints = append(res.Fingerprints, a.Fingerprint)
		for _, raw := range []string{a.StartsAt, a.EndsAt} {
			if isExplicit(raw) {
				res.Raw = append(res.Raw, raw)
			}
		}
		res.Active = append(res.Active, fmt.Sprintf("%s %s starts=%s ends=%s updated=%s gen=%s state=%s",
			kv(a.Labels, AMTagLabel), kv(a.Annotations, ""),
			canonicalTime(a.StartsAt, base, from, to, rt, isExplicit(a.StartsAt)),
			canonicalTime(a.EndsAt, base, from, to, rt, isExplicit(a.EndsAt)),
			canonicalTime(a.UpdatedAt, base, from, to, rt, false), a.GeneratorURL, a.Status.State))
		if strings.Join(recv, ",") != "test" || a.Labels[AMTagLabel] != tag {
			return res, fmt.Errorf("unexpected receivers %v or tag %q", recv, a.Labels[AMTagLabel])
		}
	}
	sort.Strings(res.Active)
	return res, nil
}
