package graph

import "time"

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

	ReasonStoreFull = "store_full"
)

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
	TTL      time.Duration // how long a half waits for its pair
	MaxItems int           // waiting halves at most
	Bounds   []float64     // latency histogram bounds, seconds, ascending
	Dims     int           // number of configured dimensions
}

// Graph pairs halves and aggregates the resulting edges. It is not safe for concurrent use.
type Graph struct {
	store *Store
	agg   *Aggregator
	dims  int
	rec   Recorder
}

// New returns a graph reporting to rec.
func New(c Config, rec Recorder) *Graph {
	return &Graph{store: NewStore(c.TTL, c.MaxItems), agg: NewAggregator(c.Bounds), dims: c.Dims, rec: rec}
}

// Pending is the number of halves waiting for their pair.
func (g *Graph) Pending() int { return g.store.Len() }

// Series is the number of edge series.
func (g *Graph) Series() int { return g.agg.Len() }

func (g *Graph) record(e Edge, kind string, now time.Time) {
	if g.agg.Record(e, g.dims, now) {
		g.rec.SeriesCreated()
	}
	g.rec.Recorded(kind)
}

// Client adds the client half of a request (a CLIENT or PRODUCER span) keyed by its own span id.
func (g *Graph) Client(k Key, h Half, now time.Time) {
	g.add(g.store.AddClient(k, h, now))(now)
}

// Server adds the server half of a request (a SERVER or CONSUMER span) keyed by its parent
// span id. A server span without parent is a request from outside: user -> service, at once.
func (g *Graph) Server(k Key, h Half, now time.Time) {
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

// Each calls fn for every edge series in a stable order; fn must not keep s.
func (g *Graph) Each(fn func(s *Series)) { g.agg.Each(fn) }

// Bounds returns the latency histogram bounds.
func (g *Graph) Bounds() []float64 { return g.agg.Bounds() }
