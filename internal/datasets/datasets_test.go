package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindUsesFRAISEQLDATA(t *testing.T) {
	root := t.TempDir()
	t.Setenv("FRAISEQL_DATA", root)
	if _, err := Find(Loghub); err == nil || !strings.Contains(err.Error(), "logpai/loghub") {
		t.Fatalf("empty root: want an error naming the source, got %v", err)
	}
	dir := filepath.Join(root, "corpora", "loghub")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "HDFS_2k.log"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Find(Loghub)
	if err != nil || got != dir {
		t.Fatalf("Find = %q, %v; want %q", got, err, dir)
	}
}

func TestRootIsNextToTheRepository(t *testing.T) {
	t.Setenv("FRAISEQL_DATA", "")
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	// This package is <repo>/internal/datasets.
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	if want := filepath.Join(filepath.Dir(repo), "shared"); root != want {
		t.Fatalf("Root = %q, want %q", root, want)
	}
}
