// Command dashbench measures how fast the generated dashboards load: it backfills days of
// synthetic but realistic series for every metric the dashboards and rules read (label sets
// and cardinality from the queries themselves, values with a daily cycle) into a Prometheus
// TSDB with `promtool tsdb create-blocks-from openmetrics`, backfills the recording rules with
// `promtool tsdb create-blocks-from rules` (in dependency order), starts Prometheus on
// loopback and runs every Prometheus query of every dashboard over 6 h, 24 h and 7 d the way
// Grafana would (step and $__rate_interval from the range, "All" for variables). It prints
// p50 / p95 / max query latency per dashboard and range as a Markdown table.
//
//	cd tools/monitoring && go run ./cmd/dashbench -promtool PATH -prometheus PATH
//
// test/monitoring-bench.sh fetches promtool and Prometheus 2.42 (Debian) and runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

func main() {
	promtool := flag.String("promtool", "", "path to promtool (required)")
	promBin := flag.String("prometheus", "", "path to the prometheus binary (required)")
	repo := flag.String("repo", filepath.Join("..", ".."), "repository root")
	work := flag.String("work", filepath.Join(os.TempDir(), fmt.Sprintf("dashbench-%d", os.Getuid())), "work directory (TSDB, logs)")
	days := flag.Int("days", 7, "days of data")
	stepFlag := flag.Duration("step", 60*time.Second, "sample interval of the synthetic data")
	reps := flag.Int("reps", 3, "runs of every query")
	maxSeries := flag.Int("max-series", 2000, "cap on series per metric (before histogram buckets)")
	reuse := flag.Bool("reuse", false, "reuse the TSDB of an earlier run in -work")
	settle := flag.Duration("settle", 20*time.Minute, "wait up to this long for Prometheus to compact the backfilled blocks before measuring (0: measure at once)")
	panelsFlag := flag.String("panels", "", `measure only the panels whose "<dashboard title> / <panel title>" matches this regular expression (data only for the series they and their recording rules read)`)
	flag.Parse()
	if *promtool == "" || *promBin == "" {
		fmt.Fprintln(os.Stderr, "dashbench: -promtool and -prometheus are required")
		os.Exit(2)
	}
	var only *regexp.Regexp
	if *panelsFlag != "" {
		re, err := regexp.Compile(*panelsFlag)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dashbench: -panels:", err)
			os.Exit(2)
		}
		only = re
	}
	if err := run(*promtool, *promBin, *repo, *work, *days, *stepFlag, *reps, *maxSeries, *reuse, *settle, only); err != nil {
		fmt.Fprintln(os.Stderr, "dashbench:", err)
		os.Exit(1)
	}
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "[dashbench %s] "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

func run(promtool, promBin, repo, work string, days int, step time.Duration, reps, maxSeries int, reuse bool, settle time.Duration, only *regexp.Regexp) error {
	cat, err := catalog.Load(filepath.Join(repo, "configs", "metrics", "catalog.yaml"))
	if err != nil {
		return err
	}
	series, err := cat.Series()
	if err != nil {
		return err
	}
	queries, panels, err := loadDashboards(filepath.Join(repo, "configs", "grafana", "dashboards"))
	if err != nil {
		return err
	}
	rules, err := loadRules(filepath.Join(repo, "configs", "prometheus", "rules"))
	if err != nil {
		return err
	}
	// The data's label sets always come from every query and rule; -panels narrows what is
	// generated, backfilled and measured.
	genSeries, measured, measuredPanels, backfilled := map[string]bool(nil), queries, panels, rules
	if only != nil {
		sel, err := selectPanels(only, queries, panels, rules, series)
		if err != nil {
			return err
		}
		genSeries, measured, measuredPanels, backfilled = sel.series, sel.queries, sel.panels, sel.rules
		logf("-panels: %d panels, %d queries, %d recording rules, %d series names", len(sel.panels), len(sel.queries), len(sel.rules), len(sel.series))
	}
	dataDir := filepath.Join(work, "data")
	marker := filepath.Join(work, "end")
	var end time.Time
	if b, err := os.ReadFile(marker); reuse && err == nil {
		if end, err = time.Parse(time.RFC3339, strings.TrimSpace(string(b))); err != nil {
			return err
		}
		logf("reusing %s (data ends %s)", dataDir, end)
	} else {
		_ = os.RemoveAll(work)
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return err
		}
		end = time.Now().Truncate(time.Hour)
		if err := generate(promtool, cat, series, queries, rules, genSeries, work, dataDir, end.Add(-time.Duration(days)*24*time.Hour), end, step, maxSeries); err != nil {
			return err
		}
	}
	cfg := filepath.Join(work, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1h\n"), 0o644); err != nil {
		return err
	}
	p := &prometheus{bin: promBin, dataDir: dataDir, cfg: cfg}
	defer p.stop()
	if err := p.start(); err != nil {
		return err
	}
	if _, err := os.Stat(marker); err != nil || !reuse {
		if err := backfillRules(promtool, p, backfilled, work, end.Add(-time.Duration(days)*24*time.Hour), end); err != nil {
			return err
		}
		if err := os.WriteFile(marker, []byte(end.Format(time.RFC3339)), 0o644); err != nil {
			return err
		}
	}
	if settle > 0 {
		waitCompaction(p.dataDir, settle)
	}
	return measure(p, measured, measuredPanels, end, reps, days, countBlocks(p.dataDir))
}

