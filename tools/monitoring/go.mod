module github.com/fraiseql/otelcol-fraiseql/tools/monitoring

go 1.26

require (
	github.com/grafana/grafana-foundation-sdk/go v0.0.22 // indirect
	github.com/prometheus/otlptranslator v1.0.0 // indirect
	github.com/prometheus/prometheus v0.314.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
