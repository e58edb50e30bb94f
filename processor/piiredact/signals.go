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
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			w.attrs(ss.Scope().Attributes())
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
	evs := span.Events()
	for e := 0; e < evs.Len(); e++ {
		w.attrs(evs.At(e).Attributes())
	}
	links := span.Links()
	for l := 0; l < links.Len(); l++ {
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
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			w.attrs(sl.Scope().Attributes())
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
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			sm := sms.At(j)
			w.attrs(sm.Scope().Attributes())
			ms := sm.Metrics()
			for k := 0; k < ms.Len(); k++ {
				w.metric(ms.At(k))
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

func (w *walker) metric(m pmetric.Metric) {
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
}
