package remediate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Entry is one line of an incident's remediation timeline.
type Entry struct {
	At time.Time `json:"at"`
	// Fingerprint of the alert (the incident exporter's fingerprint, which is also the
	// PagerDuty dedup key it sends), and its name.
	Fingerprint string `json:"fingerprint"`
	Alert       string `json:"alert"`
	Action      string `json:"action"`
	// Outcome: dry_run, executed, failed, refused (not allow-listed), cooldown, skipped.
	Outcome string   `json:"outcome"`
	DryRun  bool     `json:"dry_run"`
	Targets []Target `json:"targets,omitempty"`
	Detail  string   `json:"detail,omitempty"`
}

// Target is one object a remediation acted on (or would have, in dry-run).
type Target struct {
	PID         int32   `json:"pid"`
	User        string  `json:"user"`
	Application string  `json:"application,omitempty"`
	Database    string  `json:"database"`
	AgeSeconds  float64 `json:"age_seconds"`
	Query       string  `json:"query,omitempty"`
	// Done is true when the signal was delivered (execute mode).
	Done bool `json:"done"`
}

// Timeline is an append-only JSON-lines file with an in-memory index by fingerprint.
type Timeline struct {
	mu   sync.Mutex
	w    io.Writer
	f    *os.File
	byFP map[string][]Entry
	all  []Entry
}

// OpenTimeline loads path (if it exists) and appends to it; path "" keeps the timeline in
// memory only.
func OpenTimeline(path string) (*Timeline, error) {
	t := &Timeline{byFP: map[string][]Entry{}, w: io.Discard}
	if path == "" {
		return t, nil
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			var e Entry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				f.Close()
				return nil, fmt.Errorf("timeline %s line %d: %w", path, n, err)
			}
			t.index(e)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("timeline %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	t.f, t.w = f, f
	return t, nil
}

func (t *Timeline) index(e Entry) {
	t.all = append(t.all, e)
	t.byFP[e.Fingerprint] = append(t.byFP[e.Fingerprint], e)
}

// Append writes e durably (fsync) and indexes it.
func (t *Timeline) Append(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	if t.f != nil {
		if err := t.f.Sync(); err != nil {
			return fmt.Errorf("timeline: %w", err)
		}
	}
	t.index(e)
	return nil
}

// For returns the entries of one incident ("" = all), oldest first.
func (t *Timeline) For(fingerprint string) []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fingerprint == "" {
		return append([]Entry{}, t.all...)
	}
	return append([]Entry{}, t.byFP[fingerprint]...)
}

// LastExecuted is the time of the last executed (not dry-run) run of action, for any
// incident, or zero.
func (t *Timeline) LastExecuted(action string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	es := t.all
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Action == action && es[i].Outcome == "executed" {
			return es[i].At
		}
	}
	return time.Time{}
}

// Close closes the file.
func (t *Timeline) Close() error {
	if t.f != nil {
		return t.f.Close()
	}
	return nil
}
