package repo

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// A stock example is its shipped config with only our components swapped for stock ones.
// The test removes our components from the shipped config and the stock ones from the
// example (each from its section and from every pipeline and the service's extension list)
// and requires what is left to be equal, so a change to a shipped config that is not carried
// to its example fails here.
var stockExamples = []struct {
	example, shipped string
	ours, stock      []string // "section::id" of the swapped components
}{
	{
		example: "agent-stock.yaml", shipped: "agent.yaml",
		ours:  []string{"processors::piiredact"},
		stock: []string{"processors::redaction", "processors::redaction/logs"},
	},
	{
		example: "gateway-stock.yaml", shipped: "gateway.yaml",
		ours: []string{"processors::cardinality", "processors::anomaly", "exporters::incident",
			"extensions::file_storage/incident"},
		stock: []string{"processors::transform/cardinality", "connectors::count/error_logs"},
	},
}

func TestStockExamplesAreTheShippedConfigsWithOnlyTheSwap(t *testing.T) {
	root := repoRoot(t)
	listed := map[string]bool{}
	for _, tc := range stockExamples {
		listed[tc.example] = true
		t.Run(tc.example, func(t *testing.T) {
			shipped := loadYAML(t, filepath.Join(root, "configs", tc.shipped))
			example := loadYAML(t, filepath.Join(root, "configs", "examples", tc.example))
			for _, c := range tc.ours {
				removeComponent(t, shipped, c, tc.shipped)
			}
			for _, c := range tc.stock {
				removeComponent(t, example, c, tc.example)
			}
			if !reflect.DeepEqual(shipped, example) {
				for _, d := range diffPaths("", shipped, example) {
					t.Errorf("%s and %s differ beyond the swap at %s", tc.shipped, tc.example, d)
				}
			}
		})
	}
	// Every example is covered.
	files, _ := filepath.Glob(filepath.Join(root, "configs", "examples", "*.yaml"))
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("configs/examples/%s is not in stockExamples: say what it swaps", filepath.Base(f))
		}
	}
}

func loadYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// removeComponent deletes section::id and every reference to it in service.extensions and
// in the pipelines' receivers, processors and exporters. A component that is not there fails
// the test (the swap list is stale).
func removeComponent(t *testing.T, cfg map[string]any, ref, file string) {
	t.Helper()
	section, id, ok := strings.Cut(ref, "::")
	if !ok {
		t.Fatalf("bad reference %q", ref)
	}
	sec, _ := cfg[section].(map[string]any)
	if _, ok := sec[id]; !ok {
		t.Fatalf("%s has no %s %q", file, section, id)
	}
	delete(sec, id)
	if len(sec) == 0 {
		delete(cfg, section)
	}
	service, _ := cfg["service"].(map[string]any)
	service["extensions"] = without(service["extensions"], id, section == "extensions")
	pipelines, _ := service["pipelines"].(map[string]any)
	for _, p := range pipelines {
		pm, _ := p.(map[string]any)
		for _, k := range []string{"receivers", "processors", "exporters"} {
			if v, ok := pm[k]; ok {
				pm[k] = without(v, id, section == k || section == "connectors" && k != "processors")
			}
		}
	}
}

func without(list any, id string, applies bool) any {
	l, ok := list.([]any)
	if !ok || !applies {
		return list
	}
	out := []any{}
	for _, v := range l {
		if v != id {
			out = append(out, v)
		}
	}
	return out
}

// diffPaths lists the paths where a and b differ.
func diffPaths(path string, a, b any) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		if reflect.DeepEqual(a, b) {
			return nil
		}
		return []string{path + ": " + short(a) + " vs " + short(b)}
	}
	keys := map[string]bool{}
	for k := range am {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []string
	for _, k := range sorted {
		out = append(out, diffPaths(path+"/"+k, am[k], bm[k])...)
	}
	return out
}

func short(v any) string {
	b, _ := yaml.Marshal(v)
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
