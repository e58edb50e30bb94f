package faults

import (
	"strings"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

func TestDecodeNamesTheField(t *testing.T) {
	for doc, field := range map[string]string{
		`{"error_rate": 1.5}`:           "error_rate",
		`{"added_latency_ms": -1}`:      "added_latency_ms",
		`{"slow_sql": 600000}`:          "slow_sql",
		`{"pool_exhaustion": -3}`:       "pool_exhaustion",
		`{"auth_attack": 100000}`:       "auth_attack",
		`{"rate_limit_storm": -1}`:      "rate_limit_storm",
		`{"cardinality_burst": 200000}`: "cardinality_burst",
		`{"error_rat": 0.5}`:            "error_rat",
		`{"cache_collapse": "yes"}`:     "cache_collapse",
	} {
		_, err := Decode(strings.NewReader(doc), Switches{})
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v does not name %s", doc, err, field)
		}
	}
	if _, err := Decode(strings.NewReader(`{} {}`), Switches{}); err == nil {
		t.Error("trailing data accepted")
	}
}

func TestDecodePatchesBase(t *testing.T) {
	base := Switches{ErrorRate: 0.2, SlowSQL: 300}
	got, err := Decode(strings.NewReader(`{"slow_sql": 0, "cache_collapse": true}`), base)
	if err != nil {
		t.Fatal(err)
	}
	want := Switches{ErrorRate: 0.2, SlowSQL: 0, CacheCollapse: true}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestStoreWatch(t *testing.T) {
	var st Store
	var seen []Switches
	st.Watch(func(s Switches) { seen = append(seen, s) })
	if err := st.Set(Switches{AuthAttack: 5}); err != nil {
		t.Fatal(err)
	}
	if err := st.Set(Switches{ErrorRate: 2}); err == nil {
		t.Fatal("invalid switches accepted")
	}
	if len(seen) != 2 || seen[0] != (Switches{}) || seen[1].AuthAttack != 5 {
		t.Fatalf("watcher saw %+v", seen)
	}
	if st.Get().AuthAttack != 5 {
		t.Fatalf("Get = %+v after a refused Set", st.Get())
	}
}

func TestBurstFitsTheSDKLimit(t *testing.T) {
	// The burst must reach the collector whole: below the SDK's per-instrument limit.
	if MaxCardinalityBurst >= telemetry.CardinalityLimit {
		t.Fatalf("cardinality_burst max %d >= SDK cardinality limit %d", MaxCardinalityBurst, telemetry.CardinalityLimit)
	}
}
