package outbox

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func sec(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

var a1 = alert.Alert{Fingerprint: "fp", Rule: "R", Episode: 1}
var k = Key{"pd", "fp"}

func deliver(t *testing.T, o *Outbox, now time.Time) Entry {
	t.Helper()
	e, ok := o.Begin(k)
	if !ok {
		t.Fatal("nothing to begin")
	}
	o.Finish(k, e, Delivered, now, time.Time{}, "")
	return e
}

func TestTriggerThenResolve(t *testing.T) {
	o := New()
	if o.Want(k, alert.Firing, a1, "g", sec(0), 0) != Enqueued {
		t.Fatal("trigger not enqueued")
	}
	// Same wish again: nothing new.
	if o.Want(k, alert.Firing, a1, "g", sec(1), 0) != Nothing || o.Depth("pd") != 1 {
		t.Fatal("duplicate trigger")
	}
	if e := deliver(t, o, sec(2)); e.Action != alert.ActionTrigger {
		t.Fatalf("sent %s", e.Action)
	}
	if o.Want(k, alert.Firing, a1, "g", sec(3), 0) != Nothing {
		t.Fatal("re-trigger after delivery")
	}
	if o.Want(k, alert.Resolved, a1, "g", sec(4), 0) != Enqueued {
		t.Fatal("resolve not enqueued")
	}
	if e := deliver(t, o, sec(5)); e.Action != alert.ActionResolve {
		t.Fatalf("sent %s", e.Action)
	}
	if o.Get(k) != nil {
		t.Fatal("settled slot kept")
	}
	if o.Want(k, alert.Resolved, a1, "g", sec(6), 0) != Nothing {
		t.Fatal("resolve without an open incident")
	}
}

func TestNeverSentTriggerCancelledWithItsResolve(t *testing.T) {
	o := New()
	o.Want(k, alert.Firing, a1, "g", sec(0), 0)
	if out := o.Want(k, alert.Resolved, a1, "g", sec(1), 0); out != Cancelled {
		t.Fatalf("got %v, want Cancelled", out)
	}
	if o.Depth("pd") != 0 || o.Get(k) != nil {
		t.Fatal("something left to send")
	}
}

func TestAttemptedTriggerStillResolved(t *testing.T) {
	o := New()
	o.Want(k, alert.Firing, a1, "g", sec(0), 0)
	e, _ := o.Begin(k)
	o.Finish(k, e, Transient, sec(1), sec(30), "500")
	// The trigger may have arrived: a resolve replaces it and must go out.
	if out := o.Want(k, alert.Resolved, a1, "g", sec(2), 0); out != Enqueued {
		t.Fatalf("got %v", out)
	}
	r, _, _ := o.Ready("pd", sec(3), 0)
	if len(r) != 1 {
		t.Fatal("resolve not ready at once (it replaced the backing-off trigger)")
	}
	if e := deliver(t, o, sec(3)); e.Action != alert.ActionResolve {
		t.Fatalf("sent %s", e.Action)
	}
}

func TestNoStaleTriggerAfterResolveWhileInFlight(t *testing.T) {
	o := New()
	o.Want(k, alert.Firing, a1, "g", sec(0), 0)
	trig, _ := o.Begin(k)
	// While the trigger is in flight the alert resolves.
	if o.Want(k, alert.Resolved, a1, "g", sec(1), 0) != Enqueued {
		t.Fatal("resolve not queued behind the in-flight trigger")
	}
	if _, ok := o.Begin(k); ok {
		t.Fatal("two requests in flight for one key")
	}
	o.Finish(k, trig, Transient, sec(2), sec(10), "timeout")
	e, ok := o.Begin(k)
	if !ok || e.Action != alert.ActionResolve {
		t.Fatalf("after the failed trigger the next send must be the resolve, got %+v", e)
	}
	o.Finish(k, e, Delivered, sec(3), time.Time{}, "")
	if o.Get(k) != nil {
		t.Fatal("not settled")
	}
}

func TestResolveCancelledByRefire(t *testing.T) {
	o := New()
	o.Want(k, alert.Firing, a1, "g", sec(0), 0)
	deliver(t, o, sec(1))
	o.Want(k, alert.Resolved, a1, "g", sec(2), 0)
	// Fires again before the resolve left: the destination still has it open.
	if o.Want(k, alert.Firing, a1, "g", sec(3), 0) != Cancelled || o.Depth("pd") != 0 {
		t.Fatal("resolve not cancelled by re-fire")
	}
}

func TestFlappingNoticeAndRepeat(t *testing.T) {
	o := New()
	o.Want(k, alert.Firing, a1, "g", sec(0), time.Hour)
	deliver(t, o, sec(0))
	if o.Want(k, alert.Flapping, a1, "g", sec(10), time.Hour) != Enqueued {
		t.Fatal("flapping notice")
	}
	if e := deliver(t, o, sec(11)); e.Action != alert.ActionFlapping {
		t.Fatal(e.Action)
	}
	if o.Want(k, alert.Flapping, a1, "g", sec(12), time.Hour) != Nothing || o.Want(k, alert.Firing, a1, "g", sec(13), time.Hour) != Nothing {
		t.Fatal("second notice while flapping")
	}
	if o.Want(k, alert.Firing, a1, "g", sec(11+3600), time.Hour) != Enqueued {
		t.Fatal("repeat after repeat_interval")
	}
	if e := deliver(t, o, sec(3612)); e.Action != alert.ActionRepeat {
		t.Fatal(e.Action)
	}
}

func TestPermanentDropAndMaxAge(t *testing.T) {
	o := New()
	o.Want(k, alert.Firing, a1, "g", sec(0), 0)
	e, _ := o.Begin(k)
	if !o.Finish(k, e, Permanent, sec(1), time.Time{}, "400") {
		t.Fatal("permanent not reported as dropped")
	}
	if o.Depth("pd") != 0 {
		t.Fatal("permanent failure kept")
	}
	o.Want(k, alert.Firing, a1, "g", sec(10), 0)
	e, _ = o.Begin(k)
	o.Finish(k, e, Transient, sec(11), sec(20), "503")
	ready, expired, next := o.Ready("pd", sec(15), time.Hour)
	if len(ready) != 0 || len(expired) != 0 || !next.Equal(sec(20)) {
		t.Fatalf("backoff not respected: %v %v %v", ready, expired, next)
	}
	ready, _, _ = o.Ready("pd", sec(20), time.Hour)
	if len(ready) != 1 {
		t.Fatal("not ready after backoff")
	}
	_, expired, _ = o.Ready("pd", sec(10).Add(time.Hour+time.Second), time.Hour)
	if len(expired) != 1 || o.Depth("pd") != 0 {
		t.Fatal("max_age not enforced")
	}
}

func TestReadyOrderAndDirty(t *testing.T) {
	o := New()
	for i, fp := range []string{"c", "a", "b"} {
		o.Want(Key{"s", fp}, alert.Firing, alert.Alert{Fingerprint: fp}, "g", sec(i), 0)
	}
	r, _, _ := o.Ready("s", sec(5), 0)
	if len(r) != 3 || r[0].FP != "c" || r[1].FP != "a" || r[2].FP != "b" {
		t.Fatalf("not FIFO: %v", r)
	}
	d := o.TakeDirty()
	if len(d) != 3 || o.TakeDirty() != nil {
		t.Fatal("dirty tracking")
	}
	// Restore keeps sequence numbers growing.
	o2 := New()
	o2.Restore(Key{"s", "c"}, &Slot{Pending: &Entry{Seq: 41, Action: alert.ActionTrigger}})
	o2.Want(Key{"s", "x"}, alert.Firing, alert.Alert{}, "g", sec(0), 0)
	if o2.Get(Key{"s", "x"}).Pending.Seq <= 41 {
		t.Fatal("seq not above restored")
	}
}

func TestClassifyRetryAfterBackoffBucket(t *testing.T) {
	for code, want := range map[int]Result{200: Delivered, 202: Delivered, 400: Permanent, 401: Permanent, 403: Permanent, 404: Permanent, 410: Permanent, 413: Permanent, 422: Permanent, 408: Transient, 429: Transient, 500: Transient, 503: Transient} {
		if got := Classify(code, nil); got != want {
			t.Errorf("Classify(%d) = %v want %v", code, got, want)
		}
	}
	if Classify(0, errors.New("reset")) != Transient {
		t.Error("network error")
	}
	now := t0
	if d, ok := ParseRetryAfter("7", now); !ok || d != 7*time.Second {
		t.Error("seconds")
	}
	if d, ok := ParseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now); !ok || d != 90*time.Second {
		t.Errorf("http-date: %v", d)
	}
	if d, ok := ParseRetryAfter("0", now); !ok || d != MinRetryAfter {
		t.Error("clamp low")
	}
	if d, ok := ParseRetryAfter("999999", now); !ok || d != MaxRetryAfter {
		t.Error("clamp high")
	}
	for _, bad := range []string{"", "soon", "-3"} {
		if _, ok := ParseRetryAfter(bad, now); ok {
			t.Errorf("ParseRetryAfter(%q) ok", bad)
		}
	}
	b := Backoff{Initial: time.Second, Max: 30 * time.Second, Jitter: func() float64 { return 1 }}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i, w := range want {
		if d := b.Delay(i + 1); d != w*time.Second {
			t.Errorf("Delay(%d) = %v want %v", i+1, d, w*time.Second)
		}
	}
	if n := b.Next(now, 1, 7*time.Second, true, 0); !n.Equal(now.Add(7 * time.Second)) {
		t.Error("Retry-After not used")
	}
	if n := b.Next(now, 1, 0, false, 30*time.Second); !n.Equal(now.Add(30 * time.Second)) {
		t.Error("floor not used")
	}
	jb := Backoff{Initial: 10 * time.Second, Max: time.Minute, Randomization: 0.5}
	for i := 0; i < 100; i++ {
		if d := jb.Delay(1); d < 5*time.Second || d >= 15*time.Second {
			t.Fatalf("jitter out of range: %v", d)
		}
	}
	// configretry's multiplier: 1.5 from 2 s, capped at 10 s.
	mb := Backoff{Initial: 2 * time.Second, Max: 10 * time.Second, Multiplier: 1.5, Jitter: func() float64 { return 1 }}
	for i, w := range []time.Duration{2000, 3000, 4500, 6750, 10000, 10000} {
		if d := mb.Delay(i + 1); d != w*time.Millisecond {
			t.Errorf("multiplier 1.5: Delay(%d) = %v want %v", i+1, d, w*time.Millisecond)
		}
	}
	bk := NewBucket(1, 2)
	ok1, _ := bk.Take(now)
	ok2, _ := bk.Take(now)
	ok3, at := bk.Take(now)
	if !ok1 || !ok2 || ok3 || !at.Equal(now.Add(time.Second)) {
		t.Fatalf("bucket burst: %v %v %v %v", ok1, ok2, ok3, at)
	}
	if ok, _ := bk.Take(now.Add(time.Second)); !ok {
		t.Fatal("bucket refill")
	}
	if ok, _ := NewBucket(0, 0).Take(now); !ok {
		t.Fatal("rate 0 is unlimited")
	}
}
