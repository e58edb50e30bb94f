package graph

import (
	"strings"
	"time"
	"unicode/utf8"
)

// UserNode is the client of a request whose server span has no parent: the request came from
// outside the traced system (Tempo's and contrib's name for it).
const UserNode = "user"

// Kinds of recorded edges and outcomes of expired halves (self-metric attribute values).
const (
	KindPaired      = "paired"       // client and server span paired
	KindDatabase    = "database"     // a database client span, recorded at once
	KindVirtualUser = "virtual_user" // a server span without parent: user -> service
	KindVirtualPeer = "virtual_peer" // a client span never paired, named by its peer attribute

	SideClient = "client"
	SideServer = "server"

	ReasonStoreFull  = "store_full"  // store.max_items halves already waiting
	ReasonSeriesFull = "series_full" // the request's edge would be a new series past MaxSeries
)

// MaxValueBytes caps every name and dimension value the graph keeps (service, peer, database,
// dimension values): a longer value is cut to its first MaxValueBytes bytes (at a UTF-8
// boundary) and copied, so a waiting half or a series costs a bounded number of bytes
// whatever the spans carry. Real service and host names are far shorter (a DNS name is at
// most 253 bytes).
const MaxValueBytes = 256

// Clip returns s cut to at most MaxValueBytes bytes at a rune boundary. A cut value is a
// copy: keeping a slice would keep the whole original string alive.
func Clip(s string) string {
	if len(s) <= MaxValueBytes {
		return s // the common case, inlined
	}
	return clip(s)
}

func clip(s string) string {
	// Back to the start of the rune at the cut, at most UTFMax-1 bytes: further back the
	// bytes are not UTF-8 anyway and are cut as bytes.
	n := MaxValueBytes
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	if !utf8.RuneStart(s[n]) {
		n = MaxValueBytes
	}
	return strings.Clone(s[:n])
}

// Recorder receives what happens to spans (the connector turns it into self-metrics).
type Recorder interface {
	Recorded(kind string)  // one request recorded as an edge
	Unpaired(side string)  // a half expired without its pair and without a virtual node
	Dropped(reason string) // a half that could not be kept
	Replaced()             // a duplicate half replaced the one waiting
	SeriesExpired(n int)   // edge series forgotten after idling
	SeriesCreated()        // a new edge series
}

// Config of a Graph.
type Config struct {
	TTL       time.Duration // how long a half waits for its pair
	MaxItems  int           // waiting halves at most
	MaxSeries int           // edge series at most (0: unbounded); a request of a new series past it is dropped
	Bounds    []float64     // latency histogram bounds, seconds, ascending
	Dims      int           // number of configured dimensions
}

// Graph pairs halves and aggregates the resulting edges. It is not safe for concurrent use.
type Graph struct {
	store *Store
	agg   *Aggregator
	dims  int
	max   int
	rec   Recorder
}

// New returns a graph reporting to rec.
func New(c Config, rec Recorder) *Graph {
	return &Graph{store: NewStore(c.TTL, c.MaxItems), agg: NewAggregator(c.Bounds), dims: c.Dims, max: c.MaxSeries, rec: rec}
}

// Pending is the number of halves waiting for their pair.
func (g *Graph) Pending() int { return g.store.Len() }

// Series is the number of edge series.
func (g *Graph) Series() int { return g.agg.Len() }

func (g *Graph) record(e Edge, kind string, now time.Time) {
	switch g.agg.Record(e, g.dims, g.max, now) {
	case Created:
		g.rec.SeriesCreated()
	case Full:
		// Every span of the lost request is counted: both halves of a paired one.
		g.rec.Dropped(ReasonSeriesFull)
		if kind == KindPaired {
			g.rec.Dropped(ReasonSeriesFull)
		}
		return
	}
	g.rec.Recorded(kind)
}

// Client adds the client half of a request (a CLIENT or PRODUCER span) keyed by its own span id.
func (g *Graph) Client(k Key, h Half, now time.Time) {
	clipHalf(&h)
	g.add(g.store.AddClient(k, h, now))(now)
}

// Server adds the server half of a request (a SERVER or CONSUMER span) keyed by its parent
// span id. A server span without parent is a request from outside: user -> service, at once.
func (g *Graph) Server(k Key, h Half, now time.Time) {
	clipHalf(&h)
	if k.Span == ([8]byte{}) {
		c := Half{Service: UserNode, Seconds: h.Seconds, Messaging: h.Messaging}
		e := Pair(c, h)
		e.ConnectionType = ConnectionVirtualNode
		g.record(e, KindVirtualUser, now)
		return
	}
	g.add(g.store.AddServer(k, h, now))(now)
}

func (g *Graph) add(e Edge, o Outcome) func(time.Time) {
	return func(now time.Time) {
		switch o {
		case Paired:
			g.record(e, KindPaired, now)
		case Dropped:
			g.rec.Dropped(ReasonStoreFull)
		case Replaced:
			g.rec.Replaced()
		}
	}
}

// Database records a database client span at once (no server span will come): the server is
// the database's name, its latency the client's.
func (g *Graph) Database(h Half, server string, now time.Time) {
	clipHalf(&h)
	server = Clip(server)
	g.record(Edge{
		Client: h.Service, Server: server, ConnectionType: ConnectionDatabase,
		ClientSeconds: h.Seconds, ServerSeconds: h.Seconds, Failed: h.Failed,
		ClientDims: h.Dims,
	}, KindDatabase, now)
}

// Expire ends the wait of halves older than the ttl: a client half with a peer becomes an
// edge to a virtual node named for the peer (its latency stands for both sides); the others
// are counted as unpaired. It then forgets series idle since before idleCutoff.
func (g *Graph) Expire(now, idleCutoff time.Time) {
	g.store.Expire(now, func(x Expired) { g.expired(x, now) })
	if n := g.agg.ExpireIdle(idleCutoff); n > 0 {
		g.rec.SeriesExpired(n)
	}
}

// Drain expires every waiting half (shutdown).
func (g *Graph) Drain(now time.Time) {
	g.store.Drain(func(x Expired) { g.expired(x, now) })
}

func (g *Graph) expired(x Expired, now time.Time) {
	if x.Client && x.Half.Peer != "" {
		e := Pair(x.Half, Half{Service: x.Half.Peer, Seconds: x.Half.Seconds})
		e.ConnectionType = ConnectionVirtualNode
		g.record(e, KindVirtualPeer, now)
		return
	}
	side := SideServer
	if x.Client {
		side = SideClient
	}
	g.rec.Unpaired(side)
}

// clipHalf clips the names and dimension values of h (Clip); the dimension slice is copied
// only when a value is cut.
func clipHalf(h *Half) {
	h.Service, h.Peer = Clip(h.Service), Clip(h.Peer)
	for _, d := range h.Dims {
		if len(d) > MaxValueBytes {
			h.Dims = clipDims(h.Dims)
			return
		}
	}
}

func clipDims(v []string) []string {
	out := make([]string, len(v))
	for i, d := range v {
		out[i] = Clip(d)
	}
	return out
}

// Each calls fn for every edge series in a stable order; fn must not keep s.
func (g *Graph) Each(fn func(s *Series)) { g.agg.Each(fn) }

// Bounds returns the latency histogram bounds.
func (g *Graph) Bounds() []float64 { return g.agg.Bounds() }
