package pgstats

import (
	"testing"

	"go.opentelemetry.io/collector/component"

	"github.com/fraiseql/otelcol-fraiseql/internal/factorytest"
	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
)

// The factory registers the component under its metadata.yaml type and stability; its
// default config is a well-formed config struct, and Validate says what it lacks, if anything
// (the default cannot guess what to watch).
func TestFactory(t *testing.T) {
	factorytest.Check(t, NewFactory(), factorytest.Want{
		Type:             metadata.Type,
		Stability:        map[string]component.StabilityLevel{"metrics": component.StabilityLevelAlpha},
		DefaultConfigErr: "at least one server must be configured",
	})
}
