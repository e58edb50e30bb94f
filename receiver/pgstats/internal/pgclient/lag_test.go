package pgclient

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }

func TestStandbyLag(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lag   *float64
		bytes *int64
		want  float64
		ok    bool
	}{
		{"reported", f64(7.97), i64(2176080), 7.97, true},
		{"NULL and caught up: 0, not absent", nil, i64(0), 0, true},
		{"NULL with WAL outstanding: absent", nil, i64(112), 0, false},
		{"NULL and position unknown: absent", nil, nil, 0, false},
		{"negative clamped", f64(-0.001), i64(0), 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := StandbyLag(tt.lag, tt.bytes)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReplicaLag(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    Replica
		want float64
		ok   bool
	}{
		{"idle primary, streaming", Replica{CaughtUp: true, ReceiverStatus: "streaming", LastReplayAge: f64(3600)}, 0, true},
		{"receiver broken: naive age", Replica{CaughtUp: true, ReceiverStatus: "stopped", LastReplayAge: f64(3600)}, 3600, true},
		{"receiver waiting: naive age", Replica{CaughtUp: true, ReceiverStatus: "waiting", LastReplayAge: f64(42)}, 42, true},
		{"status unreadable: LSN guard", Replica{CaughtUp: true, LastReplayAge: f64(3600)}, 0, true},
		{"replay behind", Replica{ReceiverStatus: "streaming", LastReplayAge: f64(11.6)}, 11.6, true},
		{"never replayed, behind", Replica{ReceiverStatus: "streaming"}, 0, false},
		{"clock skew clamped", Replica{ReceiverStatus: "streaming", LastReplayAge: f64(-0.2)}, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ReplicaLag(tt.r)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDatabaseFilter(t *testing.T) {
	all := DatabaseFilter{}
	assert.True(t, all.Keep("app"))
	ex := DatabaseFilter{Exclude: []string{"template0"}}
	assert.False(t, ex.Keep("template0"))
	assert.True(t, ex.Keep("app"))
	in := DatabaseFilter{Include: []string{"app"}, Exclude: []string{"app"}}
	assert.False(t, in.Keep("app"), "exclude wins")
	assert.False(t, DatabaseFilter{Include: []string{"app"}}.Keep("other"))
}
