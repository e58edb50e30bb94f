package detector

import (
	"math"
	"math/bits"
	"slices"
)

// This file is a contextual sequence memory after the Contextual Anomaly
// Detector (CAD, open-source edition, M. Smirnov 2016, as run in NAB as
// "contextOSE"), re-implemented from its published description.
//
// Each point is quantised into 2^cadBits bins; the bin number's bits become
// "sensor facts" (fact 2·i+b for bit i of value b). A context is a pair
// (left facts, right facts): the left part is what was active at the
// previous step (its sensor facts and the ids of the contexts that fired,
// the "neurons"), the right part the sensor facts of the step that followed.
// Contexts are stored as pairs of shared semi-contexts. At every step:
//
//   - the zero-level context (previous left facts, current sensor facts) is
//     looked up and stored if new;
//   - every context whose left part matched completely at the previous step
//     is "selected"; it is "active" if its right part matches the current
//     sensor facts completely; the partial intersections of selected or
//     zero-level contexts with the input become candidate new contexts;
//   - the most often activated contexts (at most cadNeurons) become the
//     neurons that join the next left facts, so longer sequences are
//     remembered through chains of contexts;
//   - the contexts whose left part matches the new left facts and whose
//     right part predicted best so far predict the next sensor facts.
//
// The raw score is (1 − active/selected + new/candidates)/2 when the
// prediction missed a sensor fact, else 0.

const (
	cadBits        = 3
	cadSensorFacts = 2 * cadBits
	cadMaxLeft     = 7  // longest left intersection that may become a new context
	cadNeurons     = 15 // most active contexts kept as neurons
)

// leftSemi is a left semi-context: a set of sensor facts (bit mask) and
// neuron ids (sorted).
type leftSemi struct {
	sens   uint8
	neur   []int32
	size   int32
	ov     int32     // facts shared with the left facts of the last crossing
	rights []int32   // contexts with this left part, in creation order
	byR    [64]int32 // right mask -> context id + 1 (0: none)
	hash   uint64
}

type context struct {
	left           int32
	right          uint8 // right sensor facts (mask)
	zero           bool  // seen as a zero-level context
	sel, pred, act int32
	lhash, rhash   uint64
}

type cadMemory struct {
	lefts    []leftSemi
	leftKey  map[string]int32
	sensIdx  [cadSensorFacts][]int32 // sensor fact -> left semi-contexts holding it
	neurIdx  [][]int32               // context id -> left semi-contexts holding it as a neuron
	ctxs     []context
	newCtx   int32 // context created as zero-level this step; 0 also means none (see update)
	crossed  []int32
	prevSens uint8
	prevNeur []int32
	havePrev bool
	freezeAt int // stop storing contexts at this many (0: never)

	// scratch
	key    []byte
	cand   []candidate
	uniq   map[string]struct{}
	active []int32
	nbuf   []int32
}

type candidate struct {
	sens  uint8
	neur  []int32
	right uint8
}

func (m *cadMemory) full() bool { return m.freezeAt > 0 && len(m.ctxs) >= m.freezeAt }

