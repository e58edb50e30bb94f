package telemetry

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Every field of Instruments is filled from a spec, and what reaches a reader has the spec's
// name, unit, description, type and bucket bounds.
func TestNewInstruments(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	in, err := NewInstruments(mp.Meter("test"))
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(in).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			t.Errorf("Instruments.%s: no spec fills it", v.Type().Field(i).Name)
		}
	}
	ctx := context.Background()
	in.ActiveRequests.Add(ctx, 1)
	in.CacheRequests.Add(ctx, 1)
	in.AuthAttempts.Add(ctx, 1)
	in.AuthzDenials.Add(ctx, 1)
	in.RateLimitRejections.Add(ctx, 1)
	in.APIKeyRequests.Add(ctx, 1)
	in.QueryComplexity.Record(ctx, 1)
	in.Serialization.Record(ctx, 1)
	in.Errors.Add(ctx, 1)
	in.ResolverDuration.Record(ctx, 1)
	in.SubscriptionsActive.Add(ctx, 1)
	in.BusinessEvents.Add(ctx, 1)
	in.SessionsActive.Add(ctx, 1)
	in.CardinalityBurst.Add(ctx, 1)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m
		}
	}
	if len(got) != len(InstrumentSpecs) {
		t.Errorf("%d metrics collected, want %d (one a spec)", len(got), len(InstrumentSpecs))
	}
	for _, s := range InstrumentSpecs {
		m, ok := got[s.Name]
		if !ok {
			t.Errorf("%s: not collected", s.Name)
			continue
		}
		if m.Unit != s.Unit || m.Description != s.Description {
			t.Errorf("%s: unit %q description %q, want %q %q", s.Name, m.Unit, m.Description, s.Unit, s.Description)
		}
		var kind InstrumentKind
		var bounds []float64
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			kind = Int64UpDownCounter
			if d.IsMonotonic {
				kind = Int64Counter
			}
		case metricdata.Histogram[int64]:
			kind, bounds = Int64Histogram, d.DataPoints[0].Bounds
		case metricdata.Histogram[float64]:
			kind, bounds = Float64Histogram, d.DataPoints[0].Bounds
		default:
			t.Errorf("%s: data %T", s.Name, m.Data)
			continue
		}
		if kind != s.Kind {
			t.Errorf("%s: collected as %s, spec says %s", s.Name, kind, s.Kind)
		}
		if s.Buckets != nil && !slices.Equal(bounds, s.Buckets) {
			t.Errorf("%s: bounds %v, want %v", s.Name, bounds, s.Buckets)
		}
	}
}

// docRow is a metric row of docs/instrumentation.md: | `name` [...] | unit, type[, buckets `[...]`] | ...
var docRow = regexp.MustCompile("(?m)^\\| `([a-z_.]+)` \\[[^]]*\\] \\| ([^,|]+), (counter|updown|histogram)(?:, buckets `\\[([^]]*)\\]`)?")

// Each spec is a row of the instrumentation contract with the same unit, type and buckets.
func TestInstrumentSpecsMatchContract(t *testing.T) {
	b, err := os.ReadFile("../../../../docs/instrumentation.md")
	if err != nil {
		t.Fatalf("the contract: %v", err)
	}
	type row struct {
		unit, typ string
		buckets   []float64
	}
	rows := map[string]row{}
	for _, m := range docRow.FindAllStringSubmatch(string(b), -1) {
		r := row{unit: m[2], typ: m[3]}
		if m[4] != "" {
			for _, f := range strings.Split(m[4], ",") {
				x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil {
					t.Fatalf("%s: bucket %q: %v", m[1], f, err)
				}
				r.buckets = append(r.buckets, x)
			}
		}
		rows[m[1]] = r
	}
	typeOf := map[InstrumentKind]string{Int64Counter: "counter", Int64UpDownCounter: "updown",
		Int64Histogram: "histogram", Float64Histogram: "histogram"}
	for _, s := range InstrumentSpecs {
		r, ok := rows[s.Name]
		if !ok {
			t.Errorf("%s: no row in docs/instrumentation.md", s.Name)
			continue
		}
		if r.unit != s.Unit || r.typ != typeOf[s.Kind] {
			t.Errorf("%s: contract says %s, %s; spec %s, %s", s.Name, r.unit, r.typ, s.Unit, typeOf[s.Kind])
		}
		if r.buckets != nil && !slices.Equal(r.buckets, s.Buckets) {
			t.Errorf("%s: contract buckets %v, spec %v", s.Name, r.buckets, s.Buckets)
		}
	}
}

// A spec whose kind does not match its field, or a counter with buckets, is an error that
// names the instrument.
func TestNewInstrumentsBadSpec(t *testing.T) {
	mp := sdkmetric.NewMeterProvider()
	for _, tc := range []struct {
		spec InstrumentSpec
		want string
	}{
		{InstrumentSpec{Name: "x.mismatch", Unit: "1", Kind: Int64Histogram,
			field: func(in *Instruments) any { return &in.Errors }},
			"instrument x.mismatch (Int64Histogram): kind Int64Histogram does not match the field it fills (*metric.Int64Counter)"},
		{InstrumentSpec{Name: "x.buckets", Unit: "1", Kind: Int64Counter, Buckets: []float64{1},
			field: func(in *Instruments) any { return &in.Errors }},
			"instrument x.buckets (Int64Counter): buckets given for a Int64Counter"},
		{InstrumentSpec{Name: "x bad name!", Unit: "1", Kind: Int64Counter,
			field: func(in *Instruments) any { return &in.Errors }},
			"instrument x bad name! (Int64Counter): "},
	} {
		_, err := newInstruments(mp.Meter("test"), []InstrumentSpec{tc.spec})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.spec.Name, err, tc.want)
		}
	}
}
