// Package graph pairs the client and server halves of requests into edges of a service graph
// and aggregates the edges into per-(client, server) counters and latency histograms. It knows
// nothing of pdata: the connector walks spans and calls it.
package graph

import "time"

// Connection types, the values of the connection_type label (Tempo's and contrib's names;
// "" is an ordinary request between two instrumented services).
const (
	ConnectionDirect      = ""
	ConnectionMessaging   = "messaging_system"
	ConnectionDatabase    = "database"
	ConnectionVirtualNode = "virtual_node"
)

// Key identifies one request: the trace id and the span id of the client span, which is the
// parent span id of the server span.
type Key struct {
	Trace [16]byte
	Span  [8]byte
}

// Half is what one span says about a request.
type Half struct {
	Service   string   // service.name of the span's resource
	Seconds   float64  // span duration
	Failed    bool     // span status ERROR
	Messaging bool     // PRODUCER or CONSUMER span
	Dims      []string // values of the configured dimensions ("" when absent), in config order
	Peer      string   // client half: the virtual node's name if no server half arrives ("" = none)
}

// Edge is one request between two nodes of the graph.
type Edge struct {
	Client, Server               string
	ConnectionType               string
	ClientSeconds, ServerSeconds float64
	Failed                       bool
	ClientDims, ServerDims       []string
}

// Outcome of adding a half to the store.
type Outcome uint8

const (
	Stored   Outcome = iota // waiting for its other half
	Paired                  // both halves present: the returned Edge is complete
	Replaced                // a second span for the same half (a duplicate delivery): it replaced the first
	Dropped                 // the store is full: the half is lost
)

type entry struct {
	key            Key
	client, server Half
	hasC, hasS     bool
	deadline       time.Time
	prev, next     *entry
}

// Store holds halves waiting for their other half, at most maxItems of them, each for at most
// ttl. Entries are kept in insertion order (their deadlines are ascending), so expiring is a
// walk from the oldest end that stops at the first live entry.
type Store struct {
	ttl        time.Duration
	maxItems   int
	items      map[Key]*entry
	head, tail *entry // head: oldest
	free       *entry // recycled entries (singly linked through next)
}

// NewStore returns an empty store. maxItems and ttl must be positive.
func NewStore(ttl time.Duration, maxItems int) *Store {
	return &Store{ttl: ttl, maxItems: maxItems, items: make(map[Key]*entry)}
}

// Len is the number of waiting halves.
func (s *Store) Len() int { return len(s.items) }

// AddClient adds a client half; when its server half is waiting, the edge is returned.
func (s *Store) AddClient(k Key, h Half, now time.Time) (Edge, Outcome) {
	return s.add(k, h, true, now)
}

// AddServer adds a server half; when its client half is waiting, the edge is returned.
func (s *Store) AddServer(k Key, h Half, now time.Time) (Edge, Outcome) {
	return s.add(k, h, false, now)
}

func (s *Store) add(k Key, h Half, client bool, now time.Time) (Edge, Outcome) {
	if e, ok := s.items[k]; ok {
		if (client && e.hasC) || (!client && e.hasS) {
			// The same span delivered twice (at-least-once delivery) or a span id reused:
			// keep one, count nothing twice.
			if client {
				e.client = h
			} else {
				e.server = h
			}
			return Edge{}, Replaced
		}
		if client {
			e.client, e.hasC = h, true
		} else {
			e.server, e.hasS = h, true
		}
		edge := Pair(e.client, e.server)
		s.remove(e)
		return edge, Paired
	}
	if len(s.items) >= s.maxItems {
		return Edge{}, Dropped
	}
	e := s.alloc()
	*e = entry{key: k, deadline: now.Add(s.ttl)}
	if client {
		e.client, e.hasC = h, true
	} else {
		e.server, e.hasS = h, true
	}
	s.items[k] = e
	if s.tail == nil {
		s.head, s.tail = e, e
	} else {
		e.prev = s.tail
		s.tail.next = e
		s.tail = e
	}
	return Edge{}, Stored
}

// Pair builds the edge of a request seen from both sides. Either side's messaging kind
// makes it a messaging_system connection; either side's error makes it failed.
func Pair(c, sv Half) Edge {
	ct := ConnectionDirect
	if c.Messaging || sv.Messaging {
		ct = ConnectionMessaging
	}
	return Edge{
		Client: c.Service, Server: sv.Service, ConnectionType: ct,
		ClientSeconds: c.Seconds, ServerSeconds: sv.Seconds,
		Failed:     c.Failed || sv.Failed,
		ClientDims: c.Dims, ServerDims: sv.Dims,
	}
}

// Expired is a half whose other half did not arrive within the ttl.
type Expired struct {
	Half   Half
	Client bool // the waiting half is a client span
}

// Expire removes every half whose deadline is at or before now, oldest first, and calls fn
// for each (fn may be nil). It returns how many expired.
func (s *Store) Expire(now time.Time, fn func(Expired)) int {
	n := 0
	for e := s.head; e != nil && !e.deadline.After(now); e = s.head {
		x := Expired{Half: e.server}
		if e.hasC {
			x = Expired{Half: e.client, Client: true}
		}
		s.remove(e)
		n++
		if fn != nil {
			fn(x)
		}
	}
	return n
}

// Drain removes every waiting half (shutdown), calling fn for each like Expire.
func (s *Store) Drain(fn func(Expired)) int {
	return s.Expire(time.Unix(1<<62, 0), fn)
}

func (s *Store) remove(e *entry) {
	delete(s.items, e.key)
	if e.prev == nil {
		s.head = e.next
	} else {
		e.prev.next = e.next
	}
	if e.next == nil {
		s.tail = e.prev
	} else {
		e.next.prev = e.prev
	}
	*e = entry{next: s.free}
	s.free = e
}

func (s *Store) alloc() *entry {
	if e := s.free; e != nil {
		s.free = e.next
		return e
	}
	return new(entry)
}
