package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/engine"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

// logRecord adapts a pdata log record (and its resource) to rules.Record.
type logRecord struct {
	lr  plog.LogRecord
	res pcommon.Map
}

func (r *logRecord) SeverityNumber() int32 { return int32(r.lr.SeverityNumber()) }
func (r *logRecord) SeverityText() string  { return r.lr.SeverityText() }
func (r *logRecord) Body() string          { return r.lr.Body().AsString() }
func (r *logRecord) Attr(k string) (string, bool) {
	return lookup(k, r.lr.Attributes(), r.res)
}

func lookup(k string, first, second pcommon.Map) (string, bool) {
	if v, ok := first.Get(k); ok {
		return v.AsString(), true
	}
	if v, ok := second.Get(k); ok {
		return v.AsString(), true
	}
	return "", false
}

func identity(r *engine.Rule, first, second pcommon.Map) map[string]string {
	id := make(map[string]string, len(r.Identity))
	for _, k := range r.Identity {
		if v, ok := lookup(k, first, second); ok {
			id[k] = v
		}
	}
	return id
}

// flatten renders resource attributes overlaid with record attributes (templates).
func flatten(first, second pcommon.Map) map[string]string {
	out := make(map[string]string, first.Len()+second.Len())
	second.Range(func(k string, v pcommon.Value) bool {
		out[k] = v.AsString()
		return true
	})
	first.Range(func(k string, v pcommon.Value) bool {
		out[k] = v.AsString()
		return true
	})
	return out
}

// pointRecord lets attribute filters of metric rules read point and resource attributes.
type pointRecord struct{ attrs, res pcommon.Map }

func (pointRecord) SeverityNumber() int32          { return 0 }
func (pointRecord) SeverityText() string           { return "" }
func (pointRecord) Body() string                   { return "" }
func (p pointRecord) Attr(k string) (string, bool) { return lookup(k, p.attrs, p.res) }

func (x *incidentExporter) consumeLogs(ctx context.Context, ld plog.Logs) error {
	if len(x.logRules) == 0 {
		return nil
	}
	now := x.now()
	x.mu.Lock()
	defer x.mu.Unlock()
	rec := &logRecord{} // one adapter reused for every record (no allocation per record)
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := rl.Resource().Attributes()
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				rec.lr, rec.res = lrs.At(k), res
				for _, r := range x.logRules {
					var sig state.Signal
					switch {
					case r.When.Match(rec):
						sig = state.Active
					case r.Clear != nil && r.Clear.Match(rec):
						sig = state.Clear
					default:
						continue
					}
					lr := rec.lr
					data := func() *rules.Data {
						return &rules.Data{Body: lr.Body().AsString(), SeverityText: lr.SeverityText(), Attributes: flatten(lr.Attributes(), res)}
					}
					x.eng.Observe(r, sig, identity(r, lr.Attributes(), res), data, 0, false, now)
				}
			}
		}
	}
	return x.persistLocked(ctx)
}

func (x *incidentExporter) consumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	if len(x.metricByName) == 0 {
		return nil
	}
	now := x.now()
	x.mu.Lock()
	defer x.mu.Unlock()
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		res := rm.Resource().Attributes()
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				rs := x.metricByName[m.Name()]
				if len(rs) == 0 {
					continue
				}
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				default:
					for _, r := range rs {
						x.rec.invalidPoint(r.Name)
					}
					continue
				}
				for p := 0; p < dps.Len(); p++ {
					x.observePoint(rs, m.Name(), dps.At(p), res, now)
				}
			}
		}
	}
	return x.persistLocked(ctx)
}

func (x *incidentExporter) observePoint(rs []*engine.Rule, name string, dp pmetric.NumberDataPoint, res pcommon.Map, now time.Time) {
	if dp.Flags().NoRecordedValue() {
		return // a staleness marker: the series ended; inactivity resolves it
	}
	var v float64
	switch dp.ValueType() {
	case pmetric.NumberDataPointValueTypeDouble:
		v = dp.DoubleValue()
	case pmetric.NumberDataPointValueTypeInt:
		v = float64(dp.IntValue())
	default:
		for _, r := range rs {
			x.rec.invalidPoint(r.Name)
		}
		return
	}
	pr := pointRecord{attrs: dp.Attributes(), res: res}
	for _, r := range rs {
		match := true
		for _, f := range r.Filter {
			if !f.Match(pr) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		var sig state.Signal
		switch r.Threshold.Eval(v) {
		case rules.Active:
			sig = state.Active
		case rules.Clear:
			sig = state.Clear
		case rules.Hold:
			sig = state.Seen
		default:
			x.rec.invalidPoint(r.Name)
			continue
		}
		th := r.Threshold.Threshold
		data := func() *rules.Data {
			return &rules.Data{Metric: name, Value: v, Threshold: th, Attributes: flatten(dp.Attributes(), res)}
		}
		x.eng.Observe(r, sig, identity(r, dp.Attributes(), res), data, v, true, now)
	}
}