func newCADMemory() *cadMemory {
	return &cadMemory{leftKey: map[string]int32{}, uniq: map[string]struct{}{}}
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func (m *cadMemory) leftKeyOf(sens uint8, neur []int32) []byte {
	k := append(m.key[:0], sens)
	for _, n := range neur {
		k = append(k, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	m.key = k
	return k
}

// context returns the id of context (sens,neur → right), storing it if new.
func (m *cadMemory) context(sens uint8, neur []int32, right uint8, zero bool) (id int32, created bool) {
	k := m.leftKeyOf(sens, neur)
	li, ok := m.leftKey[string(k)]
	if !ok && m.full() {
		return -1, true
	}
	if !ok {
		li = int32(len(m.lefts))
		m.leftKey[string(k)] = li
		nn := slices.Clone(neur)
		m.lefts = append(m.lefts, leftSemi{sens: sens, neur: nn, size: int32(bits.OnesCount8(sens) + len(nn)), hash: fnv(k)})
		for f := 0; f < cadSensorFacts; f++ {
			if sens&(1<<f) != 0 {
				m.sensIdx[f] = append(m.sensIdx[f], li)
			}
		}
		for _, n := range nn {
			m.neurIdx[n] = append(m.neurIdx[n], li)
		}
	}
	l := &m.lefts[li]
	if c := l.byR[right]; c != 0 {
		id = c - 1
		if zero {
			m.ctxs[id].zero = true
		}
		return id, false
	}
	if m.full() {
		return -1, true
	}
	id = int32(len(m.ctxs))
	l.byR[right] = id + 1
	l.rights = append(l.rights, id)
	m.ctxs = append(m.ctxs, context{left: li, right: right, zero: zero, lhash: l.hash, rhash: fnv([]byte{right, 0xff})})
	m.neurIdx = append(m.neurIdx, nil)
	return id, true
}

// intersectNeur returns the neurons of l also in the previous left facts.
func (m *cadMemory) intersectNeur(l *leftSemi) []int32 {
	out := m.nbuf[:0]
	i, j := 0, 0
	for i < len(l.neur) && j < len(m.prevNeur) {
		switch {
		case l.neur[i] < m.prevNeur[j]:
			i++
		case l.neur[i] > m.prevNeur[j]:
			j++
		default:
			out = append(out, l.neur[i])
			i++
			j++
		}
	}
	m.nbuf = out
	return out
}

func (m *cadMemory) addCandidate(l *leftSemi, right uint8) {
	ln := m.intersectNeur(l)
	m.cand = append(m.cand, candidate{sens: l.sens & m.prevSens, neur: slices.Clone(ln), right: right})
}

func (m *cadMemory) candKey(sens uint8, neur []int32, right uint8) string {
	k := m.leftKeyOf(sens, neur)
	return string(append(k, right|0x80))
}

// step learns the current sensor facts and returns the predicted sensor facts
// for the next step and the raw anomaly components.
func (m *cadMemory) step(sens uint8) (pred uint8, activeFrac, newFrac float64) {
	clear(m.uniq)
	m.cand = m.cand[:0]
	newFlag := false
	if m.havePrev {
		m.uniq[m.candKey(m.prevSens, m.prevNeur, sens)] = struct{}{}
		id, created := m.context(m.prevSens, m.prevNeur, sens, true)
		if created {
			newFlag = true
			m.newCtx = id
		}
	}

	// Update the contexts selected by the previous left facts.
	m.active = m.active[:0]
	selected := 0
	for _, li := range m.crossed {
		l := &m.lefts[li]
		full := l.ov == l.size
		for _, ci := range l.rights {
			// Context 0 is skipped unless a zero-level context was just
			// created (as in the reference, where "no new context" is 0).
			if ci == m.newCtx {
				continue
			}
			c := &m.ctxs[ci]
			rov := int32(bits.OnesCount8(c.right & sens))
			if full {
				selected++
				c.sel += int32(bits.OnesCount8(c.right))
				if rov > 0 {
					c.pred += rov
					if rov == int32(bits.OnesCount8(c.right)) {
						c.act++
						m.active = append(m.active, ci)
					} else if c.zero && newFlag && l.ov <= cadMaxLeft {
						m.addCandidate(l, c.right&sens)
					}
				}
			} else if c.zero && newFlag && rov > 0 && l.ov <= cadMaxLeft {
				m.addCandidate(l, c.right&sens)
			}
		}
	}
	m.newCtx = 0
	for _, c := range m.cand {
		m.uniq[m.candKey(c.sens, c.neur, c.right)] = struct{}{}
	}
	if selected > 0 {
		activeFrac = float64(len(m.active)) / float64(selected)
	}

	// Neurons: the most activated contexts (ties by hashes, as the reference).
	slices.SortFunc(m.active, func(a, b int32) int {
		ca, cb := &m.ctxs[a], &m.ctxs[b]
		if ca.act != cb.act {
			return int(ca.act - cb.act)
		}
		if ca.lhash != cb.lhash {
			if ca.lhash < cb.lhash {
				return -1
			}
			return 1
		}
		if ca.rhash < cb.rhash {
			return -1
		} else if ca.rhash > cb.rhash {
			return 1
		}
		return 0
	})
	neur := m.active
	if len(neur) > cadNeurons {
		neur = neur[len(neur)-cadNeurons:]
	}
	m.prevNeur = append(m.prevNeur[:0], neur...)
	slices.Sort(m.prevNeur)
	m.prevSens = sens
	m.havePrev = true

	// Store the candidates, then cross the new left facts.
	added := 0
	for _, c := range m.cand {
		if _, created := m.context(c.sens, c.neur, c.right, false); created {
			added++
		}
	}
	if newFlag {
		added++
		if len(m.uniq) > 0 {
			newFrac = float64(added) / float64(len(m.uniq))
		}
	}

	for _, li := range m.crossed {
		m.lefts[li].ov = 0
	}
	m.crossed = m.crossed[:0]
	touch := func(li int32) {
		l := &m.lefts[li]
		if l.ov == 0 {
			m.crossed = append(m.crossed, li)
		}
		l.ov++
	}
	for f := 0; f < cadSensorFacts; f++ {
		if sens&(1<<f) != 0 {
			for _, li := range m.sensIdx[f] {
				touch(li)
			}
		}
	}
	for _, n := range m.prevNeur {
		for _, li := range m.neurIdx[n] {
			touch(li)
		}
	}
	// Reference order: crossed semi-contexts in creation order.
	slices.Sort(m.crossed)
	best := 0.0
	var predCtx []int32
	for _, li := range m.crossed {
		l := &m.lefts[li]
		if l.ov != l.size {
			continue
		}
		for _, ci := range l.rights {
			c := &m.ctxs[ci]
			w := 0.0
			if c.sel > 0 {
				w = float64(c.pred) / float64(c.sel)
			}
			if w > best {
				best = w
				predCtx = predCtx[:0]
				predCtx = append(predCtx, ci)
			} else if w == best {
				predCtx = append(predCtx, ci)
			}
		}
	}
	for _, ci := range predCtx {
		pred |= m.ctxs[ci].right
	}
	return pred, activeFrac, newFrac
}

// CAD scores a stream with the contextual memory. Values are quantised in
// [Min, Max]; see the fields.
type CAD struct {
	Min, Max  float64
	Rest      int     // points after a raw score ≥ Threshold during which 0 is returned
	Threshold float64 // baseThreshold
	mem       *cadMemory
	pred      uint8
	n         int
	lastHigh  int
}

// NewCAD returns a CAD with a fixed value range (the reference's file min/max).
func NewCAD(min, max float64, rest int) *CAD {
	return &CAD{Min: min, Max: max, Rest: rest, Threshold: 0.75, mem: newCADMemory()}
}

// Bin quantises v into [0, 2^cadBits-1] over [Min, Max].
func (c *CAD) bin(v float64) int {
	maxBin := float64(int(1)<<cadBits - 1)
	rng := c.Max - c.Min
	if rng == 0 {
		rng = maxBin
	}
	b := int((v - c.Min) / (rng / maxBin))
	if b < 0 {
		b = 0
	}
	if b > int(maxBin) {
		b = int(maxBin)
	}
	return b
}

// sensorFacts encodes bin b: fact 2i+bit_i for each bit.
func sensorFacts(b int) uint8 {
	var s uint8
	for i := 0; i < cadBits; i++ {
		s |= 1 << (2*i + (b>>i)&1)
	}
	return s
}

// Raw returns the raw score of v (before the rest period) and learns it.
func (c *CAD) Raw(v float64) float64 {
	sens := sensorFacts(c.bin(v))
	miss := sens &^ c.pred
	var pred uint8
	var a1, a2 float64
	pred, a1, a2 = c.mem.step(sens)
	c.pred = pred
	if miss == 0 {
		return 0
	}
	return (1 - a1 + a2) / 2
}

// Score returns the reference's output: the raw score, or 0 within Rest
// points of a raw score ≥ Threshold (and during the first Rest points).
func (c *CAD) Score(v float64) float64 {
	raw := c.Raw(v)
	// History position of this raw score is n+1; the initial 1.0 is at 0.
	out := raw
	if c.lastHigh > c.n-c.Rest {
		out = 0
	}
	c.n++
	if raw >= c.Threshold {
		c.lastHigh = c.n
	}
	return out
}

// CausalCADConfig tunes the causal wrapper (experiment).
type CausalCADConfig struct {
	Warm   int     // points whose range is learned before the memory starts
	Margin float64 // fraction of the range added beyond a new extreme
	Reset  bool    // clear the memory when the range widens
	Quiet  int     // points after a reset with output 0
	Rest   int
	Freeze int // stop storing new contexts at this many (novelty is still counted)
	MaxCtx int // contexts per memory; 0: unbounded. A shadow memory starts at MaxCtx/2 and replaces the primary at MaxCtx
}

// CausalCAD learns the value range as it goes.
type CausalCAD struct {
	cfg    CausalCADConfig
	c      *CAD
	shadow *CAD
	n      int
	lo, hi float64
	quiet  int
	Resets int
}

func NewCausalCAD(cfg CausalCADConfig) *CausalCAD {
	return &CausalCAD{cfg: cfg, lo: math.Inf(1), hi: math.Inf(-1)}
}

func (d *CausalCAD) Score(v float64) float64 {
	d.n++
	if d.n <= d.cfg.Warm {
		d.lo, d.hi = min(d.lo, v), max(d.hi, v)
		return 0
	}
	if d.c == nil {
		r := d.hi - d.lo
		d.c = NewCAD(d.lo-d.cfg.Margin*r, d.hi+d.cfg.Margin*r, d.cfg.Rest)
		d.c.mem.freezeAt = d.cfg.Freeze
	}
	if v < d.c.Min || v > d.c.Max {
		lo, hi := min(d.c.Min, v), max(d.c.Max, v)
		r := hi - lo
		if v < d.c.Min {
			lo -= d.cfg.Margin * r
		} else {
			hi += d.cfg.Margin * r
		}
		if d.cfg.Reset {
			rest := d.c.Rest
			d.c = NewCAD(lo, hi, rest)
			d.c.mem.freezeAt = d.cfg.Freeze
			d.quiet = d.cfg.Quiet
			d.Resets++
		} else {
			d.c.Min, d.c.Max = lo, hi
			if d.shadow != nil {
				d.shadow.Min, d.shadow.Max = lo, hi
			}
		}
	}
	s := d.c.Score(v)
	if d.shadow != nil {
		d.shadow.Score(v)
	}
	if m := d.cfg.MaxCtx; m > 0 {
		if d.shadow == nil && len(d.c.mem.ctxs) >= m/2 {
			d.shadow = NewCAD(d.c.Min, d.c.Max, d.c.Rest)
		}
		if len(d.c.mem.ctxs) >= m {
			d.c, d.shadow = d.shadow, nil
		}
	}
	if d.quiet > 0 {
		d.quiet--
		return 0
	}
	return s
}
