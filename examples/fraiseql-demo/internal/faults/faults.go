// Package faults holds the fault switches of the demo service, set over its admin API
// (GET/PUT/POST/DELETE /faults) by the on-call drills. Every switch is off at zero.
package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Switches is the JSON document of the admin API.
type Switches struct {
	// ErrorRate is the share (0..1) of GraphQL operations that fail with an
	// INTERNAL_SERVER_ERROR in errors[] (HTTP 200, span status ERROR).
	ErrorRate float64 `json:"error_rate"`
	// AddedLatencyMS is added to every GraphQL request before it is executed.
	AddedLatencyMS int `json:"added_latency_ms"`
	// SlowSQL is the pg_sleep (milliseconds) added to every resolver's SQL statement.
	SlowSQL int `json:"slow_sql"`
	// PoolExhaustion is the number of pool connections held idle in transaction (capped at
	// the pool size).
	PoolExhaustion int `json:"pool_exhaustion"`
	// AuthAttack is the number of failed logins per second the service sends to itself.
	AuthAttack int `json:"auth_attack"`
	// RateLimitStorm is the number of requests per second, all from one client address,
	// the service sends to itself; past the per-client limit they are rejected with 429.
	RateLimitStorm int `json:"rate_limit_storm"`
	// CacheCollapse bypasses the response cache: every lookup is a miss.
	CacheCollapse bool `json:"cache_collapse"`
	// CardinalityBurst is the number of distinct values of fraiseql.burst.series the
	// fraiseql.cardinality_burst.requests counter gets while the switch is on.
	CardinalityBurst int `json:"cardinality_burst"`
}

// Limits of the switches.
const (
	MaxLatencyMS        = 60_000
	MaxSlowSQLMS        = 60_000
	MaxPoolExhaustion   = 1000
	MaxAttackRPS        = 1000
	MaxStormRPS         = 5000
	MaxCardinalityBurst = 100_000
)

// Validate names the first field out of range.
func (s Switches) Validate() error {
	switch {
	case s.ErrorRate < 0 || s.ErrorRate > 1 || s.ErrorRate != s.ErrorRate:
		return fmt.Errorf("error_rate: %v is not in [0, 1]", s.ErrorRate)
	case s.AddedLatencyMS < 0 || s.AddedLatencyMS > MaxLatencyMS:
		return fmt.Errorf("added_latency_ms: %d is not in [0, %d]", s.AddedLatencyMS, MaxLatencyMS)
	case s.SlowSQL < 0 || s.SlowSQL > MaxSlowSQLMS:
		return fmt.Errorf("slow_sql: %d is not in [0, %d] (milliseconds)", s.SlowSQL, MaxSlowSQLMS)
	case s.PoolExhaustion < 0 || s.PoolExhaustion > MaxPoolExhaustion:
		return fmt.Errorf("pool_exhaustion: %d is not in [0, %d] (connections)", s.PoolExhaustion, MaxPoolExhaustion)
	case s.AuthAttack < 0 || s.AuthAttack > MaxAttackRPS:
		return fmt.Errorf("auth_attack: %d is not in [0, %d] (failed logins per second)", s.AuthAttack, MaxAttackRPS)
	case s.RateLimitStorm < 0 || s.RateLimitStorm > MaxStormRPS:
		return fmt.Errorf("rate_limit_storm: %d is not in [0, %d] (requests per second)", s.RateLimitStorm, MaxStormRPS)
	case s.CardinalityBurst < 0 || s.CardinalityBurst > MaxCardinalityBurst:
		return fmt.Errorf("cardinality_burst: %d is not in [0, %d] (distinct values)", s.CardinalityBurst, MaxCardinalityBurst)
	}
	return nil
}

// Decode reads a JSON object onto base (so a partial document patches it). Unknown fields,
// trailing data and out-of-range values are errors that name the field.
func Decode(r io.Reader, base Switches) (Switches, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return Switches{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	s := base
	if err := dec.Decode(&s); err != nil {
		return Switches{}, fmt.Errorf("faults: %w", err)
	}
	if dec.More() {
		return Switches{}, fmt.Errorf("faults: trailing data after the JSON object")
	}
	if err := s.Validate(); err != nil {
		return Switches{}, err
	}
	return s, nil
}

// Store is the current set of switches, safe for concurrent use. Watchers are called (in
// their own goroutine's order, synchronously) after every change.
type Store struct {
	mu       sync.RWMutex
	s        Switches
	watchers []func(Switches)
}

// Get returns the current switches.
func (st *Store) Get() Switches {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.s
}

// Set replaces the switches (they must be valid).
func (st *Store) Set(s Switches) error {
	if err := s.Validate(); err != nil {
		return err
	}
	st.mu.Lock()
	st.s = s
	ws := append([]func(Switches){}, st.watchers...)
	st.mu.Unlock()
	for _, w := range ws {
		w(s)
	}
	return nil
}

// Watch calls f with the switches now and after every change.
func (st *Store) Watch(f func(Switches)) {
	st.mu.Lock()
	st.watchers = append(st.watchers, f)
	s := st.s
	st.mu.Unlock()
	f(s)
}