// countBlocks counts the TSDB block directories (ULIDs start with 01).
func countBlocks(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "01*"))
	return len(m)
}

// waitCompaction waits until Prometheus has merged the backfilled blocks: their count has not
// changed for three polls 30 s apart and no compaction is writing a block (a
// `<ulid>.tmp-for-creation` directory exists while one runs: a long merge of many overlapping
// blocks keeps the count still for minutes, and measuring then races the compaction), or the
// limit passes.
func waitCompaction(dir string, limit time.Duration) {
	start := time.Now()
	deadline := start.Add(limit)
	last, same, seen := -1, 0, false
	// Prometheus starts compacting a minute or two after it opens the TSDB: until one
	// compaction has been seen, a still count proves nothing (give it 5 minutes).
	for time.Now().Before(deadline) && (same < 3 || (!seen && time.Since(start) < 5*time.Minute)) {
		n := countBlocks(dir)
		tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp-for-creation"))
		if len(tmp) > 0 || (last >= 0 && n != last) {
			seen = true
		}
		if n == last && len(tmp) == 0 {
			same++
		} else {
			same = 0
		}
		last = n
		logf("waiting for compaction: %d blocks, %d being written", n, len(tmp))
		time.Sleep(30 * time.Second)
	}
	if time.Now().After(deadline) {
		logf("compaction still running after %s: measuring anyway", limit)
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

// generate writes the synthetic data: for every catalog series the queries and rules read
// (only those in onlySeries when it is not nil), with the labels all of them use.
func generate(promtool string, cat *catalog.Catalog, series map[string]*catalog.Series, queries []panelQuery, rules []ruleRef, onlySeries map[string]bool, work, dataDir string, start, end time.Time, step time.Duration, maxSeries int) error {
	var exprs []string
	for _, q := range queries {
		exprs = append(exprs, q.Expr)
	}
	for _, r := range rules {
		exprs = append(exprs, r.Rule.Expr)
	}
	used := usage(exprs, series)
	// One family per catalog metric (a histogram's three series names share it).
	type fam struct {
		m      *catalog.Metric
		base   string
		labels map[string]bool
	}
	fams := map[string]*fam{}
	for name, labels := range used {
		if onlySeries != nil && !onlySeries[name] {
			continue
		}
		s := series[name]
		base, err := cat.PromName(s.Metric)
		if err != nil {
			return err
		}
		f := fams[base]
		if f == nil {
			f = &fam{m: s.Metric, base: base, labels: map[string]bool{}}
			fams[base] = f
		}
		for l := range labels {
			f.labels[l] = true
		}
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	var gens []*family
	totalSeries := 0
	for _, n := range names {
		f := fams[n]
		g := newFamily(f.m, f.base, expandSeries(f.m.Source, f.base, f.labels, maxSeries))
		gens = append(gens, g)
		totalSeries += g.seriesCount()
		logf("%-60s %6d series", f.base, g.seriesCount())
	}
	total := 0
	const window = 2 * 3600
	stepS := int64(step.Seconds())
	for from := start.Unix() - start.Unix()%window; from < end.Unix(); from += window {
		lo, hi := max(from, start.Unix()), min(from+window, end.Unix())
		path := filepath.Join(work, "window.om")
		n, err := writeWindowFile(path, gens, lo, hi, stepS)
		if err != nil {
			return err
		}
		if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", path, dataDir).CombinedOutput(); err != nil {
			return fmt.Errorf("promtool on window %d: %v: %s", from, err, out)
		}
		total += n
		if (from/window)%12 == 0 {
			logf("backfilled up to %s (%d samples so far)", time.Unix(hi, 0).UTC().Format(time.RFC3339), total)
		}
	}
	_ = os.Remove(filepath.Join(work, "window.om"))
	logf("generated %d metrics, %d series, %d samples over %s", len(gens), totalSeries, total, end.Sub(start))
	return nil
}

// backfillRules evaluates the recording rules over the data in dependency order: a rule
// reading another recording is backfilled after it, once Prometheus serves the first one.
func backfillRules(promtool string, p *prometheus, rules []ruleRef, work string, start, end time.Time) error {
	recs := map[string][]int{}
	for i, r := range rules {
		if r.Rule.Record != "" {
			recs[r.Rule.Record] = append(recs[r.Rule.Record], i)
		}
	}
	level := map[int]int{}
	var lvl func(i int) int
	lvl = func(i int) int {
		if l, ok := level[i]; ok {
			return l
		}
		level[i] = 1
		e, err := promParser.ParseExpr(rules[i].Rule.Expr)
		if err != nil {
			return 1
		}
		l := 1
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				for _, j := range recs[vs.Name] {
					if d := lvl(j) + 1; d > l {
						l = d
					}
				}
			}
			return nil
		})
		level[i] = l
		return l
	}
	maxL := 0
	for _, idx := range recs {
		for _, i := range idx {
			if l := lvl(i); l > maxL {
				maxL = l
			}
		}
	}
	for l := 1; l <= maxL; l++ {
		type group struct {
			Name     string           `yaml:"name"`
			Interval string           `yaml:"interval,omitempty"`
			Rules    []map[string]any `yaml:"rules"`
		}
		var groups []*group
		byName := map[string]*group{}
		for i, r := range rules {
			if r.Rule.Record == "" || level[i] != l {
				continue
			}
			g := byName[r.Group]
			if g == nil {
				g = &group{Name: r.Group}
				if r.Interval != 0 {
					g.Interval = r.Interval.String()
				}
				byName[r.Group] = g
				groups = append(groups, g)
			}
			rule := map[string]any{"record": r.Rule.Record, "expr": r.Rule.Expr}
			if len(r.Rule.Labels) > 0 {
				rule["labels"] = r.Rule.Labels
			}
			g.Rules = append(g.Rules, rule)
		}
		b, err := yaml.Marshal(map[string]any{"groups": groups})
		if err != nil {
			return err
		}
		file := filepath.Join(work, fmt.Sprintf("rules-level%d.yaml", l))
		if err := os.WriteFile(file, b, 0o644); err != nil {
			return err
		}
		out := filepath.Join(work, fmt.Sprintf("rules-level%d-blocks", l))
		t0 := time.Now()
		cmd := exec.Command(promtool, "tsdb", "create-blocks-from", "rules", "-q",
			"--url="+p.url(), "--start="+fmt.Sprint(start.Unix()), "--end="+fmt.Sprint(end.Unix()),
			"--output-dir="+out, file)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("backfill level %d: %v: %s", l, err, b)
		}
		blocks, _ := filepath.Glob(filepath.Join(out, "*"))
		for _, bl := range blocks {
			if err := os.Rename(bl, filepath.Join(p.dataDir, filepath.Base(bl))); err != nil {
				return err
			}
		}
		logf("recording rules level %d: %d rules, %d blocks, %s", l, countRules(groups), len(blocks), time.Since(t0).Round(time.Second))
		p.stop()
		if err := p.start(); err != nil {
			return err
		}
	}
	return nil
}

