package servicegraph

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/metadata"
)

// The factory registers the component under its metadata.yaml type and stability; its
// default config is a well-formed config struct, and Validate says what it lacks, if anything.
func TestFactory(t *testing.T) {
	f := NewFactory()
	if f.Type() != metadata.Type {
		t.Fatalf("type %q, want %q", f.Type(), metadata.Type)
	}
	for signal, got := range map[string]component.StabilityLevel{"traces_to_metrics": f.TracesToMetricsStability()} {
		if got != component.StabilityLevelAlpha {
			t.Errorf("%s stability %v, want alpha (metadata.yaml)", signal, got)
		}
	}
	cfg := f.CreateDefaultConfig()
	if err := componenttest.CheckConfigStruct(cfg); err != nil {
		t.Fatal(err)
	}
	err := cfg.(interface{ Validate() error }).Validate()
	const want = "" // empty: the default config is valid as it is
	switch {
	case want == "" && err != nil:
		t.Fatalf("default config: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("default config: error %v, want one containing %q", err, want)
	}
}
