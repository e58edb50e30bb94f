package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/modfile"
)

// manifest is the part of builder-config.yaml these checks read.
type manifest struct {
	Dist struct {
		Name       string `yaml:"name"`
		OutputPath string `yaml:"output_path"`
	} `yaml:"dist"`
	Receivers  []entry  `yaml:"receivers"`
	Processors []entry  `yaml:"processors"`
	Exporters  []entry  `yaml:"exporters"`
	Connectors []entry  `yaml:"connectors"`
	Extensions []entry  `yaml:"extensions"`
	Providers  []entry  `yaml:"providers"`
	Replaces   []string `yaml:"replaces"`
}

type entry struct {
	GoMod  string `yaml:"gomod"`
	Import string `yaml:"import"`
	Path   string `yaml:"path"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("builder-config.yaml: %v", err)
	}
	return m
}

// versions returns module path -> version for every gomod entry and pinning replace.
func (m manifest) versions(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	all := [][]entry{m.Receivers, m.Processors, m.Exporters, m.Connectors, m.Extensions, m.Providers}
	for _, list := range all {
		for _, e := range list {
			f := strings.Fields(e.GoMod)
			if len(f) != 2 {
				t.Fatalf("gomod %q is not \"<module> <version>\"", e.GoMod)
			}
			if prev, ok := out[f[0]]; ok && prev != f[1] {
				t.Errorf("module %s listed at %s and %s", f[0], prev, f[1])
			}
			out[f[0]] = f[1]
		}
	}
	for _, r := range m.Replaces {
		from, to, ok := strings.Cut(r, "=>")
		if !ok {
			t.Fatalf("replace %q has no =>", r)
		}
		tf := strings.Fields(to)
		if len(tf) == 2 { // a version pin, not a local path
			out[strings.Fields(from)[0]] = tf[1]
		}
	}
	return out
}

// Our components are compiled against go.mod; the distribution against the manifest. A
// module both name must be at the same version, or the tests would not test what ships.
func TestManifestAndGoModAgree(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := readManifest(t).versions(t)
	replaced := map[string]string{}
	for _, r := range gomod.Replace {
		if r.New.Version != "" {
			replaced[r.Old.Path] = r.New.Version
		}
	}
	for _, req := range gomod.Require {
		v, ok := want[req.Mod.Path]
		if !ok {
			continue
		}
		got := req.Mod.Version
		if rv, ok := replaced[req.Mod.Path]; ok {
			got = rv
		}
		if got != v {
			t.Errorf("%s: go.mod has %s, builder-config.yaml has %s", req.Mod.Path, got, v)
		}
	}
}

// The core/contrib release pairing DESIGN.md fixes: every collector module in the manifest
// is at the release (v0.161.0) or its stable twin (v1.67.0), except documented pins.
func TestManifestReleasePairing(t *testing.T) {
	m := readManifest(t)
	if m.Dist.Name != "otelcol-fraiseql" {
		t.Errorf("dist.name = %q, want otelcol-fraiseql", m.Dist.Name)
	}
	if m.Dist.OutputPath != "./_build" {
		t.Errorf("dist.output_path = %q, want ./_build", m.Dist.OutputPath)
	}
	pinned := map[string]bool{}
	for _, r := range m.Replaces {
		from, _, _ := strings.Cut(r, "=>")
		pinned[strings.TrimSpace(from)] = true
	}
	for mod, v := range m.versions(t) {
		if pinned[mod] {
			continue
		}
		switch {
		case strings.HasPrefix(mod, "go.opentelemetry.io/collector/"),
			strings.HasPrefix(mod, "github.com/open-telemetry/opentelemetry-collector-contrib/"):
			if v != "v0.161.0" && v != "v1.67.0" {
				t.Errorf("%s at %s: the distribution is on v0.161.0 / v1.67.0", mod, v)
			}
		}
	}
}

// Every pin in replaces: carries a comment saying why (the proxy refusal it works around).
func TestManifestPinsAreExplained(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "replaces" {
			continue
		}
		for _, item := range top.Content[i+1].Content {
			if strings.TrimSpace(item.HeadComment) == "" {
				t.Errorf("replace %q has no comment above it saying why", item.Value)
			}
		}
	}
}

// Every collector module in go.mod, direct or indirect, is on the release pair: a stray
// newer confmap or featuregate (pulled in by a `go get` of something else) would make our
// component tests run against other code than the distribution.
func TestGoModCollectorModulesOnRelease(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	pins := readManifest(t).versions(t)
	for _, req := range gomod.Require {
		p, v := req.Mod.Path, req.Mod.Version
		if !strings.HasPrefix(p, "go.opentelemetry.io/collector/") &&
			!strings.HasPrefix(p, "github.com/open-telemetry/opentelemetry-collector-contrib/") {
			continue
		}
		if pv, ok := pins[p]; ok && pv == v {
			continue
		}
		if v != "v0.161.0" && v != "v1.67.0" {
			t.Errorf("go.mod requires %s %s: collector modules must be at v0.161.0 / v1.67.0", p, v)
		}
	}
}
