package scan

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/internal/datasets"
)

// corpusLines returns the loghub lines (the tests skip when the shared corpus is absent).
func corpusLines(tb testing.TB) []string {
	tb.Helper()
	// Skips without the corpus, fails when LOGHUB_REQUIRED is set (CI).
	files, _ := filepath.Glob(filepath.Join(datasets.Dir(tb, datasets.Loghub), "*_2k.log"))
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
