package scan

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
)

// corpusLines returns the loghub lines (the tests skip when the shared corpus is absent).
func corpusLines(tb testing.TB) []string {
	tb.Helper()
	dir := filepath.Join("..", "..", "..", "..", "..", "shared", "corpora", "loghub")
	files, _ := filepath.Glob(filepath.Join(dir, "*_2k.log"))
	if len(files) == 0 {
		// LOGHUB_REQUIRED=1 (make test-unit) turns a missing corpus into a failure.
		if os.Getenv("LOGHUB_REQUIRED") != "" {
			tb.Fatalf("loghub corpus not found in %s", dir)
		}
		tb.Skipf("loghub corpus not found in %s", dir)
	}
	var lines []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		s := bufio.NewScanner(fh)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			lines = append(lines, s.Text())
		}
		fh.Close()
	}
	return lines
}

func TestScanCleanLinesDoNotAllocate(t *testing.T) {
	sc := all()
	lines := corpusLines(t)
	buf := make([]Finding, 0, 64)
	var clean []string
	for _, l := range lines {
		if len(sc.Scan(l, 0, buf[:0])) == 0 {
			clean = append(clean, l)
		}
	}
	if len(clean) < len(lines)/2 {
		t.Fatalf("only %d of %d lines clean", len(clean), len(lines))
	}
	allocs := testing.AllocsPerRun(3, func() {
		for _, l := range clean {
			buf = sc.Scan(l, 0, buf[:0])
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per pass over %d clean lines", allocs, len(clean))
	}
}

func BenchmarkScanLoghub(b *testing.B) {
	sc := all()
	lines := corpusLines(b)
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	buf := make([]Finding, 0, 64)
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			buf = sc.Scan(l, 0, buf[:0])
		}
	}
}
