package pgclient

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// table builds a Table from a header and rows of "|"-separated text; "\N" is NULL.
func table(header string, rows ...string) Table {
	t := Table{Columns: strings.Split(header, "|")}
	for _, r := range rows {
		var row [][]byte
		for _, c := range strings.Split(r, "|") {
			if c == `\N` {
				row = append(row, nil)
			} else {
				row = append(row, []byte(c))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// SHOW POOLS of PgBouncer 1.18 (observed on Debian 12).
const pools118 = "database|user|cl_active|cl_waiting|cl_active_cancel_req|cl_waiting_cancel_req|sv_active|sv_active_cancel|sv_being_canceled|sv_idle|sv_used|sv_tested|sv_login|maxwait|maxwait_us|pool_mode"

func TestParsePools118(t *testing.T) {
	p := ParsePools(table(pools118, "bench|postgres|5|15|0|0|5|0|0|0|0|0|0|5|300000|transaction"))
	require.Len(t, p, 1)
	assert.Equal(t, "bench", p[0].Database)
	assert.Equal(t, map[string]int64{"active": 5, "waiting": 15, "active_cancel_req": 0, "waiting_cancel_req": 0}, p[0].Client)
	assert.Equal(t, int64(5), p[0].Server["active"])
	assert.Len(t, p[0].Server, 7)
	assert.True(t, p[0].HasMaxWait)
	assert.InDelta(t, 5.3, p[0].MaxWait, 1e-9)
}

func TestParsePoolsOldAndFutureColumns(t *testing.T) {
	// 1.7-era: cl_cancel_req, no maxwait_us; a future column is ignored.
	p := ParsePools(table("database|user|cl_active|cl_waiting|cl_cancel_req|sv_active|sv_idle|maxwait|future_col",
		"app|web|1|2|0|3|4|7|xyz"))
	require.Len(t, p, 1)
	assert.Equal(t, int64(2), p[0].Client["waiting"])
	assert.Equal(t, int64(0), p[0].Client["cancel_req"])
	assert.Equal(t, 7.0, p[0].MaxWait)
	// rows without database/user are skipped, NULLs are absent
	p = ParsePools(table("database|user|cl_active", `\N|x|1`, `a|b|\N`))
	require.Len(t, p, 1)
	assert.Empty(t, p[0].Client)
}

func TestParseDatabasesStatsConfig(t *testing.T) {
	d := ParseDatabases(table("name|host|port|database|force_user|pool_size|min_pool_size",
		"bench|127.0.0.1|5432|bench||2|0", "pgbouncer||6432|pgbouncer|pgbouncer|2|0"))
	assert.Equal(t, []BouncerDatabase{{"bench", 2}, {"pgbouncer", 2}}, d)

	s := ParseStats(table("database|total_xact_count|total_query_count|total_received|total_xact_time|total_query_time|total_wait_time|avg_xact_count",
		"bench|9440|47200|1|40100000|38200000|100700000|472"))
	require.Len(t, s, 1)
	assert.Equal(t, BouncerStats{Database: "bench", Transactions: 9440, Queries: 47200, TransactionTime: 40.1, QueryTime: 38.2, WaitTime: 100.7}, s[0])
	// before 1.8: total_requests
	s = ParseStats(table("database|total_requests", "app|12"))
	assert.Equal(t, int64(12), s[0].Queries)

	c := table("key|value|default|changeable", "max_client_conn|200|100|yes", "pool_mode|transaction|session|yes")
	v, ok := ParseConfigValue(c, "max_client_conn")
	assert.True(t, ok)
	assert.Equal(t, int64(200), v)
	_, ok = ParseConfigValue(c, "nope")
	assert.False(t, ok)
}

// FuzzParseShow: any header and cells give no panic, and every reported count comes from
// a cl_/sv_ column that parsed as a number.
func FuzzParseShow(f *testing.F) {
	f.Add(pools118, "bench|postgres|5|15|0|0|5|0|0|0|0|0|0|5|300000|transaction")
	f.Add("database|user|cl_|sv_x|maxwait|maxwait_us", "a|b|1|2|3.5|-1")
	f.Add("name|pool_size|total_xact_count|key|value", "x|NaN|1e30|max_client_conn|9223372036854775807")
	f.Fuzz(func(t *testing.T, header, row string) {
		tb := table(header, row, row)
		pools := ParsePools(tb)
		for _, p := range pools {
			for st := range p.Client {
				assert.Contains(t, tb.Columns, "cl_"+st)
			}
			for st := range p.Server {
				assert.Contains(t, tb.Columns, "sv_"+st)
			}
		}
		ParseDatabases(tb)
		ParseStats(tb)
		ParseConfigValue(tb, "max_client_conn")
	})
}

func BenchmarkParsePools(b *testing.B) {
	rows := make([]string, 200)
	for i := range rows {
		rows[i] = "bench|postgres|5|15|0|0|5|0|0|0|0|0|0|5|300000|transaction"
	}
	tb := table(pools118, rows...)
	b.ReportAllocs()
	for b.Loop() {
		ParsePools(tb)
	}
}
