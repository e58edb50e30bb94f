package rules

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Record is what a log condition reads. Attr looks a key up in the record's attributes
// first and then in its resource's attributes; values are rendered as strings.
type Record interface {
	SeverityNumber() int32
	SeverityText() string
	Body() string
	Attr(key string) (string, bool)
}

// AttrOp is the comparison of an attribute condition.
type AttrOp string

const (
	OpEquals    AttrOp = "equals"
	OpNotEquals AttrOp = "not_equals"
	OpRegex     AttrOp = "regex"
	OpNotRegex  AttrOp = "not_regex"
	OpExists    AttrOp = "exists"
	OpNotExists AttrOp = "not_exists"
)

// AttrCondition tests one attribute.
type AttrCondition struct {
	Key   string
	Op    AttrOp
	Value string
	re    *regexp.Regexp
}

// NewAttrCondition validates op and compiles a regex value (anchored, like Prometheus).
func NewAttrCondition(key string, op AttrOp, value string) (AttrCondition, error) {
	c := AttrCondition{Key: key, Op: op, Value: value}
	if key == "" {
		return c, fmt.Errorf("attribute key must not be empty")
	}
	switch op {
	case OpEquals, OpNotEquals, OpExists, OpNotExists:
	case OpRegex, OpNotRegex:
		re, err := regexp.Compile("^(?:" + value + ")$")
		if err != nil {
			return c, fmt.Errorf("invalid regex %q: %w", value, err)
		}
		c.re = re
	default:
		return c, fmt.Errorf("unknown op %q (want equals, not_equals, regex, not_regex, exists or not_exists)", op)
	}
	return c, nil
}

// Match reports whether the record satisfies the condition.
func (c AttrCondition) Match(r Record) bool {
	v, ok := r.Attr(c.Key)
	switch c.Op {
	case OpEquals:
		return ok && v == c.Value
	case OpNotEquals:
		return !ok || v != c.Value
	case OpRegex:
		return ok && c.re.MatchString(v)
	case OpNotRegex:
		return !ok || !c.re.MatchString(v)
	case OpExists:
		return ok
	case OpNotExists:
		return !ok
	}
	return false
}

// LogCondition is a conjunction: every set part must hold.
type LogCondition struct {
	// MinSeverity is an OTel severity number (ERROR = 17); 0 matches any record.
	MinSeverity  int32
	BodyContains string
	BodyRegex    *regexp.Regexp
	Attrs        []AttrCondition
}

// Empty reports a condition with no part set (it would match everything).
func (c *LogCondition) Empty() bool {
	return c.MinSeverity == 0 && c.BodyContains == "" && c.BodyRegex == nil && len(c.Attrs) == 0
}

// Match evaluates the condition; cheap checks first.
func (c *LogCondition) Match(r Record) bool {
	if c.MinSeverity > 0 && RecordSeverity(r) < c.MinSeverity {
		return false
	}
	for _, a := range c.Attrs {
		if !a.Match(r) {
			return false
		}
	}
	if c.BodyContains != "" || c.BodyRegex != nil {
		body := r.Body()
		if c.BodyContains != "" && !strings.Contains(body, c.BodyContains) {
			return false
		}
		if c.BodyRegex != nil && !c.BodyRegex.MatchString(body) {
			return false
		}
	}
	return true
}

// RecordSeverity is the record's severity number, or, when it is unset (0), the number
// parsed from its severity text ("error", "WARN", "fatal", ...); 0 when neither is known.
func RecordSeverity(r Record) int32 {
	if n := r.SeverityNumber(); n > 0 {
		return n
	}
	n, err := ParseSeverity(r.SeverityText())
	if err != nil {
		return 0
	}
	return n
}

var severityBase = map[string]int32{
	"TRACE": 1, "DEBUG": 5, "INFO": 9, "INFORMATION": 9, "NOTICE": 10, "WARN": 13, "WARNING": 13,
	"ERROR": 17, "ERR": 17, "CRITICAL": 21, "CRIT": 21, "ALERT": 22, "EMERGENCY": 23, "FATAL": 21,
}

// ParseSeverity maps an OTel severity text (TRACE..FATAL with an optional 2-4 suffix, e.g.
// ERROR3, and the common syslog words) or a number 1-24 to a severity number.
func ParseSeverity(s string) (int32, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "" {
		return 0, fmt.Errorf("empty severity")
	}
	if n, err := strconv.Atoi(t); err == nil {
		if n < 1 || n > 24 {
			return 0, fmt.Errorf("severity number %d out of range 1-24", n)
		}
		return int32(n), nil //nolint:gosec // G109: n is within 1-24 (checked above)
	}
	if b, ok := severityBase[t]; ok {
		return b, nil
	}
	if len(t) > 1 {
		last := t[len(t)-1]
		if b, ok := severityBase[t[:len(t)-1]]; ok && last >= '2' && last <= '4' {
			if n := b + int32(last-'1'); n <= 24 {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("unknown severity %q", s)
}

// Compare is a threshold comparison.
type Compare string

const (
	GT Compare = ">"
	GE Compare = ">="
	LT Compare = "<"
	LE Compare = "<="
)

// Level is the outcome of a threshold evaluation.
type Level uint8

const (
	// Hold: the value is inside the hysteresis band; keep the previous state.
	Hold Level = iota
	Active
	Clear
	// Invalid: NaN or infinite; counted and ignored by the caller.
	Invalid
)

// Threshold compares a value with Threshold to become active and with Clear (the
// clear_threshold, equal to Threshold when not set) to become clear: for ">" the alert
// is active above Threshold and clear at or below Clear, in between it holds.
type Threshold struct {
	Op        Compare
	Threshold float64
	Clear     float64
}

// Validate checks the op and that Clear lies on the clear side of Threshold.
func (t Threshold) Validate() error {
	if math.IsNaN(t.Threshold) || math.IsInf(t.Threshold, 0) || math.IsNaN(t.Clear) || math.IsInf(t.Clear, 0) {
		return fmt.Errorf("threshold and clear_threshold must be finite")
	}
	switch t.Op {
	case GT, GE:
		if t.Clear > t.Threshold {
			return fmt.Errorf("clear_threshold %g must be <= threshold %g for %q", t.Clear, t.Threshold, t.Op)
		}
	case LT, LE:
		if t.Clear < t.Threshold {
			return fmt.Errorf("clear_threshold %g must be >= threshold %g for %q", t.Clear, t.Threshold, t.Op)
		}
	default:
		return fmt.Errorf("unknown op %q (want >, >=, < or <=)", t.Op)
	}
	return nil
}

// Eval classifies v.
func (t Threshold) Eval(v float64) Level {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Invalid
	}
	switch t.Op {
	case GT:
		if v > t.Threshold {
			return Active
		}
		if v <= t.Clear {
			return Clear
		}
	case GE:
		if v >= t.Threshold {
			return Active
		}
		if v < t.Clear {
			return Clear
		}
	case LT:
		if v < t.Threshold {
			return Active
		}
		if v >= t.Clear {
			return Clear
		}
	case LE:
		if v <= t.Threshold {
			return Active
		}
		if v > t.Clear {
			return Clear
		}
	default:
		return Invalid
	}
	return Hold
}
