package scan

import (
	"testing"
)

// only returns a scanner with just the given kinds enabled.
func only(kinds ...Kind) *Scanner {
	var o Options
	for _, k := range kinds {
		o.Enabled[k] = true
	}
	return New(o)
}

func all() *Scanner {
	var o Options
	for k := Kind(0); k < NumBuiltin; k++ {
		o.Enabled[k] = true
	}
	return New(o)
}

// found returns the matched substrings of s.
func found(sc *Scanner, s string) []string {
	var out []string
	for _, f := range sc.Scan(s, 0, nil) {
		out = append(out, s[f.Start:f.End])
	}
	return out
}

type detCase struct {
	in   string
	want []string // matched substrings, nil for none
}

func runCases(t *testing.T, sc *Scanner, cases []detCase) {
	t.Helper()
	for _, c := range cases {
		got := found(sc, c.in)
		if len(got) != len(c.want) {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: got %q, want %q", c.in, got, c.want)
				break
			}
		}
	}
}

func w(s ...string) []string { return s }
