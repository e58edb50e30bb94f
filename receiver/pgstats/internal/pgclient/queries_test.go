package pgclient

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVersionGatedSQL(t *testing.T) {
	assert.Contains(t, checkpointsQuery(160004), "pg_stat_bgwriter")
	assert.Contains(t, checkpointsQuery(170002), "pg_stat_checkpointer")
	assert.Contains(t, checkpointsQuery(170002), "num_requested")
	assert.NotContains(t, slotsQuery(120020), "wal_status")
	assert.Contains(t, slotsQuery(130000), "wal_status")
	assert.Contains(t, statementsQuery("public", 120020), "total_time")
	assert.NotContains(t, statementsQuery("public", 120020), "total_exec_time")
	assert.Contains(t, statementsQuery("public", 150018), "total_exec_time")
	assert.Contains(t, statementsQuery(`we"ird`, 150018), `"we""ird".pg_stat_statements`, "schema is quoted")
	// WAL functions are guarded for servers in recovery.
	for _, q := range []string{qWALPosition, qStandbys, slotsQuery(150000)} {
		assert.Contains(t, q, "pg_is_in_recovery()")
	}
}
