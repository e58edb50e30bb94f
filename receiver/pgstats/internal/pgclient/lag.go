package pgclient

// StandbyLag decides the primary-side lag in seconds of one standby for one kind
// (write, flush or replay). PostgreSQL reports the *_lag columns as NULL once a standby has
// caught up and no new WAL arrives; the series must not vanish then, so a NULL lag is 0
// when the matching position is 0 bytes behind. A NULL lag with WAL outstanding (a standby
// that has just connected) or with an unknown position gives no value.
func StandbyLag(lag *float64, bytesBehind *int64) (float64, bool) {
	if lag != nil {
		if *lag < 0 {
			return 0, true
		}
		return *lag, true
	}
	if bytesBehind != nil && *bytesBehind == 0 {
		return 0, true
	}
	return 0, false
}

// ReplicaLag decides the replica-side lag in seconds. The naive
// now() - pg_last_xact_replay_timestamp() grows without bound on an idle primary (no
// commits to replay), so when everything received has been replayed and the WAL receiver
// is streaming the lag is 0. When the receiver is not streaming the naive age is reported:
// a replica cut off from its primary must show a growing lag, not a reassuring 0 (the LSN
// guard alone would hide a broken WAL receiver). When the receiver status cannot be read
// (a role without pg_monitor), the LSN guard alone decides: the naive age would page on
// every idle night. No value before the first replayed commit unless the guard holds.
func ReplicaLag(r Replica) (float64, bool) {
	if r.CaughtUp && (r.ReceiverStatus == "streaming" || r.ReceiverStatus == "") {
		return 0, true
	}
	if r.LastReplayAge == nil {
		return 0, false
	}
	if *r.LastReplayAge < 0 {
		return 0, true
	}
	return *r.LastReplayAge, true
}

// Keep reports whether a database passes the filter.
func (f DatabaseFilter) Keep(db string) bool {
	for _, x := range f.Exclude {
		if x == db {
			return false
		}
	}
	if len(f.Include) == 0 {
		return true
	}
	for _, x := range f.Include {
		if x == db {
			return true
		}
	}
	return false
}
