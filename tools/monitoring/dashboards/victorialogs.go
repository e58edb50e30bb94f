package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/logs"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// The log store of the log search row is VictoriaLogs (LogsQL), through Grafana's
// VictoriaLogs datasource plugin; docs/dashboards.md says why and how to use Loki instead.
const (
	VictoriaLogsUID  = "fraiseql-victorialogs"
	VictoriaLogsType = "victoriametrics-logs-datasource"
)

func vlogsDS() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr(VictoriaLogsType), Uid: cog.ToPtr(VictoriaLogsUID)}
}

// VLQuery is a target of the VictoriaLogs datasource plugin: a LogsQL expression and the
// plugin's query type ("instant": log lines; "statsRange": a `| stats` pipe as time series).
type VLQuery struct {
	RefId      string                `json:"refId"`
	Expr       string                `json:"expr"`
	QueryType  string                `json:"queryType"`
	Legend     string                `json:"legendFormat,omitempty"`
	MaxLines   int                   `json:"maxLines,omitempty"`
	Datasource *common.DataSourceRef `json:"datasource"`
}

func (VLQuery) ImplementsDataqueryVariant() {}
func (VLQuery) DataqueryType() string       { return VictoriaLogsType }
func (VLQuery) Validate() error             { return nil }
func (q VLQuery) Equals(o variants.Dataquery) bool {
	x, ok := o.(VLQuery)
	return ok && x.RefId == q.RefId && x.Expr == q.Expr && x.QueryType == q.QueryType
}

type vlBuilder struct{ q VLQuery }

func (b vlBuilder) Build() (variants.Dataquery, error) { return b.q, nil }

func vl(ref, queryType, expr, legend string) vlBuilder {
	ds := vlogsDS()
	return vlBuilder{VLQuery{RefId: ref, Expr: expr, QueryType: queryType, Legend: legend, Datasource: &ds}}
}

// vlogsPanel shows the log lines a LogsQL query returns.
func vlogsPanel(title string, span, height uint32, expr string) *logs.PanelBuilder {
	q := vl("A", "instant", expr, "")
	q.q.MaxLines = 200
	return logs.NewPanelBuilder().Title(title).Datasource(vlogsDS()).Span(span).Height(height).
		ShowTime(true).DedupStrategy(common.LogsDedupStrategyNone).WrapLogMessage(true).SortOrder(common.LogsSortOrderDescending).EnableLogDetails(true).
		WithTarget(q)
}

// vlogsStats is a time series of a LogsQL `| stats by (...) count()` query.
func vlogsStats(title string, span, height uint32, expr, legend string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().Title(title).Unit("short").Datasource(vlogsDS()).Span(span).Height(height).
		FillOpacity(10).LineWidth(1).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom).ShowLegend(true)).
		WithTarget(vl("A", "statsRange", expr, legend))
}

// logSearchVars: the service and level to search (single values, "All" = any) and free LogsQL
// words or filters (default `*`, every line).
func logSearchVars() []cog.Builder[dashboard.VariableModel] {
	all := dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: cog.ToPtr("All")}, Value: dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")}}
	custom := func(name, label, values string) *dashboard.CustomVariableBuilder {
		return dashboard.NewCustomVariableBuilder(name).Label(label).
			Values(dashboard.StringOrMap{String: cog.ToPtr(values)}).
			IncludeAll(true).AllValue(".*").Current(all)
	}
	return []cog.Builder[dashboard.VariableModel]{
		custom("log_service", "Log service", "fraiseql,fraiseql-edge"),
		custom("log_level", "Log level", "debug,info,warn,error"),
		dashboard.NewTextBoxVariableBuilder("log_search").Label("Log search (LogsQL)").
			DefaultValue(dashboard.StringOrMap{String: cog.ToPtr("*")}).Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: cog.ToPtr("*")}, Value: dashboard.StringOrArrayOfString{String: cog.ToPtr("*")}}),
	}
}
