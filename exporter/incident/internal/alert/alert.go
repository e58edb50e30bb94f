// Package alert holds the value types shared by the incident exporter's cores: an alert as
// the destinations see it (identity labels, rendered texts, episode times) and the delivery
// status that the dispatcher and the outbox compare. It knows nothing of pdata.
package alert

import "time"

// Status is what a destination should believe about an alert.
type Status uint8

const (
	// None: the destination has never been told about this episode.
	None Status = iota
	// Firing: a trigger was (or is to be) delivered.
	Firing
	// Flapping: a trigger marked "flapping" was (or is to be) delivered; notifications are
	// paused until the alert is stable for the rule's hold_down.
	Flapping
	// Resolved: the alert is over and (for delivered triggers) a resolve was sent.
	Resolved
)

func (s Status) String() string {
	switch s {
	case Firing:
		return "firing"
	case Flapping:
		return "flapping"
	case Resolved:
		return "resolved"
	default:
		return "none"
	}
}

// Open reports whether the status stands for an open incident at the destination.
func (s Status) Open() bool { return s == Firing || s == Flapping }

// Alert is one incident episode as sent to destinations.
type Alert struct {
	Fingerprint string `json:"fp"`
	Rule        string `json:"rule"`
	Severity    string `json:"severity"`
	// Labels are the identity: alertname (= rule), severity and the rule's identity
	// attributes with their original (OTel) keys. Destinations sanitise as they need.
	Labels      map[string]string `json:"labels"`
	Summary     string            `json:"summary,omitempty"`
	Description string            `json:"description,omitempty"`
	RunbookURL  string            `json:"runbook_url,omitempty"`
	Episode     uint64            `json:"episode"`
	StartsAt    time.Time         `json:"starts_at"`
	// EndsAt is zero while the alert is open.
	EndsAt   time.Time `json:"ends_at,omitzero"`
	Status   Status    `json:"status"`
	Value    float64   `json:"value,omitempty"`
	HasValue bool      `json:"has_value,omitempty"`
}

// Action is the kind of notification a destination receives.
type Action string

const (
	ActionTrigger  Action = "trigger"
	ActionFlapping Action = "flapping"
	ActionRepeat   Action = "repeat"
	ActionResolve  Action = "resolve"
)

// StatusOf is the status a destination holds after it received the action.
func StatusOf(a Action) Status {
	switch a {
	case ActionTrigger, ActionRepeat:
		return Firing
	case ActionFlapping:
		return Flapping
	case ActionResolve:
		return Resolved
	}
	return None
}
