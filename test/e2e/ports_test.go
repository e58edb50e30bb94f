//go:build e2e || integration

package e2e

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Ports for the processes the tests start. freePort picks a port that is free now and
// releases it, so another process can take it before ours binds it; every start goes through
// startOnFreePorts, which then starts again on newly picked ports.

// handedOut holds every port freePort returned in this test process, so two ports picked
// for one collector (or for two tests) are never the same.
var handedOut sync.Map

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago and that it has not
// returned before. It is released again at once (see startOnFreePorts).
func freePort(t *testing.T) string {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if _, dup := handedOut.LoadOrStore(port, true); !dup {
			return strconv.Itoa(port)
		}
	}
	t.Fatal("freePort: the kernel kept handing out ports this test process already uses")
	return ""
}

// startAttempts bounds how often startOnFreePorts picks new ports after losing one.
const startAttempts = 3

// errPortTaken: a process could not bind a port picked for it (another process took it
// between freePort and the bind).
var errPortTaken = errors.New("a port picked for it was taken before it bound it")

// exitedWhileStarting is the error for a process that exited before it was up, given its
// output and its exit: errPortTaken when the output says a bind failed.
func exitedWhileStarting(output string, waitErr error) error {
	if strings.Contains(output, "address already in use") {
		return fmt.Errorf("%w (exit: %v)", errPortTaken, waitErr)
	}
	return fmt.Errorf("exited while starting: %v", waitErr)
}

// startOnFreePorts runs start, which picks its ports with freePort, starts the process(es)
// on them and waits until they are up, leaving nothing running when it returns an error. When
// the error is errPortTaken (see exitedWhileStarting), it logs it and runs start again, at most
// startAttempts times in all; any other error, or the last attempt's, fails the test.
func startOnFreePorts[T any](t *testing.T, what string, start func() (T, error)) T {
	t.Helper()
	for attempt := 1; ; attempt++ {
		v, err := start()
		if err == nil {
			return v
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			t.Fatalf("%s did not start (attempt %d of %d): %v", what, attempt, startAttempts, err)
		}
		t.Logf("%s, attempt %d of %d: %v; starting again on other ports", what, attempt, startAttempts, err)
	}
}
