package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/tracker"
)

// identity walks pdata values into the tracker's hashes.
type identity struct {
	h tracker.Hasher
}

// attrs hashes an attribute map independently of its order.
func (id identity) attrs(m pcommon.Map) uint64 {
	var s tracker.Set
	for k, v := range m.All() {
		s.Add(id.attr(k, v))
	}
	return s.Sum()
}

// selected hashes the values of the named attributes (absent ones hash as absent).
func (id identity) selected(m pcommon.Map, keys []string) uint64 {
	if len(keys) == 0 {
		return 0
	}
	var s tracker.Set
	for _, k := range keys {
		if v, ok := m.Get(k); ok {
			s.Add(id.attr(k, v))
		}
	}
	return s.Sum()
}

func (id identity) attr(k string, v pcommon.Value) uint64 {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return id.h.AttrStr(k, v.Str())
	case pcommon.ValueTypeInt:
		return id.h.AttrNum(k, tracker.KindInt, uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		return id.h.AttrDouble(k, v.Double())
	case pcommon.ValueTypeBool:
		b := uint64(0)
		if v.Bool() {
			b = 1
		}
		return id.h.AttrNum(k, tracker.KindBool, b)
	case pcommon.ValueTypeBytes:
		return id.h.AttrHash(k, tracker.KindBytes, id.h.String(string(v.Bytes().AsRaw())))
	case pcommon.ValueTypeMap:
		return id.h.AttrHash(k, tracker.KindNested, id.attrs(v.Map()))
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		acc := uint64(sl.Len())
		for i := 0; i < sl.Len(); i++ {
			acc = tracker.Combine(acc, id.attr("", sl.At(i)))
		}
		return id.h.AttrHash(k, tracker.KindNested+1, acc)
	default:
		return id.h.AttrNum(k, tracker.KindEmpty, 0)
	}
}

func (id identity) scope(s pcommon.InstrumentationScope) uint64 {
	return tracker.Combine(tracker.Combine(id.h.String(s.Name()), id.h.String(s.Version())), id.attrs(s.Attributes()))
}

// metric hashes what makes a metric stream distinct besides its resource and scope.
func (id identity) metric(m pmetric.Metric) uint64 {
	x := uint64(m.Type())
	switch m.Type() {
	case pmetric.MetricTypeSum:
		x |= uint64(m.Sum().AggregationTemporality())<<8 | boolBit(m.Sum().IsMonotonic())<<12
	case pmetric.MetricTypeHistogram:
		x |= uint64(m.Histogram().AggregationTemporality()) << 8
	case pmetric.MetricTypeExponentialHistogram:
		x |= uint64(m.ExponentialHistogram().AggregationTemporality()) << 8
	}
	return tracker.Combine(tracker.Combine(id.h.String(m.Name()), id.h.String(m.Unit())), x)
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
