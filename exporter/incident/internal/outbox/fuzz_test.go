package outbox

import (
	"testing"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
)

// FuzzSlot drives random wishes and delivery outcomes through one slot and checks the
// delivery contract: at most one request in flight; a resolve is sent only after an open
// notification was sent (attempted); no trigger of an episode is sent after a resolve of
// that episode was sent; and once the wishes stop at "resolved" and deliveries succeed,
// nothing open is left at the destination.
func FuzzSlot(f *testing.F) {
	f.Add([]byte{0, 3, 1, 3, 4, 0, 3, 5, 1, 3, 4})
	f.Add([]byte{0, 1, 3, 3, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		o := New()
		now := t0
		episode := uint64(1)
		var inflight *Entry
		attemptedOpen := false
		resolvedSent := map[uint64]bool{}
		send := func(e Entry) {
			switch alert.StatusOf(e.Action) {
			case alert.Resolved:
				if !attemptedOpen {
					t.Fatalf("resolve sent without an earlier open notification (ops %v)", ops)
				}
				resolvedSent[e.Alert.Episode] = true
			default:
				if resolvedSent[e.Alert.Episode] {
					t.Fatalf("stale %s of episode %d after its resolve (ops %v)", e.Action, e.Alert.Episode, ops)
				}
				attemptedOpen = true
			}
		}
		for _, op := range ops {
			now = now.Add(time.Second)
			a := alert.Alert{Fingerprint: "fp", Episode: episode}
			switch op % 7 {
			case 0:
				o.Want(k, alert.Firing, a, "g", now, 0)
			case 1:
				o.Want(k, alert.Resolved, a, "g", now, 0)
				episode++
			case 2:
				o.Want(k, alert.Flapping, a, "g", now, 0)
			case 3:
				if inflight == nil {
					if e, ok := o.Begin(k); ok {
						send(e)
						inflight = &e
					}
				} else if _, ok := o.Begin(k); ok {
					t.Fatal("second request in flight")
				}
			case 4, 5, 6:
				if inflight != nil {
					r := []Result{Delivered, Transient, Permanent}[op%7-4]
					o.Finish(k, *inflight, r, now, now, "")
					inflight = nil
				}
			}
		}
		// Drain: finish what is in flight successfully, wish resolved, deliver everything.
		if inflight != nil {
			o.Finish(k, *inflight, Delivered, now, now, "")
		}
		o.Want(k, alert.Resolved, alert.Alert{Fingerprint: "fp", Episode: episode}, "g", now, 0)
		for i := 0; i < 5; i++ {
			e, ok := o.Begin(k)
			if !ok {
				break
			}
			send(e)
			o.Finish(k, e, Delivered, now, now, "")
		}
		if s := o.Get(k); s != nil && (s.Delivered.Open() || s.Pending != nil) {
			t.Fatalf("left open after drain: %+v (ops %v)", s, ops)
		}
	})
}
