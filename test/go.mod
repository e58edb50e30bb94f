// The tests of the built binary (e2e/) and of the repository's build files (repo/): their
// dependencies (BuildKit's Dockerfile parser, the Prometheus name translator, ...) stay out of
// the distribution's module graph, which ocb builds from.
module github.com/fraiseql/otelcol-fraiseql/test

replace github.com/fraiseql/otelcol-fraiseql => ../

go 1.26.0

require (
	github.com/fraiseql/otelcol-fraiseql v0.0.0-00010101000000-000000000000
	github.com/moby/buildkit v0.23.2
	github.com/prometheus/common v0.71.0
	github.com/prometheus/otlptranslator v1.0.0
	go.opentelemetry.io/collector/pdata v1.67.0
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/mod v0.39.0
	google.golang.org/grpc v1.83.2
)

require (
	github.com/containerd/typeurl/v2 v2.2.3 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/hashicorp/go-version v1.9.0 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.3-0.20250322232337-35a7c28c31ee // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/planetscale/vtprotobuf v0.6.1-0.20240319094008-0393e58bdf10 // indirect
	github.com/prometheus/client_model v0.6.2 // indirect
	go.opentelemetry.io/collector/featuregate v1.67.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260720155508-bb71a54f79dc // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
