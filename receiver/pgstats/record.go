package pgstats

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/pgclient"
)

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// connectionStates maps pg_stat_activity.state to the attribute values, in reporting order.
var connectionStates = []struct {
	pg   string
	attr metadata.AttributePostgresqlConnectionState
}{
	{"active", metadata.AttributePostgresqlConnectionStateActive},
	{"idle", metadata.AttributePostgresqlConnectionStateIdle},
	{"idle in transaction", metadata.AttributePostgresqlConnectionStateIdleInTransaction},
	{"idle in transaction (aborted)", metadata.AttributePostgresqlConnectionStateIdleInTransactionAborted},
	{"fastpath function call", metadata.AttributePostgresqlConnectionStateFastpath},
	{"disabled", metadata.AttributePostgresqlConnectionStateDisabled},
}

var slotWALStatuses = []metadata.AttributePostgresqlReplicationSlotWalStatus{
	metadata.AttributePostgresqlReplicationSlotWalStatusReserved,
	metadata.AttributePostgresqlReplicationSlotWalStatusExtended,
	metadata.AttributePostgresqlReplicationSlotWalStatusUnreserved,
	metadata.AttributePostgresqlReplicationSlotWalStatusLost,
}

// recordPostgres maps one server's snapshot to metrics under one resource.
func (s *pgScraper) recordPostgres(now pcommon.Timestamp, t *pgTarget, snap pgSnapshot) {
	mb := s.mb
	defer emitServer(mb, t.host, t.port, t.name, "postgresql")
	mb.RecordPostgresqlUpDataPoint(now, b2i(snap.up))
	if !snap.up {
		return
	}
	info := snap.info
	mb.RecordPostgresqlIsReplicaDataPoint(now, b2i(info.InRecovery))
	mb.RecordPostgresqlConnectionMaxDataPoint(now, info.MaxConnections)
	if snap.walPosition != nil {
		mb.RecordPostgresqlWalPositionDataPoint(now, *snap.walPosition)
	}
	s.recordStandbys(now, snap)
	if r := snap.replica; r != nil {
		mb.RecordPostgresqlReplicaReplayPausedDataPoint(now, b2i(r.ReplayPaused))
		if v, ok := pgclient.ReplicaLag(*r); ok {
			mb.RecordPostgresqlReplicaLagDataPoint(now, v)
		}
		if r.PendingBytes != nil {
			mb.RecordPostgresqlReplicaLagBytesDataPoint(now, *r.PendingBytes)
		}
		if r.ReceiverStatus != "" {
			mb.RecordPostgresqlReplicaWalReceiverConnectedDataPoint(now, b2i(r.ReceiverStatus == "streaming"), r.ReceiverStatus)
		}
		if r.LastMessageAge != nil {
			mb.RecordPostgresqlReplicaLastMessageAgeDataPoint(now, max(0, *r.LastMessageAge))
		}
	}
	for _, sl := range snap.slots {
		typ, ok := metadata.MapAttributePostgresqlReplicationSlotType[sl.Type]
		if !ok {
			continue
		}
		mb.RecordPostgresqlReplicationSlotActiveDataPoint(now, b2i(sl.Active), sl.Name, typ)
		if sl.RetainedBytes != nil {
			mb.RecordPostgresqlReplicationSlotRetainedBytesDataPoint(now, *sl.RetainedBytes, sl.Name, typ)
		}
		if _, known := metadata.MapAttributePostgresqlReplicationSlotWalStatus[sl.WALStatus]; known {
			for _, st := range slotWALStatuses {
				mb.RecordPostgresqlReplicationSlotWalStatusDataPoint(now, b2i(st.String() == sl.WALStatus), sl.Name, typ, st)
			}
		}
	}
	s.recordConnections(now, t, snap)
	if a := snap.txAges; a != nil {
		mb.RecordPostgresqlTransactionOldestAgeDataPoint(now, a.Oldest)
		mb.RecordPostgresqlTransactionIdleOldestAgeDataPoint(now, a.IdleOldest)
	}
	for _, d := range snap.databases {
		if !t.filter.Keep(d.Name) {
			continue
		}
		mb.RecordPostgresqlDatabaseXidAgeDataPoint(now, d.XIDAge, d.Name)
		mb.RecordPostgresqlCommitsDataPoint(now, d.Commits, d.Name)
		mb.RecordPostgresqlRollbacksDataPoint(now, d.Rollbacks, d.Name)
		mb.RecordPostgresqlDeadlocksDataPoint(now, d.Deadlocks, d.Name)
		mb.RecordPostgresqlBlocksHitDataPoint(now, d.BlksHit, d.Name)
		mb.RecordPostgresqlBlocksReadDataPoint(now, d.BlksRd, d.Name)
		mb.RecordPostgresqlTempFilesDataPoint(now, d.TempFiles, d.Name)
		mb.RecordPostgresqlConflictsDataPoint(now, d.Conflicts, d.Name)
	}
	if snap.haveLocks {
		var waiting int64
		for _, l := range snap.locks {
			mb.RecordPostgresqlLocksDataPoint(now, l.Count, l.Mode, l.Granted)
			if !l.Granted {
				waiting += l.Count
			}
		}
		mb.RecordPostgresqlLocksWaitingDataPoint(now, waiting)
	}
	if c := snap.checkpoints; c != nil {
		mb.RecordPostgresqlCheckpointsDataPoint(now, c.Timed, metadata.AttributePostgresqlCheckpointKindTimed)
		mb.RecordPostgresqlCheckpointsDataPoint(now, c.Requested, metadata.AttributePostgresqlCheckpointKindRequested)
	}
	for _, st := range snap.statements {
		mb.RecordPostgresqlStatementCallsDataPoint(now, st.Calls, st.QueryID, st.Database, st.User, st.Query)
		mb.RecordPostgresqlStatementTimeDataPoint(now, st.TotalSeconds, st.QueryID, st.Database, st.User, st.Query)
		mb.RecordPostgresqlStatementRowsDataPoint(now, st.Rows, st.QueryID, st.Database, st.User, st.Query)
	}
}

