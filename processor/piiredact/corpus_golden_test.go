package piiredact

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/loghub_detections.golden")

const goldenPath = "testdata/loghub_detections.golden"

// TestLoghubGolden runs every detector (default config) over the raw loghub files and compares
// every detection with a golden file, so that a change of behaviour shows in review. The
// golden file holds positions and a hash of each match, not the matched text: the corpus holds
// real addresses and must not be redistributed through this repository.
func TestLoghubGolden(t *testing.T) {
	files := loghubLines(t)
	p := &piiProcessor{}
	p.init(defaultCfg())
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)

	counts := map[string]map[string]int{} // detector -> file -> n
	var hits []string
	for _, f := range names {
		for ln, line := range files[f] {
			for _, x := range p.scanner.Scan(line, 0, nil) {
				d := x.Kind.String()
				if counts[d] == nil {
					counts[d] = map[string]int{}
				}
				counts[d][f]++
				sum := sha256.Sum256([]byte(line[x.Start:x.End]))
				hits = append(hits, fmt.Sprintf("%s:%d:%d-%d %s len=%d sha=%s", f, ln+1, x.Start, x.End, d, x.End-x.Start, hex.EncodeToString(sum[:4])))
			}
		}
	}

	// Precision facts that hold whatever the golden file says.
	for _, d := range []string{"credit_card", "us_ssn", "iban", "jwt"} {
		assert.Empty(t, counts[d], "%s must find nothing in raw loghub", d)
	}
	assert.Equal(t, map[string]int{"Linux_2k.log": 1}, counts["email"], "only the Linux build address is an e-mail")
	assert.Zero(t, counts["ip"]["Windows_2k.log"], "Windows dotted quads are package versions (amd64~~6.1.1.0)")
	assert.Empty(t, counts["secret"], "no secret in raw loghub (Android token=Token{..}, OpenSSH 'Failed password')")

	var b strings.Builder
	b.WriteString("# piiredact detections on the raw loghub 2k samples (default config).\n")
	b.WriteString("# Data: https://github.com/logpai/loghub (commit dd61d09), Zhu et al., \"Loghub: A Large Collection of\n")
	b.WriteString("# System Log Datasets for AI-driven Log Analytics\", ISSRE 2023. Positions and SHA-256 prefixes only.\n")
	b.WriteString("# Regenerate: go test ./processor/piiredact/ -run TestLoghubGolden -update\n\n")
	var dets []string
	for d := range counts {
		dets = append(dets, d)
	}
	sort.Strings(dets)
	for _, d := range dets {
		for _, f := range names {
			if n := counts[d][f]; n > 0 {
				fmt.Fprintf(&b, "count %s %s %d\n", d, f, n)
			}
		}
	}
	b.WriteString("\n")
	for _, h := range hits {
		b.WriteString(h)
		b.WriteByte('\n')
	}
	got := b.String()
	if *update {
		require.NoError(t, os.WriteFile(goldenPath, []byte(got), 0o600))
		return
	}
	want, err := os.ReadFile(filepath.Clean(goldenPath))
	require.NoError(t, err, "run with -update to create the golden file")
	if got != string(want) {
		t.Errorf("detections changed; review the diff and run with -update:\n%s", diffSummary(string(want), got))
	}
}

func diffSummary(want, got string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	ws := map[string]bool{}
	for _, l := range w {
		ws[l] = true
	}
	gs := map[string]bool{}
	for _, l := range g {
		gs[l] = true
	}
	var b strings.Builder
	n := 0
	for _, l := range w {
		if !gs[l] && n < 40 {
			b.WriteString("- " + l + "\n")
			n++
		}
	}
	for _, l := range g {
		if !ws[l] && n < 80 {
			b.WriteString("+ " + l + "\n")
			n++
		}
	}
	return b.String()
}
