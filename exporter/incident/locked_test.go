package incident

import "testing"

// A panic inside a locked section (a metrics callback runs under net/http, which recovers
// it) must not leave the exporter's lock held: every later batch and callback would hang.
func TestLockedReleasesOnPanic(t *testing.T) {
	x := &incidentExporter{}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		x.locked(func() { panic("boom") })
	}()
	if !x.mu.TryLock() {
		t.Fatal("lock still held after a panic")
	}
	x.mu.Unlock()
}