func countRules[T any](gs []*T) int {
	b, _ := yaml.Marshal(gs)
	return strings.Count(string(b), "record:")
}

// grafanaStep mimics Grafana: interval = range / ~1000 points, at least the datasource's
// timeInterval (60 s), rounded up to a nice value; $__rate_interval = max(4 x 60 s,
// interval + 60 s).
func grafanaStep(rng time.Duration) (step, rate time.Duration) {
	raw := rng / 1000
	nice := []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}
	step = nice[len(nice)-1]
	for _, n := range nice {
		if n >= raw {
			step = n
			break
		}
	}
	rate = step + time.Minute
	if rate < 4*time.Minute {
		rate = 4 * time.Minute
	}
	return step, rate
}

func promDur(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func measure(p *prometheus, queries []panelQuery, panels []panelRef, end time.Time, reps, days, blocks int) error {
	load0 := loadavg()
	ranges := []time.Duration{6 * time.Hour, 24 * time.Hour, time.Duration(days) * 24 * time.Hour}
	type key struct {
		board string
		rng   time.Duration
	}
	lat := map[key][]time.Duration{}
	// per panel and range: the slowest of its queries (Grafana runs them concurrently)
	type pkey struct {
		board, panel string
		rng          time.Duration
	}
	panelLat := map[pkey]time.Duration{}
	slowest := map[key]string{}
	empty, failed := 0, 0
	boards := []string{}
	seen := map[string]bool{}
	for _, q := range queries {
		if !seen[q.Board] {
			seen[q.Board] = true
			boards = append(boards, q.Board)
		}
	}
	for _, rng := range ranges {
		step, rate := grafanaStep(rng)
		for _, q := range queries {
			expr := expand(q.Expr, promDur(step), promDur(rate), promDur(rng))
			var best []time.Duration
			var n int
			var err error
			for r := 0; r < reps; r++ {
				var d time.Duration
				if q.Instant {
					d, n, err = p.query(expr, end, rng, 0)
				} else {
					d, n, err = p.query(expr, end, rng, step)
				}
				if err != nil {
					break
				}
				best = append(best, d)
			}
			if err != nil {
				failed++
				logf("FAIL %s / %s / %s over %s: %v", q.Board, q.Panel, q.Ref, rng, err)
				continue
			}
			if n == 0 && rng == ranges[0] {
				empty++
				logf("no data: %s / %s / %s: %s", q.Board, q.Panel, q.Ref, expr)
			}
			sort.Slice(best, func(i, j int) bool { return best[i] < best[j] })
			med := best[len(best)/2]
			k := key{q.Board, rng}
			lat[k] = append(lat[k], med)
			if pk := (pkey{q.Board, q.Panel, rng}); med > panelLat[pk] {
				panelLat[pk] = med
			}
			if len(lat[k]) == 1 || med >= maxDur(lat[k]) {
				slowest[k] = fmt.Sprintf("%s (%s)", q.Panel, med.Round(time.Millisecond))
			}
		}
	}
	host, _ := os.Hostname()
	fmt.Printf("Machine: %s, %d CPUs, %s; load average %s before, %s after (shared machine). Data: %d days ending %s, %d TSDB blocks. %d panel queries, %d runs each (median taken); %d failed, %d returned no series at 6 h.\n\n",
		host, runtime.NumCPU(), runtime.Version(), load0, loadavg(), days, end.Format(time.RFC3339), blocks, len(queries), reps, failed, empty)
	fmt.Println("| dashboard | range | queries | p50 | p95 | max | slowest panel |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, b := range boards {
		for _, rng := range ranges {
			ds := lat[key{b, rng}]
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			if len(ds) == 0 {
				continue
			}
			fmt.Printf("| %s | %s | %d | %s | %s | %s | %s |\n", b, promDur(rng), len(ds), ms(pct(ds, 0.5)), ms(pct(ds, 0.95)), ms(ds[len(ds)-1]), slowest[key{b, rng}])
		}
	}
	// Every panel, Prometheus or not: the slowest of its queries per range.
	fmt.Printf("\n| dashboard | panel | %s | %s | %s |\n|---|---|---|---|---|\n", promDur(ranges[0]), promDur(ranges[1]), promDur(ranges[2]))
	over, measured := 0, 0
	for _, pr := range panels {
		if !slices.Contains(pr.Kinds, "prometheus") {
			fmt.Printf("| %s | %s | not measured: %s | | |\n", pr.Board, pr.Panel, strings.Join(pr.Kinds, ", "))
			continue
		}
		measured++
		cells := make([]string, len(ranges))
		for i, rng := range ranges {
			d, ok := panelLat[pkey{pr.Board, pr.Panel, rng}]
			switch {
			case !ok:
				cells[i] = "failed"
			case d >= time.Second:
				over++
				cells[i] = "**" + ms(d) + "**"
			default:
				cells[i] = ms(d)
			}
		}
		fmt.Printf("| %s | %s | %s |\n", pr.Board, pr.Panel, strings.Join(cells, " | "))
	}
	fmt.Printf("\n%d panels, %d with Prometheus queries measured; %d panel/range cells at or over 1 s.\n", len(panels), measured, over)
	if failed > 0 {
		return fmt.Errorf("%d queries failed", failed)
	}
	return nil
}

func maxDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		if d > m {
			m = d
		}
	}
	return m
}

func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
