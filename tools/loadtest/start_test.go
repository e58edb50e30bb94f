package main

import (
	"errors"
	"strings"
	"testing"
)

func TestExitedWhileStarting(t *testing.T) {
	exit := errors.New("exit status 1")
	// the collector's own message when a receiver's port was taken
	taken := `Error: cannot start pipelines: failed to start "otlp" receiver: listen tcp 127.0.0.1:4317: bind: address already in use`
	if err := exitedWhileStarting(taken, exit); !errors.Is(err, errPortTaken) {
		t.Errorf("bind failure: got %v, want errPortTaken", err)
	}
	bad := "Error: failed to get config: cannot unmarshal the configuration"
	err := exitedWhileStarting(bad, exit)
	if errors.Is(err, errPortTaken) {
		t.Errorf("config error reported as a taken port: %v", err)
	}
	if !strings.Contains(err.Error(), "cannot unmarshal") {
		t.Errorf("error %q does not carry the process output", err)
	}
}

func TestOnFreePortsRetriesOnlyATakenPort(t *testing.T) {
	// taken twice, then up: three attempts, the third succeeds
	calls := 0
	got, err := onFreePorts("proc", func() (int, error) {
		calls++
		if calls < 3 {
			return 0, exitedWhileStarting("bind: address already in use", errors.New("exit status 1"))
		}
		return 42, nil
	})
	if err != nil || got != 42 || calls != 3 {
		t.Errorf("got %d, %v after %d calls; want 42, nil after 3", got, err, calls)
	}

	// always taken: gives up after startAttempts
	calls = 0
	_, err = onFreePorts("proc", func() (int, error) {
		calls++
		return 0, exitedWhileStarting("bind: address already in use", errors.New("exit status 1"))
	})
	if !errors.Is(err, errPortTaken) || calls != startAttempts {
		t.Errorf("got %v after %d calls; want errPortTaken after %d", err, calls, startAttempts)
	}

	// any other failure is not retried
	calls = 0
	_, err = onFreePorts("proc", func() (int, error) {
		calls++
		return 0, errors.New("config invalid")
	})
	if err == nil || calls != 1 {
		t.Errorf("got %v after %d calls; want an error after 1", err, calls)
	}
}
