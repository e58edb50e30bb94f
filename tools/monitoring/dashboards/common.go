// Package dashboards builds the Grafana dashboards of otelcol-fraiseql with
// grafana-foundation-sdk. One file per dashboard; this file holds the shared pieces, so every
// panel gets a datasource, a refId per target, a unit, and thresholds from package thresholds.
package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/logs"
	"github.com/grafana/grafana-foundation-sdk/go/loki"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/tempo"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Datasource uids provisioned by configs/grafana/provisioning/datasources/datasources.yaml.
const (
	PrometheusUID = "fraiseql-prometheus"
	LokiUID       = "fraiseql-loki"
	TempoUID      = "fraiseql-tempo"
)

// Spec is one generated dashboard: its file name under configs/grafana/dashboards and builder.
type Spec struct {
	File  string
	Build func() (dashboard.Dashboard, error)
}

// All lists the nine dashboards in the order of the seed.
func All() []Spec {
	return []Spec{
		{"service-health.json", ServiceHealth},
		{"database.json", Database},
		{"security.json", Security},
		{"caching-performance.json", CachingPerformance},
		{"resources.json", Resources},
		{"graphql-operations.json", GraphQLOperations},
		{"infrastructure.json", Infrastructure},
		{"business-kpis.json", BusinessKPIs},
		{"executive-summary.json", ExecutiveSummary},
	}
}

func promDS() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
}
func lokiDS() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("loki"), Uid: cog.ToPtr(LokiUID)}
}
func tempoDS() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("tempo"), Uid: cog.ToPtr(TempoUID)}
}

// vars names the series the job and instance variables read their values from.
type vars struct {
	jobFrom string // a selector, e.g. http_server_request_duration_seconds_count
	role    bool   // add the collector-role variable (agent, gateway, pgstats) for roleSel
	extra   []cog.Builder[dashboard.VariableModel]
}

// newDashboard gives every dashboard the same frame: uid, tags, 30s refresh, 6h range,
// the datasource / job / instance variables, and links to the others.
func newDashboard(uid, title, description string, v vars) *dashboard.DashboardBuilder {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"fraiseql", "generated"}).
		Refresh("30s").
		Time("now-6h", "now").
		Timezone("browser").
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("FraiseQL dashboards").
			Type(dashboard.DashboardLinkTypeDashboards).Tags([]string{"fraiseql"}).AsDropdown(true).
			IncludeVars(true).KeepTime(true)).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Prometheus").Type("prometheus").
			Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: cog.ToPtr("Prometheus")}, Value: dashboard.StringOrArrayOfString{String: cog.ToPtr(PrometheusUID)}})).
		WithVariable(queryVar("job", "Job", fmt.Sprintf("label_values(%s, job)", v.jobFrom))).
		WithVariable(queryVar("instance", "Instance", fmt.Sprintf("label_values(%s{job=~\"$job\"}, instance)", v.jobFrom))).
		Annotation(alertAnnotation()).
		Annotation(deployAnnotation()).
		Annotation(collectorRestartAnnotation())
	if v.role {
		b = b.WithVariable(roleVar())
	}
	for _, e := range v.extra {
		b = b.WithVariable(e)
	}
	return b
}

func queryVar(name, label, query string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(promDS()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Multi(true).
		IncludeAll(true).
		AllValue(".*").
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: cog.ToPtr("All")}, Value: dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")}})
}

// q is a Prometheus range query; every target gets an explicit refId.
func q(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().RefId(ref).Expr(expr).LegendFormat(legend).Range().Datasource(promDS())
}

// qx is a range query that also asks for exemplars (trace ids of the span_metrics and SDK
// histograms); only raw histogram buckets carry them, recording rules do not.
func qx(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return q(ref, expr, legend).Exemplar(true)
}

// qi is an instant Prometheus query (stat and table panels).
func qi(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().RefId(ref).Expr(expr).LegendFormat(legend).Instant().Datasource(promDS())
}

// qt is an instant query returned as a table.
func qt(ref, expr string) *prometheus.DataqueryBuilder {
	return qi(ref, expr, "").Format(prometheus.PromQueryFormatTable)
}

// steps builds absolute thresholds: base colour, then (value, colour) pairs.
func steps(base string, pairs ...any) *dashboard.ThresholdsConfigBuilder {
	s := []dashboard.Threshold{{Value: nil, Color: base}}
	for i := 0; i+1 < len(pairs); i += 2 {
		s = append(s, dashboard.Threshold{Value: cog.ToPtr(toFloat(pairs[i])), Color: pairs[i+1].(string)})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(s)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	panic(fmt.Sprintf("threshold %v is not a number", v))
}

// ts is a time series panel.
func ts(title, unit string, span, height uint32, targets ...cog.Builder[variants.Dataquery]) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Title(title).Unit(unit).Datasource(promDS()).Span(span).Height(height).
		FillOpacity(10).LineWidth(1).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom).ShowLegend(true)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
	for _, t := range targets {
		p = p.WithTarget(t)
	}
	return p
}

// withLimit draws a threshold as a red dashed line on a time series panel.
func withLimit(p *timeseries.PanelBuilder, limit float64) *timeseries.PanelBuilder {
	return p.Thresholds(steps("green", limit, "red")).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
}

