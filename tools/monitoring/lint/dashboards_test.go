package lint

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/dashboards"
)

// The committed JSON is exactly what cmd/dashgen generates now.
func TestDashboardsMatchGenerator(t *testing.T) {
	specs := dashboards.All()
	if len(specs) != 9 {
		t.Fatalf("%d dashboards, the seed asks for 9", len(specs))
	}
	files, _ := filepath.Glob(repo("configs", "grafana", "dashboards", "*.json"))
	if len(files) != len(specs) {
		t.Errorf("%d JSON files committed, generator writes %d (remove stale files)", len(files), len(specs))
	}
	for _, s := range specs {
		want, err := dashboards.Render(s)
		if err != nil {
			t.Fatal(err)
		}
		got := readFile(t, repo("configs", "grafana", "dashboards", s.File))
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh generation: run `cd tools/monitoring && go run ./cmd/dashgen` and commit", s.File)
		}
	}
}

// The JSON reads back into the SDK's types (what Grafana's schema expects).
func TestDashboardsUnmarshalWithSDK(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for _, b := range loadBoards(t) {
		var d dashboard.Dashboard
		if err := json.Unmarshal(readFile(t, repo("configs", "grafana", "dashboards", b.File)), &d); err != nil {
			t.Errorf("%s: %v", b.File, err)
			continue
		}
		if d.Uid == nil || *d.Uid != b.UID {
			t.Errorf("%s: uid lost in round trip", b.File)
		}
	}
}

func TestDashboardInvariants(t *testing.T) {
	uids, titles := map[string]string{}, map[string]string{}
	for _, b := range loadBoards(t) {
		if n := len(b.UID); n < 8 || n > 40 {
			t.Errorf("%s: uid %q is not 8-40 characters", b.File, b.UID)
		}
		if prev, ok := uids[b.UID]; ok {
			t.Errorf("%s: uid %s also used by %s", b.File, b.UID, prev)
		}
		uids[b.UID] = b.File
		if prev, ok := titles[b.Title]; ok {
			t.Errorf("%s: title %q also used by %s", b.File, b.Title, prev)
		}
		titles[b.Title] = b.File
		vars := map[string]bool{}
		for _, v := range b.Templating.List {
			vars[v.Name] = true
		}
		for _, v := range []string{"datasource", "job", "instance"} {
			if !vars[v] {
				t.Errorf("%s: variable %s missing", b.File, v)
			}
		}
		ids := map[int]bool{}
		ptitles := map[string]bool{}
		for _, p := range b.allPanels() {
			where := b.File + " / " + p.Title
			if ids[p.ID] || p.ID == 0 {
				t.Errorf("%s: panel id %d missing or reused", where, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				continue
			}
			if ptitles[p.Title] {
				t.Errorf("%s: panel title used twice in the dashboard", where)
			}
			ptitles[p.Title] = true
			if p.Datasource == nil {
				t.Errorf("%s: no datasource", where)
				continue
			}
			switch p.Datasource.Type {
			case "prometheus":
				if p.Datasource.UID != "${datasource}" {
					t.Errorf("%s: prometheus uid %q, want ${datasource}", where, p.Datasource.UID)
				}
				if p.FieldConfig == nil || p.FieldConfig.Defaults.Unit == "" {
					t.Errorf("%s: no unit", where)
				}
			case "loki":
				if p.Datasource.UID != dashboards.LokiUID {
					t.Errorf("%s: loki uid %q", where, p.Datasource.UID)
				}
			case dashboards.VictoriaLogsType:
				if p.Datasource.UID != dashboards.VictoriaLogsUID {
					t.Errorf("%s: victorialogs uid %q", where, p.Datasource.UID)
				}
			case "tempo":
				if p.Datasource.UID != dashboards.TempoUID {
					t.Errorf("%s: tempo uid %q", where, p.Datasource.UID)
				}
			default:
				t.Errorf("%s: datasource type %q", where, p.Datasource.Type)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: no targets", where)
			}
			refs := map[string]bool{}
			for _, tg := range p.Targets {
				if tg.RefID == "" || refs[tg.RefID] {
					t.Errorf("%s: refId %q missing or reused", where, tg.RefID)
				}
				refs[tg.RefID] = true
				if tg.Datasource == nil || tg.Datasource.Type != p.Datasource.Type {
					t.Errorf("%s %s: target datasource differs from the panel's", where, tg.RefID)
				}
				// A Tempo service map target has no query text: Grafana queries the
				// service graph series of the datasource's serviceMap Prometheus.
				serviceMap := p.Datasource.Type == "tempo" && tg.QueryType == "serviceMap"
				if strings.TrimSpace(tg.Expr+tg.Query) == "" && !serviceMap {
					t.Errorf("%s %s: empty query", where, tg.RefID)
				}
			}
		}
	}
}

// The seed asks for log search and trace views: at least one Loki and one Tempo panel, and
// anomaly bands on the key panels.
func TestDashboardsHaveLogsTracesAndBands(t *testing.T) {
	var loki, tempo, bands int
	for _, b := range loadBoards(t) {
		for _, p := range b.allPanels() {
			if p.Datasource == nil {
				continue
			}
			switch p.Datasource.Type {
			case "loki":
				loki++
			case "tempo":
				tempo++
			}
			for _, tg := range p.Targets {
				if strings.Contains(tg.Expr, "anomaly_upper") {
					bands++
				}
			}
		}
	}
	if loki == 0 || tempo == 0 || bands < 3 {
		t.Errorf("loki panels %d, tempo panels %d, anomaly bands %d", loki, tempo, bands)
	}
}