func (s *pgScraper) recordStandbys(now pcommon.Timestamp, snap pgSnapshot) {
	if !snap.haveStandbys {
		return
	}
	mb := s.mb
	byState := map[string]int64{}
	countable := true // false when a standby's state cannot be read (no privilege)
	var order []string
	for _, sb := range snap.standbys {
		if !sb.StateKnown { // no privilege to read it: absent, not a guess
			countable = false
			continue
		}
		if _, seen := byState[sb.State]; !seen {
			order = append(order, sb.State)
		}
		byState[sb.State]++
		for _, p := range []struct {
			pos   metadata.AttributePostgresqlReplicationPosition
			bytes *int64
		}{
			{metadata.AttributePostgresqlReplicationPositionSent, sb.SentBytes},
			{metadata.AttributePostgresqlReplicationPositionWrite, sb.WriteBytes},
			{metadata.AttributePostgresqlReplicationPositionFlush, sb.FlushBytes},
			{metadata.AttributePostgresqlReplicationPositionReplay, sb.ReplayBytes},
		} {
			if p.bytes != nil {
				mb.RecordPostgresqlReplicationLagBytesDataPoint(now, *p.bytes, sb.ApplicationName, sb.ClientAddress, sb.State, sb.SyncState, p.pos)
			}
		}
		for _, l := range []struct {
			kind  metadata.AttributePostgresqlReplicationLagKind
			lag   *float64
			bytes *int64
		}{
			{metadata.AttributePostgresqlReplicationLagKindWrite, sb.WriteLag, sb.WriteBytes},
			{metadata.AttributePostgresqlReplicationLagKindFlush, sb.FlushLag, sb.FlushBytes},
			{metadata.AttributePostgresqlReplicationLagKindReplay, sb.ReplayLag, sb.ReplayBytes},
		} {
			if v, ok := pgclient.StandbyLag(l.lag, l.bytes); ok {
				mb.RecordPostgresqlReplicationLagDataPoint(now, v, sb.ApplicationName, sb.ClientAddress, sb.State, sb.SyncState, l.kind)
			}
		}
	}
	// A primary (not a replica) without standbys reports 0 streaming standbys, so "standbys < 1" alerts
	// fire when the last one disappears instead of seeing an absent series.
	if !countable {
		return
	}
	if _, ok := byState["streaming"]; !ok && !snap.info.InRecovery {
		order = append(order, "streaming")
	}
	for _, st := range order {
		mb.RecordPostgresqlReplicationStandbysDataPoint(now, byState[st], st)
	}
}

