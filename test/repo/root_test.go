package repo

import (
	"os"
	"path/filepath"
	"testing"
)

// repoRoot is the repository root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "builder-config.yaml")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}
