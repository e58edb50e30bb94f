package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/engine"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/outbox"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/payload"
)

// Per-destination defaults: rate limits (requests per second) and message batching.
var (
	defaultRate      = map[engine.DestKind]float64{engine.PagerDuty: 2, engine.Slack: 1, engine.Webhook: 10, engine.Alertmanager: 0}
	defaultBurst     = map[engine.DestKind]int{engine.PagerDuty: 4, engine.Slack: 1, engine.Webhook: 10, engine.Alertmanager: 1}
	batchSize        = map[engine.DestKind]int{engine.PagerDuty: 1, engine.Slack: payload.SlackAlertsPerMessage, engine.Webhook: 100}
	pagerDuty429Wait = 30 * time.Second // PagerDuty asks for a backoff after 429 and sends no Retry-After
)

const idleWait = time.Minute

// sender delivers one destination's notifications, one request at a time, so a slow or
// failing destination never holds up the pipeline or the other destinations.
type sender struct {
	cfg    *DestinationConfig
	name   string
	kind   engine.DestKind
	client *http.Client
	url    string
	pd     payload.PDConfig
	secret []byte
	// externalURL (webhook) and generatorURL (Alertmanager) fill the payloads' links.
	externalURL, generatorURL string
	bucket                    outbox.Bucket
	backoff                   outbox.Backoff
	maxAge                    time.Duration
	wakeC                     chan bool

	// Alertmanager re-send state.
	resend, resolvedFor time.Duration
	amNext              time.Time
	amAttempts          int
}

