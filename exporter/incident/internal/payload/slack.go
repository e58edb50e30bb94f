package payload

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
)

// Slack Block Kit limits we build within.
const (
	SlackSectionMax = 3000
	SlackBlocksMax  = 50
	SlackTextMax    = 3000
	// SlackAlertsPerMessage: alerts listed in one message; more are summarised in one line.
	SlackAlertsPerMessage = 20
)

// SlackMessage is an incoming-webhook body.
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks,omitempty"`
}

// SlackBlock is a section or context block.
type SlackBlock struct {
	Type     string       `json:"type"`
	Text     *SlackText   `json:"text,omitempty"`
	Elements []*SlackText `json:"elements,omitempty"`
}

// SlackText is a mrkdwn or plain_text object.
type SlackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// slackEscape escapes the three characters Slack's mrkdwn treats as control.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func actionWord(a alert.Action) string {
	switch a {
	case alert.ActionResolve:
		return "RESOLVED"
	case alert.ActionFlapping:
		return "FLAPPING"
	case alert.ActionRepeat:
		return "STILL FIRING"
	default:
		return "FIRING"
	}
}

func slackLine(it Item) string {
	a := it.Alert
	summary := a.Summary
	if summary == "" {
		summary = a.Rule
	}
	return fmt.Sprintf("[%s] %s: %s", actionWord(it.Action), a.Rule, summary)
}

// Slack builds one message for the items (one group's changes): a fallback text and a
// section per alert (label list, description, runbook link), at most 3000 characters each.
// Webhook messages cannot be edited, so a resolve is a message of its own.
func Slack(items []Item) ([]byte, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("no items")
	}
	msg := SlackMessage{}
	if len(items) == 1 {
		msg.Text = rules.TruncateRunes(slackLine(items[0]), SlackTextMax)
	} else {
		firing := 0
		for _, it := range items {
			if it.Action != alert.ActionResolve {
				firing++
			}
		}
		msg.Text = rules.TruncateRunes(fmt.Sprintf("%d alerts (%d firing, %d resolved): %s", len(items), firing, len(items)-firing, slackLine(items[0])), SlackTextMax)
	}
	shown := items
	if len(shown) > SlackAlertsPerMessage {
		shown = shown[:SlackAlertsPerMessage]
	}
	for _, it := range shown {
		a := it.Alert
		var b strings.Builder
		fmt.Fprintf(&b, "*%s* — *%s* (%s)\n", actionWord(it.Action), slackEscape(a.Rule), slackEscape(a.Severity))
		if a.Summary != "" {
			b.WriteString(slackEscape(a.Summary))
			b.WriteByte('\n')
		}
		if a.Description != "" && it.Action != alert.ActionResolve {
			b.WriteString(slackEscape(rules.TruncateRunes(a.Description, 1500)))
			b.WriteByte('\n')
		}
		var ls []string
		for _, k := range sortedKeys(a.Labels) {
			if k == rules.AlertNameLabel || k == "severity" {
				continue
			}
			ls = append(ls, fmt.Sprintf("`%s=%s`", slackEscape(k), slackEscape(a.Labels[k])))
		}
		if len(ls) > 0 {
			b.WriteString(strings.Join(ls, " "))
			b.WriteByte('\n')
		}
		link := ""
		if a.RunbookURL != "" && validLink(a.RunbookURL) && len(a.RunbookURL) < 1000 && !strings.ContainsAny(a.RunbookURL, "<>|") {
			link = "<" + a.RunbookURL + "|Runbook>"
		}
		text := strings.TrimRight(b.String(), "\n")
		if link != "" {
			text = rules.TruncateRunes(text, SlackSectionMax-len([]rune(link))-1) + "\n" + link
		} else {
			text = rules.TruncateRunes(text, SlackSectionMax)
		}
		msg.Blocks = append(msg.Blocks, SlackBlock{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: text}})
	}
	if rest := len(items) - len(shown); rest > 0 {
		msg.Blocks = append(msg.Blocks, SlackBlock{Type: "context", Elements: []*SlackText{{Type: "mrkdwn", Text: fmt.Sprintf("…and %d more alerts in this group", rest)}}})
	}
	return json.Marshal(msg)
}
