package scan

// Work accounting. Every loop of the scanner reports how many bytes it examined, so that the
// linearity tests and the worst-case fuzz targets can check the bound below without timing
// anything. Production code never turns counting on: the cost is one predictable branch per
// detector call (the main loop counts in a local variable).
//
// The bound: Scan examines at most MaxWorkPerByte*len(s) + MaxWorkConst bytes in total, over
// all built-in detectors (user patterns and allow_values run in Go's regexp, which is linear
// in the input by construction, and are not counted). It holds because:
//   - the main loop visits every byte once, and a word once more to find its end;
//   - every detector behind a gate looks at a bounded window around the gate (the windows are
//     stated in each detector's file) or, when it scans an unbounded run (a JWT segment, a
//     URL query value, a PEM block, an e-mail domain, a URL authority), the run cannot be
//     scanned again from another gate: either the match is reported and the main loop jumps
//     past it, or the run ends at the next possible gate of the same detector (an e-mail
//     domain stops at the next '@', a URL authority at the next "://", a JWT starts only at
//     the start of a base64url run).
//
// The constant is set from the measured worst cases (TestScanWorkIsLinear prints them) with
// some headroom; a change that makes a detector superlinear fails those tests at any constant.
const (
	MaxWorkPerByte = 64
	MaxWorkConst   = 4096
)

var (
	workCounting bool // set only by tests in this package
	workSteps    int
)

// work adds n examined bytes to the counter when counting is on.
func work(n int) {
	if workCounting {
		workSteps += n
	}
}

// countWork runs f with work counting on and returns the bytes examined. Tests only: it is not
// safe to call concurrently with any other Scan.
func countWork(f func()) int {
	workCounting, workSteps = true, 0
	f()
	n := workSteps
	workCounting, workSteps = false, 0
	return n
}
