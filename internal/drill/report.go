// Package drill runs on-call drills on the demo stack: it injects a fault, watches the alert
// path (Prometheus, Alertmanager, the PagerDuty and Slack fakes), removes the fault and
// writes a report with the times and counts an operator checks.
package drill

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// PDEvent is an event the PagerDuty fake accepted (GET /pagerduty/events).
type PDEvent struct {
	RoutingKey    string         `json:"routing_key"`
	EventAction   string         `json:"event_action"`
	DedupKey      string         `json:"dedup_key"`
	Summary       string         `json:"summary"`
	Severity      string         `json:"severity"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
	Effect        string         `json:"effect"`
	ReceivedAt    time.Time      `json:"received_at"`
}

// SlackMessage is a message the Slack fake accepted (GET /slack/messages).
type SlackMessage struct {
	Text        string           `json:"text"`
	Attachments []map[string]any `json:"attachments,omitempty"`
	ReceivedAt  time.Time        `json:"received_at"`
}

// Title of a Slack message: the first attachment's title (Alertmanager), else the text.
func (m SlackMessage) Title() string {
	for _, a := range m.Attachments {
		if t, ok := a["title"].(string); ok && t != "" {
			return t
		}
	}
	return m.Text
}

// Counts are the page and message counts of one drill.
type Counts struct {
	PDEvents int `json:"pagerduty_events"`
	// Pages is the number of PagerDuty alerts opened (a trigger that was not deduplicated).
	Pages int `json:"pages"`
	// PagesPerIncident: opened alerts per dedup key; more than 1 is a duplicate page.
	PagesPerIncident map[string]int `json:"pages_per_incident"`
	DuplicatePages   int            `json:"duplicate_pages"`
	// WrongServicePages are pages opened on another service than the expected one (or any
	// page when none is expected).
	WrongServicePages int `json:"wrong_service_pages"`
	// OtherPages are pages about alerts this drill does not expect.
	OtherPages    int `json:"other_pages"`
	SlackMessages int `json:"slack_messages"`
}

// About reports whether a PagerDuty event is about one of the alert names: the templates
// put the firing instances, each starting with its alert name, in custom_details.firing.
func About(e PDEvent, names []string) bool {
	firing, _ := e.CustomDetails["firing"].(string)
	for _, n := range names {
		if strings.Contains(firing, n) || strings.Contains(e.Summary, n) {
			return true
		}
	}
	return false
}

// Count evaluates the events and messages received at or after since. wantKey is the
// routing key of the service that should be paged ("" when no page is expected). Pages about
// other alerts than names (a page still in flight from an earlier fault) are counted apart
// in OtherPages and do not count against this drill.
func Count(events []PDEvent, msgs []SlackMessage, since time.Time, wantKey string, names []string) Counts {
	c := Counts{PagesPerIncident: map[string]int{}}
	for _, e := range events {
		if e.ReceivedAt.Before(since) {
			continue
		}
		c.PDEvents++
		if e.EventAction != "trigger" || e.Effect != "opened" {
			continue
		}
		if !About(e, names) {
			c.OtherPages++
			continue
		}
		c.Pages++
		c.PagesPerIncident[e.DedupKey]++
		if e.RoutingKey != wantKey {
			c.WrongServicePages++
		}
	}
	for _, n := range c.PagesPerIncident {
		if n > 1 {
			c.DuplicatePages += n - 1
		}
	}
	for _, m := range msgs {
		if !m.ReceivedAt.Before(since) {
			c.SlackMessages++
		}
	}
	return c
}

// FirstPage is the earliest opened trigger about one of names at or after since, if any.
func FirstPage(events []PDEvent, since time.Time, names []string) (PDEvent, bool) {
	var out []PDEvent
	for _, e := range events {
		if !e.ReceivedAt.Before(since) && e.EventAction == "trigger" && e.Effect == "opened" && About(e, names) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return PDEvent{}, false
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReceivedAt.Before(out[j].ReceivedAt) })
	return out[0], true
}

// OpenIncidents lists the dedup keys of PagerDuty incidents about names that were opened and
// not resolved since.
func OpenIncidents(events []PDEvent, names []string) []string {
	open := map[string]bool{}
	sorted := slices.Clone(events)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ReceivedAt.Before(sorted[j].ReceivedAt) })
	for _, e := range sorted {
		switch {
		case e.EventAction == "trigger" && e.Effect == "opened" && About(e, names):
			open[e.DedupKey] = true
		case e.EventAction == "resolve":
			delete(open, e.DedupKey)
		}
	}
	keys := make([]string, 0, len(open))
	for k := range open {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Resolved is the first resolve of dedupKey at or after since.
func Resolved(events []PDEvent, dedupKey string, since time.Time) (time.Time, bool) {
	for _, e := range events {
		if e.DedupKey == dedupKey && e.EventAction == "resolve" && !e.ReceivedAt.Before(since) {
			return e.ReceivedAt, true
		}
	}
	return time.Time{}, false
}

// Goal is one timing target of a drill.
type Goal struct {
	Name    string   `json:"name"`
	Target  float64  `json:"target_seconds"`
	Actual  *float64 `json:"actual_seconds"`
	Met     bool     `json:"met"`
	Comment string   `json:"comment,omitempty"`
}

// NewGoal compares an actual duration (nil when the event never happened) with a target.
func NewGoal(name string, target time.Duration, actual *time.Duration) Goal {
	g := Goal{Name: name, Target: target.Seconds()}
	if actual != nil {
		s := actual.Seconds()
		g.Actual = &s
		g.Met = *actual <= target
	}
	return g
}
