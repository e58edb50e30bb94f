// Package factorytest holds the factory checks every component of this distribution runs
// in its factory_test.go (Check: the registered type, the stability of each signal and of no
// other signal, a well-formed default config struct, what the default config's Validate
// says) and the testdata/config.yaml loader of its config_test.go (LoadConfig).
// It is a test helper: only _test.go files import it.
package factorytest // import "github.com/fraiseql/otelcol-fraiseql/internal/factorytest"

import (
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// Factory is what every receiver, processor, exporter and connector factory has.
type Factory interface {
	Type() component.Type
	CreateDefaultConfig() component.Config
}

// Want is what a component's metadata.yaml and config promise.
type Want struct {
	// Type is the generated metadata.Type.
	Type component.Type
	// Stability names every signal the component supports and its level, e.g.
	// {"metrics": component.StabilityLevelAlpha}; for a connector the keys are pairs such as
	// "traces_to_metrics". A signal not named here must be unsupported (undefined level).
	Stability map[string]component.StabilityLevel
	// DefaultConfigErr is a substring of the error Validate returns on the default config
	// (the default cannot guess what to watch); empty means the default config is valid.
	DefaultConfigErr string
}

// Check runs the shared factory checks; each finding is reported with t.Errorf.
func Check(t testing.TB, f Factory, want Want) {
	t.Helper()
	if f.Type() != want.Type {
		t.Errorf("type %q, want %q", f.Type(), want.Type)
	}
	got := Stabilities(f)
	if len(got) == 0 {
		t.Errorf("factory of %q: not a receiver, processor, exporter or connector factory (no signal stability)", f.Type())
	}
	for signal, level := range got {
		wantLevel, ok := want.Stability[signal]
		if !ok {
			wantLevel = component.StabilityLevelUndefined
		}
		if level != wantLevel {
			t.Errorf("%s stability %v, want %v (metadata.yaml)", signal, level, wantLevel)
		}
	}
	for signal := range want.Stability {
		if _, ok := got[signal]; !ok {
			t.Errorf("stability of %q wanted, but the factory has no such signal", signal)
		}
	}

	cfg := f.CreateDefaultConfig()
	if err := componenttest.CheckConfigStruct(cfg); err != nil {
		t.Errorf("default config struct: %v", err)
	}
	v, ok := cfg.(interface{ Validate() error })
	if !ok {
		t.Errorf("default config %T has no Validate method", cfg)
		return
	}
	err := v.Validate()
	switch {
	case want.DefaultConfigErr == "" && err != nil:
		t.Errorf("default config: %v", err)
	case want.DefaultConfigErr != "" && (err == nil || !strings.Contains(err.Error(), want.DefaultConfigErr)):
		t.Errorf("default config: error %v, want one containing %q", err, want.DefaultConfigErr)
	}
}

// Stabilities returns the stability the factory reports for every signal its kind has
// (receivers, processors and exporters: traces, metrics, logs; connectors: each pair).
// Unsupported signals report component.StabilityLevelUndefined.
func Stabilities(f Factory) map[string]component.StabilityLevel {
	out := map[string]component.StabilityLevel{}
	if s, ok := f.(interface {
		TracesStability() component.StabilityLevel
		MetricsStability() component.StabilityLevel
		LogsStability() component.StabilityLevel
	}); ok {
		out["traces"] = s.TracesStability()
		out["metrics"] = s.MetricsStability()
		out["logs"] = s.LogsStability()
	}
	if s, ok := f.(connectorStability); ok {
		out["traces_to_traces"] = s.TracesToTracesStability()
		out["traces_to_metrics"] = s.TracesToMetricsStability()
		out["traces_to_logs"] = s.TracesToLogsStability()
		out["metrics_to_traces"] = s.MetricsToTracesStability()
		out["metrics_to_metrics"] = s.MetricsToMetricsStability()
		out["metrics_to_logs"] = s.MetricsToLogsStability()
		out["logs_to_traces"] = s.LogsToTracesStability()
		out["logs_to_metrics"] = s.LogsToMetricsStability()
		out["logs_to_logs"] = s.LogsToLogsStability()
	}
	return out
}

// connectorStability is the stability part of connector.Factory (named here so this
// helper does not pull the connector module into the distribution's go.mod).
type connectorStability interface {
	TracesToTracesStability() component.StabilityLevel
	TracesToMetricsStability() component.StabilityLevel
	TracesToLogsStability() component.StabilityLevel
	MetricsToTracesStability() component.StabilityLevel
	MetricsToMetricsStability() component.StabilityLevel
	MetricsToLogsStability() component.StabilityLevel
	LogsToTracesStability() component.StabilityLevel
	LogsToMetricsStability() component.StabilityLevel
	LogsToLogsStability() component.StabilityLevel
}

// LoadConfig reads the section "<type>[/<name>]" of testdata/config.yaml (contrib's layout)
// onto f's default config and returns it as C (the component's *Config). The unmarshal error
// is returned, not reported, so that a test of a bad config can check it; an unreadable file
// or a default config of another type fails the test.
func LoadConfig[C component.Config](t testing.TB, f Factory, name string) (C, error) {
	t.Helper()
	var zero C
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatalf("testdata/config.yaml: %v", err)
		return zero, err
	}
	id := component.NewIDWithName(f.Type(), name)
	sub, err := cm.Sub(id.String())
	if err != nil {
		t.Fatalf("testdata/config.yaml, section %s: %v", id, err)
		return zero, err
	}
	cfg := f.CreateDefaultConfig()
	c, ok := cfg.(C)
	if !ok {
		t.Fatalf("default config is %T, not %T", cfg, zero)
		return zero, nil
	}
	return c, sub.Unmarshal(cfg)
}
