package main

import (
	"errors"
	"strings"
	"testing"
)

func TestExitedWhileStarting(t *testing.T) {
	exit := errors.New("exit status 1")
	// Prometheus' own line when its web port was taken
	taken := `ts=2026-12-03T15:26:08.626Z caller=main.go:802 level=error msg="Unable to start web listener" err="listen tcp 127.0.0.1:60809: bind: address already in use"`
	if err := exitedWhileStarting(taken, exit); !errors.Is(err, errPortTaken) {
		t.Errorf("bind failure: got %v, want errPortTaken", err)
	}
	bad := `level=error msg="Error loading config" err="parsing YAML file p.yml"`
	err := exitedWhileStarting(bad, exit)
	if errors.Is(err, errPortTaken) {
		t.Errorf("config error reported as a taken port: %v", err)
	}
	if !strings.Contains(err.Error(), "Error loading config") {
		t.Errorf("error %q does not carry the log", err)
	}
}

func TestOnFreePortRetriesOnlyATakenPort(t *testing.T) {
	taken := func() error {
		return exitedWhileStarting("bind: address already in use", errors.New("exit status 1"))
	}
	// taken twice, then up: three attempts, the third succeeds
	calls := 0
	err := onFreePort("proc", func() error {
		calls++
		if calls < 3 {
			return taken()
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("got %v after %d calls; want nil after 3", err, calls)
	}

	// always taken: gives up after startAttempts
	calls = 0
	err = onFreePort("proc", func() error { calls++; return taken() })
	if !errors.Is(err, errPortTaken) || calls != startAttempts {
		t.Errorf("got %v after %d calls; want errPortTaken after %d", err, calls, startAttempts)
	}

	// any other failure is not retried
	calls = 0
	err = onFreePort("proc", func() error { calls++; return errors.New("config invalid") })
	if err == nil || calls != 1 {
		t.Errorf("got %v after %d calls; want an error after 1", err, calls)
	}
}
