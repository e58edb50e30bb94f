package anomaly

import "go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

var metricdatatestIgnore = []metricdatatest.Option{metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()}
