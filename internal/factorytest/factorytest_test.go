package factorytest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
)

// recorder collects what Check reports instead of failing the test that runs it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

type validCfg struct {
	Name string `mapstructure:"name"`
}

func (*validCfg) Validate() error { return nil }

type emptyCfg struct {
	Include []string `mapstructure:"include"`
}

func (c *emptyCfg) Validate() error {
	if len(c.Include) == 0 {
		return errors.New("include: at least one selector is required")
	}
	return nil
}

type noValidateCfg struct{}

// untaggedCfg has a field the config loader cannot name.
type untaggedCfg struct{ Name string }

func (*untaggedCfg) Validate() error { return nil }

func testFactory(cfg component.Config) processor.Factory {
	create := func(context.Context, processor.Settings, component.Config, consumer.Metrics) (processor.Metrics, error) {
		return nil, errors.New("not used")
	}
	return processor.NewFactory(component.MustNewType("example"),
		func() component.Config { return cfg },
		processor.WithMetrics(create, component.StabilityLevelAlpha))
}

func TestCheck(t *testing.T) {
	alphaMetrics := map[string]component.StabilityLevel{"metrics": component.StabilityLevelAlpha}
	for _, tc := range []struct {
		name string
		cfg  component.Config
		want Want
		errs []string // substrings, one per expected finding
	}{
		{name: "all as promised", cfg: &validCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: alphaMetrics}},
		{name: "default config error as promised", cfg: &emptyCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: alphaMetrics, DefaultConfigErr: "at least one selector"}},
		{name: "wrong type", cfg: &validCfg{},
			want: Want{Type: component.MustNewType("other"), Stability: alphaMetrics},
			errs: []string{`type "example", want "other"`}},
		{name: "wrong level", cfg: &validCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: map[string]component.StabilityLevel{"metrics": component.StabilityLevelBeta}},
			errs: []string{"metrics stability Alpha, want Beta"}},
		{name: "signal missing from the factory", cfg: &validCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: map[string]component.StabilityLevel{"metrics": component.StabilityLevelAlpha, "logs": component.StabilityLevelAlpha}},
			errs: []string{"logs stability Undefined, want Alpha"}},
		{name: "unknown signal name", cfg: &validCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: map[string]component.StabilityLevel{"metrics": component.StabilityLevelAlpha, "profiles": component.StabilityLevelAlpha}},
			errs: []string{`stability of "profiles" wanted`}},
		{name: "signal not promised", cfg: &validCfg{},
			want: Want{Type: component.MustNewType("example")},
			errs: []string{"metrics stability Alpha, want Undefined"}},
		{name: "default config fails unexpectedly", cfg: &emptyCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: alphaMetrics},
			errs: []string{"default config: include: at least one selector is required"}},
		{name: "default config passes unexpectedly", cfg: &validCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: alphaMetrics, DefaultConfigErr: "servers"},
			errs: []string{`default config: error <nil>, want one containing "servers"`}},
		{name: "config field without mapstructure tag", cfg: &untaggedCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: alphaMetrics},
			errs: []string{`mapstructure tag not present on field "Name"`}},
		{name: "no Validate", cfg: &noValidateCfg{},
			want: Want{Type: component.MustNewType("example"), Stability: alphaMetrics},
			errs: []string{"has no Validate method"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Check(r, testFactory(tc.cfg), tc.want)
			if len(r.errs) != len(tc.errs) {
				t.Fatalf("findings %q, want %d like %q", r.errs, len(tc.errs), tc.errs)
			}
			for i, want := range tc.errs {
				if !strings.Contains(r.errs[i], want) {
					t.Errorf("finding %q, want one containing %q", r.errs[i], want)
				}
			}
		})
	}
}

// A factory of no known kind is reported, not passed because it has no signal to check.
func TestCheckUnknownKind(t *testing.T) {
	r := &recorder{TB: t}
	Check(r, bare{}, Want{Type: component.MustNewType("bare")})
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "no signal stability") {
		t.Fatalf("findings %q, want one saying the factory has no signal stability", r.errs)
	}
}

type bare struct{}

func (bare) Type() component.Type                  { return component.MustNewType("bare") }
func (bare) CreateDefaultConfig() component.Config { return &validCfg{} }

// LoadConfig reads <type> and <type>/<name> onto the default config and returns the
// unmarshal error of a bad section.
func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	yaml := "example:\nexample/named:\n  include: [a, b]\nexample/bad:\n  include: 3\n  nosuch: 1\n"
	if err := os.WriteFile(filepath.Join(dir, "testdata", "config.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	f := testFactory(&emptyCfg{Include: []string{"default"}})

	def, err := LoadConfig[*emptyCfg](t, f, "")
	if err != nil || !slices.Equal(def.Include, []string{"default"}) {
		t.Errorf("default section: %v, %v; want the default config unchanged", def, err)
	}
	f = testFactory(&emptyCfg{})
	named, err := LoadConfig[*emptyCfg](t, f, "named")
	if err != nil || !slices.Equal(named.Include, []string{"a", "b"}) {
		t.Errorf("named section: %v, %v; want include [a b]", named, err)
	}
	if _, err := LoadConfig[*emptyCfg](t, testFactory(&emptyCfg{}), "bad"); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("bad section: error %v, want one naming the unknown key nosuch", err)
	}
}
