package piiredact

import (
	"path/filepath"
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// TestStockExampleMatchesBenchmark keeps configs/examples/agent-stock.yaml and the
// benchmarked baseline identical.
func TestStockExampleMatchesBenchmark(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("..", "..", "configs", "examples", "agent-stock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := cm.ToStringMap()["processors"].(map[string]any)["redaction"].(map[string]any)
	want := StockConfig(true)
	for _, k := range []string{"blocked_values", "blocked_key_patterns", "allow_all_keys", "summary", "db_sanitizer"} {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s differs:\n yaml  %v\n bench %v", k, got[k], want[k])
		}
	}
}
