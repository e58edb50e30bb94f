package dashboards

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// RunbookBase is where docs/runbooks/<Alert>.md is published; the alert rules' runbook_url
// annotations use the same base.
const RunbookBase = "https://github.com/fraiseql/otelcol-fraiseql/blob/main/docs/runbooks/"

// panelDoc documents one panel: the question it answers, what normal looks like, and the
// alerts whose runbooks go with it. Render turns it into the panel's description and links.
type panelDoc struct {
	what, normal string
	alerts       []string
}

func d(what, normal string, alerts ...string) panelDoc { return panelDoc{what, normal, alerts} }

func (p panelDoc) description() string {
	var b strings.Builder
	b.WriteString(p.what)
	if p.normal != "" {
		b.WriteString("\n\nNormal: " + p.normal)
	}
	if len(p.alerts) == 0 {
		b.WriteString("\n\nAlert: none on this panel (context for the alerts of the dashboard).")
	} else {
		b.WriteString("\n\nAlert: ")
		for i, a := range p.alerts {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s (runbook docs/runbooks/%s.md)", a, a)
		}
		b.WriteString(".")
	}
	return b.String()
}

func (p panelDoc) links() []dashboard.DashboardLink {
	var out []dashboard.DashboardLink
	for _, a := range p.alerts {
		out = append(out, dashboard.DashboardLink{
			Title:       "Runbook: " + a,
			Type:        dashboard.DashboardLinkTypeLink,
			Url:         ptr(RunbookBase + a + ".md"),
			Tags:        []string{},
			TargetBlank: true,
		})
	}
	return out
}

// Documented reports the alerts a panel links to (for the lint).
func Documented(uid, title string) ([]string, bool) {
	p, ok := panelDocs[uid+"/"+title]
	return p.alerts, ok
}

// applyDocs sets the description and runbook links of every panel of d; a panel without an
// entry in panelDocs is an error, so no panel ships undocumented.
func applyDocs(d *dashboard.Dashboard) error {
	uid := *d.Uid
	var missing []string
	for i := range d.Panels {
		p := d.Panels[i].Panel
		if p == nil {
			continue
		}
		doc, ok := panelDocs[uid+"/"+*p.Title]
		if !ok {
			missing = append(missing, *p.Title)
			continue
		}
		p.Description = ptr(doc.description())
		p.Links = doc.links()
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: panels without a description in panelDocs: %q", uid, missing)
	}
	return nil
}