// recordConnections reports every state for every kept database, 0 included, so an
// "idle in transaction > N" alert has a series to compare even when there are none.
// With the opt-in user attribute, only observed combinations are reported.
func (s *pgScraper) recordConnections(now pcommon.Timestamp, t *pgTarget, snap pgSnapshot) {
	if !snap.haveActivity {
		return
	}
	mb := s.mb
	if s.userAttrEnabled {
		for _, a := range snap.activity {
			if st, ok := stateAttr(a.State); ok && t.filter.Keep(a.Database) {
				mb.RecordPostgresqlConnectionCountDataPoint(now, a.Count, a.Database, st, a.User)
			}
		}
		return
	}
	type key struct{ db, state string }
	counts := map[key]int64{}
	var dbs []string
	seen := map[string]bool{}
	addDB := func(db string) {
		if !seen[db] && t.filter.Keep(db) {
			seen[db] = true
			dbs = append(dbs, db)
		}
	}
	for _, d := range snap.databases {
		addDB(d.Name)
	}
	for _, a := range snap.activity {
		addDB(a.Database)
		counts[key{a.Database, a.State}] += a.Count
	}
	for _, db := range dbs {
		for _, st := range connectionStates {
			mb.RecordPostgresqlConnectionCountDataPoint(now, counts[key{db, st.pg}], db, st.attr, "")
		}
	}
}

func stateAttr(pg string) (metadata.AttributePostgresqlConnectionState, bool) {
	for _, st := range connectionStates {
		if st.pg == pg {
			return st.attr, true
		}
	}
	return 0, false
}

var clientStates = map[string]metadata.AttributePgbouncerClientState{
	"active": metadata.AttributePgbouncerClientStateActive, "waiting": metadata.AttributePgbouncerClientStateWaiting,
	"active_cancel_req": metadata.AttributePgbouncerClientStateActiveCancelReq, "waiting_cancel_req": metadata.AttributePgbouncerClientStateWaitingCancelReq,
}

var serverStates = map[string]metadata.AttributePgbouncerServerState{
	"active": metadata.AttributePgbouncerServerStateActive, "idle": metadata.AttributePgbouncerServerStateIdle,
	"used": metadata.AttributePgbouncerServerStateUsed, "tested": metadata.AttributePgbouncerServerStateTested,
	"login": metadata.AttributePgbouncerServerStateLogin, "active_cancel": metadata.AttributePgbouncerServerStateActiveCancel,
	"being_canceled": metadata.AttributePgbouncerServerStateBeingCanceled,
}

func (s *pgScraper) recordBouncer(now pcommon.Timestamp, t *bouncerTarget, snap bouncerSnapshot) {
	mb := s.mb
	defer emitServer(mb, t.host, t.port, t.name, "pgbouncer")
	mb.RecordPgbouncerUpDataPoint(now, b2i(snap.up))
	if !snap.up {
		return
	}
	for _, p := range snap.pools {
		for _, st := range sortedKeys(p.Client) {
			if attr, ok := clientStates[st]; ok {
				mb.RecordPgbouncerPoolClientConnectionsDataPoint(now, p.Client[st], p.Database, p.User, attr)
			}
		}
		for _, st := range sortedKeys(p.Server) {
			if attr, ok := serverStates[st]; ok {
				mb.RecordPgbouncerPoolServerConnectionsDataPoint(now, p.Server[st], p.Database, p.User, attr)
			}
		}
		if p.HasMaxWait {
			mb.RecordPgbouncerPoolMaxWaitDataPoint(now, p.MaxWait, p.Database, p.User)
		}
	}
	for _, d := range snap.databases {
		mb.RecordPgbouncerPoolSizeDataPoint(now, d.PoolSize, d.Name)
	}
	for _, st := range snap.stats {
		mb.RecordPgbouncerStatsTransactionsDataPoint(now, st.Transactions, st.Database)
		mb.RecordPgbouncerStatsQueriesDataPoint(now, st.Queries, st.Database)
		mb.RecordPgbouncerStatsTransactionTimeDataPoint(now, st.TransactionTime, st.Database)
		mb.RecordPgbouncerStatsQueryTimeDataPoint(now, st.QueryTime, st.Database)
		mb.RecordPgbouncerStatsWaitTimeDataPoint(now, st.WaitTime, st.Database)
	}
	if snap.maxClientConn != nil {
		mb.RecordPgbouncerClientsMaxDataPoint(now, *snap.maxClientConn)
	}
}

// emitServer closes the metrics recorded so far under one server's resource.
func emitServer(mb *metadata.MetricsBuilder, host string, port int64, name, system string) {
	rb := mb.NewResourceBuilder()
	rb.SetServerAddress(host)
	rb.SetServerPort(port)
	rb.SetPostgresqlServerName(name)
	rb.SetDbSystemName(system)
	mb.EmitForResource(metadata.WithResource(rb.Emit()))
}
