package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/scan"
)

func (p *piiProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	w := p.getWalker(sigTraces)
	defer p.putWalker(ctx, w)
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		w.attrs(rs.Resource().Attributes())
		if u, changed := w.schemaURL(rs.SchemaUrl()); changed {
			rs.SetSchemaUrl(u)
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			w.scope(ss.Scope())
			if u, changed := w.schemaURL(ss.SchemaUrl()); changed {
				ss.SetSchemaUrl(u)
			}
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				w.span(spans.At(k))
			}
		}
	}
	return td, nil
}

func (w *walker) span(span ptrace.Span) {
	w.items++
	w.record = 0
	w.attrs(span.Attributes())
	if out, changed := w.plainText(span.Name(), w.p.redactor.Policy(scan.Secret).Mask); changed {
		span.SetName(out)
	}
	st := span.Status()
	if out, changed := w.plainText(st.Message(), ""); changed {
		st.SetMessage(out)
	}
	w.traceState(span.TraceState())
	evs := span.Events()
	for e := 0; e < evs.Len(); e++ {
		ev := evs.At(e)
		if out, changed := w.short(ev.Name(), ""); changed {
			ev.SetName(out)
		}
		w.attrs(ev.Attributes())
	}
	links := span.Links()
	for l := 0; l < links.Len(); l++ {
		w.traceState(links.At(l).TraceState())
		w.attrs(links.At(l).Attributes())
	}
	if w.p.summary && w.record > 0 {
		span.Attributes().PutInt(SummaryAttribute, w.record)
	}
}

func (p *piiProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	w := p.getWalker(sigLogs)
	defer p.putWalker(ctx, w)
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		w.attrs(rl.Resource().Attributes())
		if u, changed := w.schemaURL(rl.SchemaUrl()); changed {
			rl.SetSchemaUrl(u)
		}
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			w.scope(sl.Scope())
			if u, changed := w.schemaURL(sl.SchemaUrl()); changed {
				sl.SetSchemaUrl(u)
			}
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				w.logRecord(lrs.At(k))
			}
		}
	}
	return ld, nil
}

func (w *walker) logRecord(lr plog.LogRecord) {
	w.items++
	w.record = 0
	w.attrs(lr.Attributes())
	w.body(lr.Body())
	if out, changed := w.short(lr.SeverityText(), ""); changed {
		lr.SetSeverityText(out)
	}
	if out, changed := w.plainText(lr.EventName(), ""); changed {
		lr.SetEventName(out)
	}
	if w.p.summary && w.record > 0 {
		lr.Attributes().PutInt(SummaryAttribute, w.record)
	}
}

func (p *piiProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	w := p.getWalker(sigMetrics)
	defer p.putWalker(ctx, w)
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		w.attrs(rm.Resource().Attributes())
		if u, changed := w.schemaURL(rm.SchemaUrl()); changed {
			rm.SetSchemaUrl(u)
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			sm := sms.At(j)
			w.scope(sm.Scope())
			if u, changed := w.schemaURL(sm.SchemaUrl()); changed {
				sm.SetSchemaUrl(u)
			}
			ms := sm.Metrics()
			w.drops = w.drops[:0]
			for k := 0; k < ms.Len(); k++ {
				if w.metric(ms.At(k)) {
					w.drops = append(w.drops, k)
				}
			}
			if len(w.drops) > 0 {
				drops, k := w.drops, 0
				ms.RemoveIf(func(pmetric.Metric) bool {
					r := len(drops) > 0 && drops[0] == k
					if r {
						drops = drops[1:]
					}
					k++
					return r
				})
			}
		}
	}
	return md, nil
}

func (w *walker) exemplars(es pmetric.ExemplarSlice) {
	for i := 0; i < es.Len(); i++ {
		w.attrs(es.At(i).FilteredAttributes())
	}
}

// metric walks a metric; it returns true when the metric must be removed: its name holds PII
// (a renamed metric would merge with others or break every query on it; it is dropped and
// counted instead).
func (w *walker) metric(m pmetric.Metric) bool {
	if w.findingsIn(m.Name()) > 0 {
		w.removed[fieldMetric]++
		return true
	}
	if out, changed := w.short(m.Description(), ""); changed {
		m.SetDescription(out)
	}
	if out, changed := w.short(m.Unit(), ""); changed {
		m.SetUnit(out)
	}
	w.attrs(m.Metadata())
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dps := m.Gauge().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			w.items++
			w.attrs(dps.At(i).Attributes())
			w.exemplars(dps.At(i).Exemplars())
		}
	case pmetric.MetricTypeSum:
		dps := m.Sum().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			w.items++
			w.attrs(dps.At(i).Attributes())
			w.exemplars(dps.At(i).Exemplars())
		}
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			w.items++
			w.attrs(dps.At(i).Attributes())
			w.exemplars(dps.At(i).Exemplars())
		}
	case pmetric.MetricTypeExponentialHistogram:
		dps := m.ExponentialHistogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			w.items++
			w.attrs(dps.At(i).Attributes())
			w.exemplars(dps.At(i).Exemplars())
		}
	case pmetric.MetricTypeSummary:
		dps := m.Summary().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			w.items++
			w.attrs(dps.At(i).Attributes())
		}
	}
	return false
}