func (x *incidentExporter) newSender(ctx context.Context, host component.Host, d *DestinationConfig) (*sender, error) {
	hc := d.ClientConfig
	if hc.Timeout == 0 {
		hc.Timeout = defaultTimeout
	}
	client, err := hc.ToClient(ctx, host.GetExtensions(), x.set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	kind := x.eng.Dest(d.Name).Kind
	s := &sender{cfg: d, name: d.Name, kind: kind, client: client, wakeC: make(chan bool, 1), maxAge: d.MaxAge}
	if s.maxAge == 0 {
		s.maxAge = defaultMaxAge
	}
	rate, burst := d.RateLimit, d.Burst
	if rate == 0 {
		rate = defaultRate[kind]
	}
	if burst == 0 {
		burst = defaultBurst[kind]
	}
	s.bucket = outbox.NewBucket(rate, burst)
	r := d.RetryOnFailure
	s.backoff = outbox.Backoff{Initial: r.InitialInterval, Max: r.MaxInterval, Multiplier: r.Multiplier, Randomization: r.RandomizationFactor}
	if s.backoff.Initial == 0 {
		s.backoff.Initial = defaultRetryInitial
	}
	if s.backoff.Max == 0 {
		s.backoff.Max = defaultRetryMax
	}
	if s.backoff.Multiplier == 0 {
		s.backoff.Multiplier = defaultRetryMultiplier
	}
	if s.backoff.Randomization == 0 {
		s.backoff.Randomization = defaultRetryRandomization
	}
	switch kind {
	case engine.PagerDuty:
		p := d.PagerDuty
		s.url = d.ClientConfig.Endpoint
		if s.url == "" {
			s.url = defaultPagerDutyURL
		}
		prefix := p.DedupKeyPrefix
		if prefix == "" {
			prefix = defaultDedupPrefix
		}
		s.pd = payload.PDConfig{RoutingKey: string(p.RoutingKey), Source: p.Source, Client: p.Client, ClientURL: p.ClientURL, DedupPrefix: prefix}
		if s.pd.Client == "" {
			s.pd.Client = "otelcol-fraiseql"
		}
	case engine.Slack:
		s.url = string(d.Slack.WebhookURL)
	case engine.Webhook:
		s.url = d.ClientConfig.Endpoint
		if d.Webhook != nil {
			s.secret = []byte(d.Webhook.Secret)
			s.externalURL = d.Webhook.ExternalURL
		}
	case engine.Alertmanager:
		s.url = strings.TrimRight(d.ClientConfig.Endpoint, "/") + "/api/v2/alerts"
		if a := d.Alertmanager; a != nil {
			s.resend, s.resolvedFor, s.generatorURL = a.ResendInterval, a.ResolvedResendFor, a.GeneratorURL
		}
		if s.resend == 0 {
			s.resend = defaultResendInterval
		}
		if s.resolvedFor == 0 {
			s.resolvedFor = defaultResolvedResendFor
		}
	}
	return s, nil
}

// wake asks the sender to look at its queue now (changed: an alert changed).
func (s *sender) wake(changed bool) {
	select {
	case s.wakeC <- changed:
	default:
	}
}

func (x *incidentExporter) runSender(s *sender) {
	defer x.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	changed := true // send everything to Alertmanager at start (it keeps alerts in RAM only)
	for {
		select {
		case <-x.stop:
			return
		case c := <-s.wakeC:
			changed = changed || c
		case <-timer.C:
		}
		var next time.Time
		if s.kind == engine.Alertmanager {
			next = x.stepAlertmanager(s, changed)
			changed = false
		} else {
			next = x.step(s)
		}
		d := time.Until(next)
		if d < 0 {
			d = 0
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(d)
	}
}

// step sends at most one request for an outbox destination and returns when to look again:
// claim the entries (under the lock), send them (without it), settle the outcome (under it).
func (x *incidentExporter) step(s *sender) time.Time {
	now := x.now()
	c, wait := x.claim(s, now)
	if len(c.entries) == 0 {
		return wait
	}
	o := x.send(s, c, now)
	x.settle(s, c, o)
	return x.now()
}

// outcome is what one delivery request came to.
type outcome struct {
	result outbox.Result
	resp   response
	// floor is the least wait before a retry (PagerDuty's 429 without Retry-After).
	floor   time.Duration
	errText string
	done    time.Time
}

// send builds and posts the claimed entries and classifies the answer.
func (x *incidentExporter) send(s *sender, c claimed, now time.Time) outcome {
	body, err := s.build(c.entries, c.first, c.groupLabels)
	var resp response
	start := time.Now()
	if err == nil {
		resp, err = s.post(body, now)
	} else {
		resp.status = http.StatusBadRequest // cannot build: treat as a permanent rejection
	}
	x.rec.latency(s.name, time.Since(start).Seconds())
	o := outcome{result: outbox.Classify(resp.status, err), resp: resp}
	if s.kind == engine.Slack && o.result == outbox.Delivered && strings.TrimSpace(resp.text) != "ok" {
		o.result, err = outbox.Transient, fmt.Errorf("slack answered %q instead of ok", resp.text)
	}
	if s.kind == engine.PagerDuty && resp.status == http.StatusTooManyRequests && !resp.hasRetryAfter {
		o.floor = pagerDuty429Wait
	}
	if err != nil {
		o.errText = err.Error()
	} else if o.result != outbox.Delivered {
		o.errText = fmt.Sprintf("HTTP %d: %s", resp.status, truncate(resp.text, 300))
	}
	o.done = x.now()
	return o
}

// settle records the outcome of every claimed entry in the outbox (retry time, drop) and
// persists it.
func (x *incidentExporter) settle(s *sender, c claimed, o outcome) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ob := x.eng.Outbox()
	for i, k := range c.keys {
		e := c.entries[i]
		retryAt := s.backoff.Next(o.done, e.Attempts, o.resp.retryAfter, o.resp.hasRetryAfter, o.floor)
		dropped := ob.Finish(k, e, o.result, o.done, retryAt, o.errText)
		x.rec.notification(s.name, string(e.Action), outcomeName(o.result))
		switch o.result {
		case outbox.Transient:
			x.rec.retry(s.name)
			x.logger.Warn("notification failed, will retry", zap.String("destination", s.name), zap.String("action", string(e.Action)),
				zap.String("rule", e.Alert.Rule), zap.Int("attempt", e.Attempts), zap.Time("retry_at", retryAt), zap.String("error", o.errText))
		case outbox.Permanent:
			if dropped {
				x.rec.Dropped(s.name, "permanent")
			}
			x.logger.Error("notification rejected by destination; dropped", zap.String("destination", s.name), zap.String("action", string(e.Action)),
				zap.String("rule", e.Alert.Rule), zap.String("error", o.errText))
		}
	}
	_ = x.persistLocked(context.Background())
}

// claimed is what step takes from the outbox to send in one request.
type claimed struct {
	keys        []outbox.Key
	entries     []outbox.Entry
	first       string // the group key of the batch
	groupLabels map[string]string
}

// claim takes, under the lock, the entries of s to send now (marking their attempt), or
// returns none and when to look again.
func (x *incidentExporter) claim(s *sender, now time.Time) (claimed, time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ob := x.eng.Outbox()
	ready, expired, next := ob.Ready(s.name, now, s.maxAge)
	for _, e := range expired {
		x.rec.Dropped(s.name, "max_age")
		x.logger.Error("notification dropped after max_age", zap.String("destination", s.name), zap.String("action", string(e.Action)),
			zap.String("rule", e.Alert.Rule), zap.String("fingerprint", e.Alert.Fingerprint), zap.String("last_error", e.LastError))
	}
	if len(ready) == 0 {
		if len(expired) > 0 {
			_ = x.persistLocked(context.Background())
		}
		if next.IsZero() {
			return claimed{}, now.Add(idleWait)
		}
		return claimed{}, next
	}
	if ok, at := s.bucket.Take(now); !ok {
		return claimed{}, at
	}
	// Batch the ready entries of the first one's group (chat and webhook), one for PagerDuty.
	c := claimed{first: ob.Get(ready[0]).Pending.GroupKey}
	for _, k := range ready {
		if len(c.entries) >= batchSize[s.kind] {
			break
		}
		if sl := ob.Get(k); sl == nil || sl.Pending == nil || sl.Pending.GroupKey != c.first {
			continue
		}
		if e, ok := ob.Begin(k); ok {
			c.keys = append(c.keys, k)
			c.entries = append(c.entries, e)
		}
	}
	if s.kind == engine.Webhook && len(c.entries) > 0 {
		c.groupLabels = x.eng.GroupLabels(c.first, c.entries[0].Alert)
	}
	_ = x.persistLocked(context.Background()) // attempts are part of the durable record
	return c, now
}

func outcomeName(r outbox.Result) string {
	switch r {
	case outbox.Delivered:
		return "delivered"
	case outbox.Permanent:
		return "permanent"
	}
	return "transient"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func items(entries []outbox.Entry) []payload.Item {
	out := make([]payload.Item, len(entries))
	for i, e := range entries {
		out[i] = payload.Item{Action: e.Action, Alert: e.Alert}
	}
	return out
}

func (s *sender) build(entries []outbox.Entry, groupKey string, groupLabels map[string]string) ([]byte, error) {
	switch s.kind {
	case engine.PagerDuty:
		return payload.PagerDuty(s.pd, payload.Item{Action: entries[0].Action, Alert: entries[0].Alert})
	case engine.Slack:
		return payload.Slack(items(entries))
	case engine.Webhook:
		return payload.Webhook(s.name, groupKey, groupLabels, s.externalURL, items(entries))
	}
	return nil, fmt.Errorf("no builder for destination %s", s.name)
}

// response is a destination's answer: status, Retry-After and (a bounded part of) the body.
type response struct {
	status        int
	retryAfter    time.Duration
	hasRetryAfter bool
	text          string
}

// post sends body and reads the answer.
func (s *sender) post(body []byte, now time.Time) (response, error) {
	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "otelcol-fraiseql-incident")
	if len(s.secret) > 0 {
		ts := now.Unix()
		req.Header.Set(payload.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(payload.HeaderSignature, payload.Sign(s.secret, ts, body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	ra, ok := outbox.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	return response{status: resp.StatusCode, retryAfter: ra, hasRetryAfter: ok, text: string(b)}, nil
}

// stepAlertmanager (re-)sends the destination's whole alert set: every resend interval,
// at start, and at once when an alert changed (unless backing off after a failure).
func (x *incidentExporter) stepAlertmanager(s *sender, changed bool) time.Time {
	now := x.now()
	if now.Before(s.amNext) && !(changed && s.amAttempts == 0) {
		return s.amNext
	}
	var batch []payload.AMItem
	x.locked(func() { batch = x.eng.AMBatch(s.name, now, s.resend, s.resolvedFor) })
	if len(batch) == 0 {
		s.amNext, s.amAttempts = now.Add(s.resend), 0
		return s.amNext
	}
	body, err := payload.Alertmanager(batch, s.generatorURL)
	if err != nil {
		x.logger.Error("building Alertmanager alerts failed", zap.Error(err))
		s.amNext = now.Add(s.resend)
		return s.amNext
	}
	start := time.Now()
	resp, err := s.post(body, now)
	x.rec.latency(s.name, time.Since(start).Seconds())
	result := outbox.Classify(resp.status, err)
	x.rec.notification(s.name, "post", outcomeName(result))
	switch result {
	case outbox.Delivered:
		s.amNext, s.amAttempts = now.Add(s.resend), 0
	case outbox.Permanent:
		// Alertmanager stores the valid alerts of a batch even when it answers 400.
		x.rec.Dropped(s.name, "permanent")
		x.logger.Error("Alertmanager rejected alerts", zap.Int("status", resp.status), zap.String("answer", truncate(resp.text, 300)))
		s.amNext, s.amAttempts = now.Add(s.resend), 0
	default:
		s.amAttempts++
		x.rec.retry(s.name)
		s.amNext = s.backoff.Next(now, s.amAttempts, resp.retryAfter, resp.hasRetryAfter, 0)
		msg := resp.text
		if err != nil {
			msg = err.Error()
		}
		x.logger.Warn("Alertmanager post failed, will retry", zap.Int("status", resp.status), zap.String("error", truncate(msg, 300)), zap.Time("retry_at", s.amNext))
	}
	return s.amNext
}
