package graph

import (
	"math"
	"sort"
	"time"
)

// Histogram is a cumulative explicit-bucket histogram: Counts[i] counts observations in
// (bounds[i-1], bounds[i]], the last one those above the last bound (Prometheus' le).
type Histogram struct {
	Counts []uint64
	Sum    float64
	Count  uint64
}

func (h *Histogram) observe(bounds []float64, v float64) {
	if math.IsNaN(v) || v < 0 {
		v = 0 // a span ending before it starts; counted as instantaneous
	}
	h.Counts[sort.SearchFloat64s(bounds, v)]++
	h.Sum += v
	h.Count++
}

// Series is the cumulative state of one edge series: a (client, server, connection_type,
// dimensions) combination.
type Series struct {
	Client, Server, ConnectionType string
	// Dims holds the dimension values: the client's then the server's, in config order;
	// "" where the span had no such attribute (the label is then left out).
	Dims           []string
	Start, Updated time.Time
	Total, Failed  uint64
	ClientLatency  Histogram
	ServerLatency  Histogram
}

// Aggregator adds edges up into series.
type Aggregator struct {
	bounds []float64
	series map[string]*Series
	key    []byte // scratch buffer of the series key, reused
}

// NewAggregator returns an aggregator with the given histogram bounds (ascending, seconds).
func NewAggregator(bounds []float64) *Aggregator {
	return &Aggregator{bounds: bounds, series: make(map[string]*Series)}
}

// Bounds returns the histogram bounds.
func (a *Aggregator) Bounds() []float64 { return a.bounds }

// Len is the number of series.
func (a *Aggregator) Len() int { return len(a.series) }

// RecordOutcome says what Record did with a request.
type RecordOutcome uint8

const (
	Added   RecordOutcome = iota // counted in an existing series
	Created                      // counted in a new series
	Full                         // not counted: its series is new and maxSeries series exist
)

// Record adds one request to its series, creating the series at now if it is new and fewer
// than maxSeries series exist (maxSeries 0: no limit).
func (a *Aggregator) Record(e Edge, dims, maxSeries int, now time.Time) RecordOutcome {
	k := a.key[:0]
	for _, s := range [...]string{e.Client, e.Server, e.ConnectionType} {
		k = append(append(k, s...), 0)
	}
	for i := 0; i < dims; i++ {
		k = append(append(k, at(e.ClientDims, i)...), 0)
	}
	for i := 0; i < dims; i++ {
		k = append(append(k, at(e.ServerDims, i)...), 0)
	}
	a.key = k
	s, ok := a.series[string(k)] // no allocation for the lookup
	if !ok {
		if maxSeries > 0 && len(a.series) >= maxSeries {
			return Full
		}
		s = &Series{
			Client: e.Client, Server: e.Server, ConnectionType: e.ConnectionType,
			Dims:          make([]string, 2*dims),
			Start:         now,
			ClientLatency: Histogram{Counts: make([]uint64, len(a.bounds)+1)},
			ServerLatency: Histogram{Counts: make([]uint64, len(a.bounds)+1)},
		}
		for i := 0; i < dims; i++ {
			s.Dims[i] = at(e.ClientDims, i)
			s.Dims[dims+i] = at(e.ServerDims, i)
		}
		a.series[string(k)] = s
	}
	s.Updated = now
	s.Total++
	if e.Failed {
		s.Failed++
	}
	s.ClientLatency.observe(a.bounds, e.ClientSeconds)
	s.ServerLatency.observe(a.bounds, e.ServerSeconds)
	if !ok {
		return Created
	}
	return Added
}

func at(v []string, i int) string {
	if i < len(v) {
		return v[i]
	}
	return ""
}

// ExpireIdle forgets series not updated since before cutoff and returns how many.
func (a *Aggregator) ExpireIdle(cutoff time.Time) int {
	n := 0
	for k, s := range a.series {
		if s.Updated.Before(cutoff) {
			delete(a.series, k)
			n++
		}
	}
	return n
}

// Each calls fn for every series, ordered by client, server, connection type and dimensions
// (stable output for tests and readers). fn must not keep s.
func (a *Aggregator) Each(fn func(s *Series)) {
	keys := make([]string, 0, len(a.series))
	for k := range a.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fn(a.series[k])
	}
}
