//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type componentsOutput struct {
	Receivers  []component `yaml:"receivers"`
	Processors []component `yaml:"processors"`
	Exporters  []component `yaml:"exporters"`
	Connectors []component `yaml:"connectors"`
	Extensions []component `yaml:"extensions"`
	Providers  []struct {
		Scheme string `yaml:"scheme"`
		Module string `yaml:"module"`
	} `yaml:"providers"`
}

type component struct {
	Name   string `yaml:"name"`
	Module string `yaml:"module"`
}

type manifestEntries struct {
	Receivers []struct {
		GoMod string `yaml:"gomod"`
	} `yaml:"receivers"`
	Processors []struct {
		GoMod string `yaml:"gomod"`
	} `yaml:"processors"`
	Exporters []struct {
		GoMod string `yaml:"gomod"`
	} `yaml:"exporters"`
	Connectors []struct {
		GoMod string `yaml:"gomod"`
	} `yaml:"connectors"`
	Extensions []struct {
		GoMod string `yaml:"gomod"`
	} `yaml:"extensions"`
	Providers []struct {
		GoMod string `yaml:"gomod"`
	} `yaml:"providers"`
}

// `components` lists every module of builder-config.yaml, and the component types the
// configs and docs rely on.
func TestComponentsMatchManifest(t *testing.T) {
	bin := mustEnv(t, "OTELCOL_BINARY")
	out, err := exec.Command(bin, "components").Output()
	if err != nil {
		t.Fatalf("components: %v", err)
	}
	var got componentsOutput
	if err := yaml.Unmarshal(out, &got); err != nil {
		t.Fatalf("components output is not YAML: %v\n%s", err, out)
	}

	b, err := os.ReadFile(filepath.Join(repoRoot(t), "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifestEntries
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}

	modules := func(list []component) map[string]bool {
		s := map[string]bool{}
		for _, c := range list {
			s[c.Module] = true
		}
		return s
	}
	providerModules := map[string]bool{}
	for _, p := range got.Providers {
		providerModules[p.Module] = true
	}
	check := func(kind string, want []struct {
		GoMod string `yaml:"gomod"`
	}, have map[string]bool) {
		for _, e := range want {
			if !have[e.GoMod] {
				t.Errorf("%s %q is in builder-config.yaml but not in `components`", kind, e.GoMod)
			}
		}
	}
	check("receiver", m.Receivers, modules(got.Receivers))
	check("processor", m.Processors, modules(got.Processors))
	check("exporter", m.Exporters, modules(got.Exporters))
	check("connector", m.Connectors, modules(got.Connectors))
	check("extension", m.Extensions, modules(got.Extensions))
	check("provider", m.Providers, providerModules)

	names := func(list []component) map[string]bool {
		s := map[string]bool{}
		for _, c := range list {
			s[c.Name] = true
		}
		return s
	}
	wantNames := map[string][]string{
		// v0.161.0 names; hostmetrics, filelog and the otlp exporter keep their old
		// names as deprecated aliases, which the configs here do not use.
		"receivers":  {"otlp", "prometheus", "host_metrics", "file_log"},
		"processors": {"memory_limiter", "batch", "tail_sampling", "transform", "filter", "attributes", "resource", "redaction"},
		"exporters":  {"otlp_grpc", "otlp_http", "debug", "file", "prometheus", "prometheus_remote_write", "load_balancing"},
		"connectors": {"span_metrics", "count", "servicegraph"},
		"extensions": {"health_check", "pprof", "zpages", "file_storage", "bearertokenauth"},
	}
	have := map[string]map[string]bool{
		"receivers": names(got.Receivers), "processors": names(got.Processors), "exporters": names(got.Exporters),
		"connectors": names(got.Connectors), "extensions": names(got.Extensions),
	}
	for kind, list := range wantNames {
		for _, n := range list {
			if !have[kind][n] {
				t.Errorf("%s: %q missing from `components`", kind, n)
			}
		}
	}
	schemes := map[string]bool{}
	for _, p := range got.Providers {
		schemes[p.Scheme] = true
	}
	for _, s := range []string{"env", "file", "yaml", "http"} {
		if !schemes[s] {
			t.Errorf("provider %q missing (have %v)", s, strings.Join(keys(schemes), ","))
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
