package drill

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Env are the demo stack's endpoints (data/demo/endpoints.env, written by test/demo/demo.sh)
// plus the database admin credentials of test/env/postgres.sh, from the process environment.
type Env map[string]string

// LoadEnv reads KEY=VALUE lines (optional double quotes); the process environment fills the
// keys the file does not have.
func LoadEnv(path string) (Env, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (start the demo stack first: make demo)", err)
	}
	defer f.Close()
	e := Env{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		e[k] = strings.Trim(v, `"`)
	}
	return e, sc.Err()
}

// Get returns a key from the file or the environment; missing is an error naming it.
func (e Env) Get(k string) (string, error) {
	if v := e[k]; v != "" {
		return v, nil
	}
	if v := os.Getenv(k); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("%s is not set (data/demo/endpoints.env or the environment)", k)
}

// FakesURL is the base URL of the incident fakes (from PAGERDUTY_EVENTS_URL).
func (e Env) FakesURL() (string, error) {
	u, err := e.Get("PAGERDUTY_EVENTS_URL")
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(u, "/pagerduty/events"), nil
}
