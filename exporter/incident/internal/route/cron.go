package route

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a five-field cron expression (minute hour day-of-month month day-of-week) with
// lists, ranges, steps and names (JAN-DEC, SUN-SAT; 7 is Sunday too). As in cron, when both
// day fields are restricted a day matches if either does.
type Cron struct {
	minute, hour, dom, month, dow uint64
	domStar, dowStar              bool
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dowNames = map[string]int{"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}

// ParseCron parses a five-field expression.
func ParseCron(expr string) (*Cron, error) {
	f := strings.Fields(expr)
	if len(f) != 5 {
		return nil, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", expr, len(f))
	}
	c := &Cron{}
	var err error
	if c.minute, _, err = parseField(f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("cron minute: %w", err)
	}
	if c.hour, _, err = parseField(f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("cron hour: %w", err)
	}
	if c.dom, c.domStar, err = parseField(f[2], 1, 31, nil); err != nil {
		return nil, fmt.Errorf("cron day-of-month: %w", err)
	}
	if c.month, _, err = parseField(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("cron month: %w", err)
	}
	if c.dow, c.dowStar, err = parseField(f[4], 0, 7, dowNames); err != nil {
		return nil, fmt.Errorf("cron day-of-week: %w", err)
	}
	if c.dow&(1<<7) != 0 {
		c.dow |= 1
	}
	return c, nil
}

func parseValue(s string, names map[string]int) (int, error) {
	if n, ok := names[strings.ToUpper(s)]; ok {
		return n, nil
	}
	return strconv.Atoi(s)
}

func parseField(s string, lo, hi int, names map[string]int) (uint64, bool, error) {
	var bits uint64
	star := s == "*"
	for _, part := range strings.Split(s, ",") {
		rng, step := part, 1
		if i := strings.IndexByte(part, '/'); i >= 0 {
			n, err := strconv.Atoi(part[i+1:])
			if err != nil || n <= 0 {
				return 0, false, fmt.Errorf("bad step in %q", part)
			}
			rng, step = part[:i], n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			ab := strings.SplitN(rng, "-", 2)
			var err error
			if a, err = parseValue(ab[0], names); err != nil {
				return 0, false, fmt.Errorf("bad value %q", ab[0])
			}
			if b, err = parseValue(ab[1], names); err != nil {
				return 0, false, fmt.Errorf("bad value %q", ab[1])
			}
		default:
			v, err := parseValue(rng, names)
			if err != nil {
				return 0, false, fmt.Errorf("bad value %q", rng)
			}
			a, b = v, v
			if step > 1 {
				b = hi
			}
		}
		if a < lo || b > hi || a > b {
			return 0, false, fmt.Errorf("%q out of range %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, star, nil
}

func (c *Cron) dayMatch(t time.Time) bool {
	dom := c.dom&(1<<uint(t.Day())) != 0
	dow := c.dow&(1<<uint(t.Weekday())) != 0
	if c.domStar || c.dowStar {
		return dom && dow
	}
	return dom || dow
}

// Match reports whether the wall-clock minute of t (in t's location) matches.
func (c *Cron) Match(t time.Time) bool {
	return c.month&(1<<uint(t.Month())) != 0 && c.dayMatch(t) &&
		c.hour&(1<<uint(t.Hour())) != 0 && c.minute&(1<<uint(t.Minute())) != 0
}

// LastStart is the latest matching minute at or before t and not before t-lookback (in
// loc), skipping whole days and hours that cannot match, so a week costs a few hundred
// steps at most.
func (c *Cron) LastStart(t time.Time, lookback time.Duration, loc *time.Location) (time.Time, bool) {
	t = t.In(loc)
	cur := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
	stop := t.Add(-lookback)
	for !cur.Before(stop) {
		switch {
		case c.month&(1<<uint(cur.Month())) == 0 || !c.dayMatch(cur):
			cur = time.Date(cur.Year(), cur.Month(), cur.Day(), 0, 0, 0, 0, loc).Add(-time.Minute)
		case c.hour&(1<<uint(cur.Hour())) == 0:
			cur = time.Date(cur.Year(), cur.Month(), cur.Day(), cur.Hour(), 0, 0, 0, loc).Add(-time.Minute)
		case c.minute&(1<<uint(cur.Minute())) == 0:
			cur = cur.Add(-time.Minute)
		default:
			return cur, true
		}
		cur = cur.In(loc)
	}
	return time.Time{}, false
}
