package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flags are refused with the flag's name before anything listens.
func TestBadFlagsNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	dsn := filepath.Join(dir, "dsn")
	empty := filepath.Join(dir, "empty")
	for p, c := range map[string]string{secret: "s", dsn: "postgres://u@127.0.0.1:1/db", empty: "\n"} {
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := map[string][]string{
		"-secret-file is required":   {"-dsn-file", dsn},
		"-secret-file: ":             {"-secret-file", filepath.Join(dir, "missing"), "-dsn-file", dsn},
		"-dsn-file: " + empty:        {"-secret-file", secret, "-dsn-file", empty},
		`-allow: unknown action "x"`: {"-secret-file", secret, "-dsn-file", dsn, "-allow", "x"},
		"must be positive":           {"-secret-file", secret, "-dsn-file", dsn, "-idle-max", "0"},
	}
	for want, args := range cases {
		err := run(args, log)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want %q", args, err, want)
		}
	}
}