// withBand adds the anomaly processor's expected value and lower/upper band for the series
// named by anomaly_metric (expr selects and aggregates them; {{BAND}} is replaced by
// expected, lower, upper), shading between lower and upper.
func withBand(p *timeseries.PanelBuilder, nextRef byte, bandExpr func(metric string) string) *timeseries.PanelBuilder {
	names := []string{"expected", "lower", "upper"}
	for i, n := range names {
		p = p.WithTarget(q(string(rune(nextRef+byte(i))), bandExpr(n), "anomaly "+n))
	}
	return p.
		OverrideByName("anomaly expected", []dashboard.DynamicConfigValue{
			{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "purple"}},
		}).
		OverrideByName("anomaly upper", []dashboard.DynamicConfigValue{
			{Id: "custom.fillBelowTo", Value: "anomaly lower"},
			{Id: "custom.lineWidth", Value: 0},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "#8F3BB833"}},
		}).
		OverrideByName("anomaly lower", []dashboard.DynamicConfigValue{
			{Id: "custom.lineWidth", Value: 0},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "#8F3BB833"}},
		})
}

// st is a stat panel showing the last value of an instant query.
func st(title, unit string, span, height uint32, th *dashboard.ThresholdsConfigBuilder, targets ...cog.Builder[variants.Dataquery]) *stat.PanelBuilder {
	p := stat.NewPanelBuilder().Title(title).Unit(unit).Datasource(promDS()).Span(span).Height(height).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		ColorMode(common.BigValueColorModeBackground).
		GraphMode(common.BigValueGraphModeNone)
	if th != nil {
		p = p.Thresholds(th)
	}
	for _, t := range targets {
		p = p.WithTarget(t)
	}
	return p
}

// tbl is a table panel of an instant table query.
func tbl(title, unit string, span, height uint32, targets ...cog.Builder[variants.Dataquery]) *table.PanelBuilder {
	p := table.NewPanelBuilder().Title(title).Unit(unit).Datasource(promDS()).Span(span).Height(height)
	for _, t := range targets {
		p = p.WithTarget(t)
	}
	return p.WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
		"excludeByName": map[string]any{"Time": true},
	}})
}

// logsPanel shows log lines from Loki (LogQL).
func logsPanel(title string, span, height uint32, expr string) *logs.PanelBuilder {
	return logs.NewPanelBuilder().Title(title).Datasource(lokiDS()).Span(span).Height(height).
		ShowTime(true).DedupStrategy(common.LogsDedupStrategyNone).WrapLogMessage(true).SortOrder(common.LogsSortOrderDescending).EnableLogDetails(true).
		WithTarget(loki.NewDataqueryBuilder().RefId("A").Expr(expr).MaxLines(200).Datasource(lokiDS()))
}

// tracesPanel lists traces from Tempo (TraceQL search).
func tracesPanel(title string, span, height uint32, traceql string) *table.PanelBuilder {
	return table.NewPanelBuilder().Title(title).Datasource(tempoDS()).Span(span).Height(height).
		WithTarget(tempo.NewDataqueryBuilder().RefId("A").QueryType("traceql").Query(traceql).Limit(20).
			TableType(tempo.SearchTableTypeTraces).Datasource(tempoDS()))
}

func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }

// Common selectors.
const (
	appSel    = `job=~"$job", instance=~"$instance"`
	serverSel = `job=~"$job", span_kind="SPAN_KIND_SERVER"`
)

// roleVar picks the collector role; collector panels select job=~"otelcol-$role" (roleSel).
func roleVar() *dashboard.CustomVariableBuilder {
	return dashboard.NewCustomVariableBuilder("role").
		Label("Collector role").
		Description("otelcol-fraiseql role: agent (one per node), gateway (replicas), pgstats (the PostgreSQL scraper)").
		Values(dashboard.StringOrMap{String: cog.ToPtr("agent,gateway,pgstats")}).
		Multi(true).
		IncludeAll(true).
		AllValue(".+").
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: cog.ToPtr("All")}, Value: dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")}})
}

// roleSel selects the collectors' own telemetry of the roles picked in $role.
const roleSel = `job=~"otelcol-$role", instance=~"$instance"`

// alertAnnotation marks when alerts start and stop firing (ALERTS_FOR_STATE holds the
// activation time of pending and firing alerts; ALERTS{alertstate="firing"} their span).
func alertAnnotation() *dashboard.AnnotationQueryBuilder {
	return dashboard.NewAnnotationQueryBuilder().
		Name("Alerts firing").
		Datasource(promDS()).
		Enable(true).
		IconColor("red").
		Expr(`max by (alertname, severity) (ALERTS{alertstate="firing"})`).
		Step("60s").
		TitleFormat("{{alertname}}").
		TextFormat("severity {{severity}}: see docs/runbooks/{{alertname}}.md").
		TagKeys("alertname,severity")
}

// deployAnnotation marks a new service version: a (job, service_version) pair that did not
// exist 10 minutes earlier. It reads the request-duration SLI every service writes (the gateway
// turns resource attributes into labels, so each series carries service_version); target_info
// is not written (gateway.yaml, prometheus_remote_write: target_info disabled).
func deployAnnotation() *dashboard.AnnotationQueryBuilder {
	return dashboard.NewAnnotationQueryBuilder().
		Name("Deploys").
		Datasource(promDS()).
		Enable(true).
		IconColor("blue").
		Expr(`count by (job, service_version) (http_server_request_duration_seconds_count{service_version!=""}) unless count by (job, service_version) (http_server_request_duration_seconds_count{service_version!=""} offset 10m)`).
		Step("60s").
		TitleFormat("deploy {{job}} {{service_version}}").
		TagKeys("job,service_version")
}

// collectorRestartAnnotation marks collector (re)starts: otelcol_process_uptime resets.
func collectorRestartAnnotation() *dashboard.AnnotationQueryBuilder {
	return dashboard.NewAnnotationQueryBuilder().
		Name("Collector restarts").
		Datasource(promDS()).
		Enable(true).
		IconColor("orange").
		Expr(`resets(otelcol_process_uptime[2m]) > 0`).
		Step("60s").
		TitleFormat("collector restart {{job}} {{instance}}").
		TagKeys("job,instance")
}
