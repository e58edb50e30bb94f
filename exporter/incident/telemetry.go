package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/engine"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

// recorder turns engine and delivery events into self-metrics.
type recorder struct {
	tb     *metadata.TelemetryBuilder
	logger *zap.Logger
	// rejected: when each rule's last "max_incidents reached" warning was logged (the
	// engine calls the recorder under the exporter's lock).
	rejected map[string]time.Time
}

func newRecorder(tb *metadata.TelemetryBuilder, logger *zap.Logger) recorder {
	return recorder{tb: tb, logger: logger, rejected: map[string]time.Time{}}
}

// rejectWarnEvery bounds the "max_incidents reached" warning to one per rule per minute.
const rejectWarnEvery = time.Minute

var bg = context.Background()

func attrs(kv ...string) metric.MeasurementOption {
	a := make([]attribute.KeyValue, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		a = append(a, attribute.String(kv[i], kv[i+1]))
	}
	return metric.WithAttributes(a...)
}

func (r recorder) Transition(rule, from, to string) {
	r.tb.ExporterIncidentTransitions.Add(bg, 1, attrs("rule", rule, "from", from, "to", to))
}

func (r recorder) Suppressed(reason string) {
	r.tb.ExporterIncidentSuppressed.Add(bg, 1, attrs("reason", reason))
}

func (r recorder) Dropped(dest, reason string) {
	r.tb.ExporterIncidentNotificationsDropped.Add(bg, 1, attrs("destination", dest, "reason", reason))
}

func (r recorder) Evicted(phase string) {
	r.tb.ExporterIncidentEvicted.Add(bg, 1, attrs("state", phase))
}

// Rejected counts a fingerprint that could not be tracked and says so: it may be a page
// that never goes out.
func (r recorder) Rejected(rule string) {
	r.tb.ExporterIncidentNotificationsDropped.Add(bg, 1, attrs("destination", "", "reason", "max_incidents"))
	if now := time.Now(); now.Sub(r.rejected[rule]) >= rejectWarnEvery {
		r.rejected[rule] = now
		r.logger.Warn("max_incidents reached and every tracked incident is open or still being delivered: a new incident was not tracked and will not notify (raise max_incidents)",
			zap.String("rule", rule))
	}
}

func (r recorder) TemplateError(rule string) {
	r.tb.ExporterIncidentTemplateErrors.Add(bg, 1, attrs("rule", rule))
}

func (r recorder) notification(dest, action, outcome string) {
	r.tb.ExporterIncidentNotifications.Add(bg, 1, attrs("destination", dest, "action", action, "outcome", outcome))
}

func (r recorder) retry(dest string) {
	r.tb.ExporterIncidentNotificationRetries.Add(bg, 1, attrs("destination", dest))
}

func (r recorder) latency(dest string, seconds float64) {
	r.tb.ExporterIncidentNotificationLatency.Record(bg, seconds, attrs("destination", dest))
}

func (r recorder) storeError() { r.tb.ExporterIncidentStateStoreErrors.Add(bg, 1) }

func (r recorder) invalidPoint(rule string) {
	r.tb.ExporterIncidentPointsInvalid.Add(bg, 1, attrs("rule", rule))
}

func observe(o metric.Int64Observer, n int, kv ...string) {
	a := make([]attribute.KeyValue, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		a = append(a, attribute.String(kv[i], kv[i+1]))
	}
	o.Observe(int64(n), metric.WithAttributes(a...))
}

// registerGauges wires the asynchronous gauges to the engine (read under the lock).
func (x *incidentExporter) registerGauges() error {
	err := x.tb.RegisterExporterIncidentActiveCallback(func(_ context.Context, o metric.Int64Observer) error {
		type key struct{ rule, sev string }
		open := map[key]int{}
		x.locked(func() {
			for k, n := range x.eng.Counts() {
				if k.Phase == state.Firing.String() || k.Phase == state.Resolving.String() {
					open[key{k.Rule, k.Severity}] += n
				}
			}
		})
		for k, n := range open {
			observe(o, n, "rule", k.rule, "severity", k.sev)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = x.tb.RegisterExporterIncidentStatesCallback(func(_ context.Context, o metric.Int64Observer) error {
		byState := map[string]int{}
		x.locked(func() {
			for k, n := range x.eng.Counts() {
				byState[k.Phase] += n
			}
		})
		for _, s := range []state.Phase{state.Inactive, state.Pending, state.Firing, state.Resolving, state.Resolved} {
			observe(o, byState[s.String()], "state", s.String())
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = x.tb.RegisterExporterIncidentFlappingCallback(func(_ context.Context, o metric.Int64Observer) error {
		n := 0
		x.locked(func() {
			for k, c := range x.eng.Counts() {
				if k.Flapping {
					n += c
				}
			}
		})
		observe(o, n)
		return nil
	})
	if err != nil {
		return err
	}
	return x.tb.RegisterExporterIncidentOutboxDepthCallback(func(_ context.Context, o metric.Int64Observer) error {
		depth := map[string]int{}
		x.locked(func() {
			for _, d := range x.cfg.Destinations {
				if d.Type != TypeAlertmanager {
					depth[d.Name] = x.eng.Outbox().Depth(d.Name)
				}
			}
		})
		for d, n := range depth {
			observe(o, n, "destination", d)
		}
		return nil
	})
}

var _ engine.Recorder = recorder{}
