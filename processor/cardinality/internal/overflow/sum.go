// Package overflow merges the points of series over their limit into one overflow point per
// (kept resource attributes, scope, metric). Delta points merge statelessly within a batch;
// cumulative points are turned into deltas per overflowed stream (last value, start time,
// reset detection) and accumulated into a cumulative total. It knows nothing of pdata.
package overflow

// Num is a number data point value: an int64 or a float64.
type Num struct {
	Int   int64
	Float float64
	// IsFloat says Float holds the value (else Int).
	IsFloat bool
}

// IntNum and FloatNum build values.
func IntNum(v int64) Num     { return Num{Int: v} }
func FloatNum(v float64) Num { return Num{Float: v, IsFloat: true} }

// SumAgg adds number values. Ints add exactly as int64; once a float arrives the result is a
// float (the int part is added last, so an int-only stream stays exact).
type SumAgg struct {
	Int      int64
	Float    float64
	HasFloat bool
	Start    uint64 // earliest start timestamp (0 = unknown)
	Time     uint64 // latest timestamp
	N        int    // points merged
}

// Add merges one delta point.
func (a *SumAgg) Add(v Num, start, ts uint64) {
	if v.IsFloat {
		a.Float += v.Float
		a.HasFloat = true
	} else {
		a.Int += v.Int
	}
	a.span(start, ts)
}

func (a *SumAgg) span(start, ts uint64) {
	if a.N == 0 || (start != 0 && (a.Start == 0 || start < a.Start)) {
		a.Start = start
	}
	if ts > a.Time {
		a.Time = ts
	}
	a.N++
}

// Value is the merged value.
func (a *SumAgg) Value() Num {
	if a.HasFloat {
		return FloatNum(a.Float + float64(a.Int))
	}
	return IntNum(a.Int)
}

// GaugeLast keeps the gauge point with the latest timestamp (last_value for gauges).
type GaugeLast struct {
	V    Num
	Time uint64
	N    int
}

// Add offers one point; later timestamps win, ties keep the later arrival.
func (g *GaugeLast) Add(v Num, ts uint64) {
	if g.N == 0 || ts >= g.Time {
		g.V, g.Time = v, ts
	}
	g.N++
}

// sub returns cur-last for a cumulative stream, or cur itself when the stream reset.
func sub(cur, last Num, monotonic, startChanged bool) (Num, bool) {
	if startChanged || cur.IsFloat != last.IsFloat {
		return cur, true
	}
	if cur.IsFloat {
		if monotonic && cur.Float < last.Float {
			return cur, true
		}
		return FloatNum(cur.Float - last.Float), false
	}
	if monotonic && cur.Int < last.Int {
		return cur, true
	}
	return IntNum(cur.Int - last.Int), false
}
