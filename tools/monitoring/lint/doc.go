// Package lint holds the offline checks of the monitoring content (configs/metrics,
// configs/prometheus, configs/alertmanager, configs/grafana, docs/runbooks), as Go tests:
//
//   - every rule and dashboard expression parses with the Prometheus v0.314.0 parser;
//   - every metric selector names a catalog series (configs/metrics/catalog.yaml, names derived
//     with otlptranslator) or a recording rule, and every label it matches or groups by exists;
//   - pint-like checks that need no running Prometheus: aggregations in rules keep the
//     source's identity label, rate windows are long enough for the export interval, rate()
//     only on counters, regex matchers are regexes, alerts carry severity/team/summary/
//     description/runbook_url and a for, annotation templates parse, recording names are
//     level:metric:operations;
//   - every alert has a promtool test where it fires and one where it does not, a runbook,
//     and a row of the Alertmanager route table for its (severity, team, action);
//   - thresholds in rules equal the Go constants the dashboards use;
//   - the committed dashboards equal a fresh generation and keep the dashboard invariants.
package lint
