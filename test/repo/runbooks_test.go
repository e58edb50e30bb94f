package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const runbookPrefix = "https://github.com/fraiseql/otelcol-fraiseql/blob/main/"

// Every runbook_url in a collector config (the incident exporter's rules) that points into
// this repository names a file that exists, so a page never links to a 404.
func TestConfigRunbooksExist(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "configs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walkRunbooks(&doc, func(url string) {
			seen++
			if !strings.HasPrefix(url, runbookPrefix) {
				return
			}
			rel := strings.TrimPrefix(url, runbookPrefix)
			if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
				t.Errorf("%s: runbook_url %s: %s does not exist", filepath.Base(f), url, rel)
			}
		})
	}
	if seen == 0 {
		t.Fatal("no runbook_url found in configs/*.yaml: the incident rules lost their runbooks")
	}
}

func walkRunbooks(n *yaml.Node, f func(string)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "runbook_url" && n.Content[i+1].Kind == yaml.ScalarNode {
				f(n.Content[i+1].Value)
			}
		}
	}
	for _, c := range n.Content {
		walkRunbooks(c, f)
	}
}
