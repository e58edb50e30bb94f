//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/modfile"
)

// ocb resolves the distribution's dependencies itself (_build/go.mod). If it picked other
// versions than our go.mod for a module both use, our component tests would test a different
// build than the one that ships; fail so the pin can be fixed in one of the two.
func TestDistributionUsesOurModuleVersions(t *testing.T) {
	mustEnv(t, "OTELCOL_BINARY")
	root := repoRoot(t)
	parse := func(p string) *modfile.File {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := modfile.Parse(p, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	ours := parse(filepath.Join(root, "go.mod"))
	dist := parse(filepath.Join(root, "_build", "go.mod"))
	distVersion := map[string]string{}
	for _, r := range dist.Require {
		distVersion[r.Mod.Path] = r.Mod.Version
	}
	for _, r := range dist.Replace {
		if r.New.Version != "" {
			distVersion[r.Old.Path] = r.New.Version
		}
	}
	for _, r := range ours.Require {
		if r.Indirect {
			continue
		}
		if v, ok := distVersion[r.Mod.Path]; ok && v != r.Mod.Version {
			t.Errorf("%s: go.mod has %s, the distribution builds with %s", r.Mod.Path, r.Mod.Version, v)
		}
	}
}
