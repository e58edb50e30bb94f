package pgclient

import (
	"strconv"
	"strings"
)

// Table is the text result of a PgBouncer SHOW command: column names and rows of raw text
// values (nil for NULL). PgBouncer adds, renames and removes SHOW columns in almost every
// release, so every parser below reads columns by name and ignores the ones it does not
// know; a missing column means an absent value, never an error.
type Table struct {
	Columns []string
	Rows    [][][]byte
}

func (t Table) index() map[string]int {
	m := make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		m[c] = i
	}
	return m
}

func cell(row [][]byte, idx map[string]int, col string) (string, bool) {
	i, ok := idx[col]
	if !ok || i >= len(row) || row[i] == nil {
		return "", false
	}
	return string(row[i]), true
}

func cellInt(row [][]byte, idx map[string]int, col string) (int64, bool) {
	s, ok := cell(row, idx, col)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		// numeric columns of some versions print as "12.0"
		f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if ferr != nil || f != f || f < -9.2e18 || f > 9.2e18 {
			return 0, false
		}
		return int64(f), true
	}
	return v, true
}

// ParsePools maps SHOW POOLS: every cl_* column becomes a client state, every sv_*
// column a server state, maxwait + maxwait_us the wait in seconds.
func ParsePools(t Table) []Pool {
	idx := t.index()
	out := make([]Pool, 0, len(t.Rows))
	for _, row := range t.Rows {
		db, ok1 := cell(row, idx, "database")
		user, ok2 := cell(row, idx, "user")
		if !ok1 || !ok2 {
			continue
		}
		p := Pool{Database: db, User: user, Client: map[string]int64{}, Server: map[string]int64{}}
		for i, col := range t.Columns {
			var dst map[string]int64
			var state string
			switch {
			case strings.HasPrefix(col, "cl_"):
				dst, state = p.Client, col[3:]
			case strings.HasPrefix(col, "sv_"):
				dst, state = p.Server, col[3:]
			default:
				continue
			}
			if i >= len(row) {
				continue
			}
			if v, ok := cellInt(row, idx, col); ok && state != "" {
				dst[state] = v
			}
		}
		if s, ok := cellInt(row, idx, "maxwait"); ok {
			p.MaxWait, p.HasMaxWait = float64(s), true
			if us, ok := cellInt(row, idx, "maxwait_us"); ok {
				p.MaxWait += float64(us) / 1e6
			}
		}
		out = append(out, p)
	}
	return out
}

// ParseDatabases maps SHOW DATABASES (name, pool_size).
func ParseDatabases(t Table) []BouncerDatabase {
	idx := t.index()
	out := make([]BouncerDatabase, 0, len(t.Rows))
	for _, row := range t.Rows {
		name, ok := cell(row, idx, "name")
		size, ok2 := cellInt(row, idx, "pool_size")
		if !ok || !ok2 {
			continue
		}
		out = append(out, BouncerDatabase{Name: name, PoolSize: size})
	}
	return out
}

// ParseStats maps SHOW STATS: total_xact_count, total_query_count (total_requests before
// PgBouncer 1.8) and the total_*_time columns in microseconds.
func ParseStats(t Table) []BouncerStats {
	idx := t.index()
	out := make([]BouncerStats, 0, len(t.Rows))
	for _, row := range t.Rows {
		db, ok := cell(row, idx, "database")
		if !ok {
			continue
		}
		s := BouncerStats{Database: db}
		s.Transactions, _ = cellInt(row, idx, "total_xact_count")
		var q int64
		if q, ok = cellInt(row, idx, "total_query_count"); !ok {
			q, _ = cellInt(row, idx, "total_requests")
		}
		s.Queries = q
		us := func(col string) float64 { v, _ := cellInt(row, idx, col); return float64(v) / 1e6 }
		s.TransactionTime, s.QueryTime, s.WaitTime = us("total_xact_time"), us("total_query_time"), us("total_wait_time")
		out = append(out, s)
	}
	return out
}

// ParseConfigValue returns the value of one key of SHOW CONFIG.
func ParseConfigValue(t Table, key string) (int64, bool) {
	idx := t.index()
	for _, row := range t.Rows {
		if k, ok := cell(row, idx, "key"); ok && k == key {
			return cellInt(row, idx, "value")
		}
	}
	return 0, false
}
