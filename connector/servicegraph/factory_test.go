package servicegraph

import (
	"testing"

	"go.opentelemetry.io/collector/component"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/internal/factorytest"
)

// The factory registers the component under its metadata.yaml type and stability
// (traces -> metrics only); its default config is a well-formed config struct and valid as
// it is (contrib's defaults: a 2 s, 1,000-span store).
func TestFactory(t *testing.T) {
	factorytest.Check(t, NewFactory(), factorytest.Want{
		Type:      metadata.Type,
		Stability: map[string]component.StabilityLevel{"traces_to_metrics": component.StabilityLevelAlpha},
	})
}
