package route

import (
	"fmt"
	"time"
)

// Window is a maintenance window: while active, triggers (and repeats, escalations,
// flapping notices) of matching alerts are held back; resolves of triggers delivered
// earlier still go out, and alerts still firing when it ends trigger then.
type Window struct {
	Name  string
	Match Matchers
	// A fixed window: [Start, End).
	Start, End time.Time
	// A recurring window: every Cron start (in Loc) for Duration.
	Cron     *Cron
	Duration time.Duration
	Loc      *time.Location
}

// MaxDuration bounds a recurring window (and the cron look-back).
const MaxDuration = 31 * 24 * time.Hour

// Validate checks that exactly one form is set and sane.
func (w *Window) Validate() error {
	fixed := !w.Start.IsZero() || !w.End.IsZero()
	switch {
	case fixed && w.Cron != nil:
		return fmt.Errorf("set either start/end or cron/duration, not both")
	case fixed:
		if w.Start.IsZero() || w.End.IsZero() || !w.End.After(w.Start) {
			return fmt.Errorf("end must be after start (both required)")
		}
	case w.Cron != nil:
		if w.Duration <= 0 || w.Duration > MaxDuration {
			return fmt.Errorf("duration must be in (0, %s]", MaxDuration)
		}
	default:
		return fmt.Errorf("set start/end or cron/duration")
	}
	return nil
}

// ActiveAt reports whether the window covers now, and until when.
func (w *Window) ActiveAt(now time.Time) (bool, time.Time) {
	if w.Cron == nil {
		if !now.Before(w.Start) && now.Before(w.End) {
			return true, w.End
		}
		return false, time.Time{}
	}
	loc := w.Loc
	if loc == nil {
		loc = time.UTC
	}
	start, ok := w.Cron.LastStart(now, w.Duration, loc)
	if !ok {
		return false, time.Time{}
	}
	end := start.Add(w.Duration)
	if now.Before(end) {
		return true, end
	}
	return false, time.Time{}
}

// Suppressing returns the end of the latest-ending active window that matches labels.
func Suppressing(ws []Window, labels map[string]string, now time.Time) (string, time.Time, bool) {
	var name string
	var until time.Time
	found := false
	for i := range ws {
		if !ws[i].Match.Match(labels) {
			continue
		}
		if ok, end := ws[i].ActiveAt(now); ok && end.After(until) {
			name, until, found = ws[i].Name, end, true
		}
	}
	return name, until, found
}
