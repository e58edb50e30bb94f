// Command loadtest runs the built collector under telemetrygen load, scenario by scenario in
// one run, and prints a side-by-side table: items delivered per second, CPU cores used by
// the collector process, items per CPU-second and peak RSS (both read from /proc/<pid>).
//
// Scenarios (each a config derived from the shipped ones, OTLP in, OTLP out to this
// program's counting sink, so only the processors differ):
//
//	baseline   configs/agent.yaml's pipeline without piiredact
//	piiredact  configs/agent.yaml's pipeline (memory_limiter, piiredact, resource/node, batch)
//	redaction  the same with the stock redaction processor as configured in
//	           configs/examples/agent-stock.yaml (redaction/logs for logs)
//	gateway    tier 2 of configs/gateway.yaml: tail_sampling + span_metrics for traces,
//	           cardinality + anomaly for metrics
//
// Each scenario runs traces, metrics and logs at a fixed rate and at saturation
// (telemetrygen unthrottled). With -profile DIR it also takes a CPU profile of the collector
// during the saturation runs of piiredact and gateway and prints where the time goes.
//
//	make loadtest     (go run ./tools/loadtest -otelcol _build/otelcol-fraiseql -telemetrygen ...)
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc"
)

var (
	otelcol      = flag.String("otelcol", "_build/otelcol-fraiseql", "the collector binary")
	telemetrygen = flag.String("telemetrygen", "", "the telemetrygen binary (go tool -C internal/tools -n telemetrygen)")
	repo         = flag.String("repo", ".", "repository root (configs/)")
	duration     = flag.Duration("duration", 12*time.Second, "load duration per run; the first 3 s are not measured")
	rate         = flag.Int("rate", 10000, "items per second of the fixed-rate runs")
	workers      = flag.Int("workers", 8, "telemetrygen workers")
	only         = flag.String("scenarios", "baseline,piiredact,redaction,gateway", "scenarios to run")
	signals      = flag.String("signals", "traces,metrics,logs", "signals to run")
	profileDir   = flag.String("profile", "", "directory for CPU profiles of the saturation runs of piiredact and gateway")
	summarizeOne = flag.String("summarize", "", "only print the summary of this CPU profile")
)

// PII-bearing content for every span, data point and log record: an e-mail address, a
// client IP and a URL with an access token (telemetrygen sets them as item attributes).
var piiAttrs = []string{
	`user.email="alice.smith@example.com"`,
	`client.address="203.0.113.42"`,
	`url.full="https://api.example.com/graphql?access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpM"`,
}

func main() {
	flag.Parse()
	if *summarizeOne != "" {
		summarize(*summarizeOne)
		return
	}
	if *telemetrygen == "" {
		fatal(errors.New("-telemetrygen is required (go tool -C internal/tools -n telemetrygen)"))
	}
	sink, err := startSink()
	if err != nil {
		fatal(err)
	}
	fmt.Printf("# load testbed: %s, %d CPUs, %s per run (first 3 s not measured), fixed rate %d items/s, %d telemetrygen workers\n\n",
		runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), *duration, *rate, *workers)
	fmt.Println("| scenario | signal | load | accepted items/s | collector CPU (cores) | items per CPU-second | cores at 10,000/s | peak RSS MiB |")
	fmt.Println("|---|---|---|---:|---:|---:|---:|---:|")
	var profiles []string
	for _, sc := range strings.Split(*only, ",") {
		for _, sig := range strings.Split(*signals, ",") {
			if sc == "gateway" && sig == "logs" {
				continue // tier-2 logs only batch; the baseline row stands for them
			}
			for _, load := range []int{*rate, 0} {
				prof := ""
				if *profileDir != "" && load == 0 && (sc == "piiredact" || sc == "gateway") {
					prof = filepath.Join(*profileDir, sc+"-"+sig+".pprof")
				}
				res, err := run(sink, sc, sig, load, prof)
				loadName := fmt.Sprintf("%d/s", load)
				if load == 0 {
					loadName = "saturation"
				}
				if err != nil {
					fmt.Printf("| %s | %s | %s | error: %v | | | | |\n", sc, sig, loadName, strings.ReplaceAll(err.Error(), "\n", " "))
					continue
				}
				fmt.Printf("| %s | %s | %s | %.0f | %.3f | %.0f | %.3f | %.0f |\n", sc, sig, loadName,
					res.itemsPerSec, res.cores, res.perCPUSecond, 10000/res.perCPUSecond, res.peakRSSMiB)
				if prof != "" {
					profiles = append(profiles, prof)
				}
			}
		}
	}
	for _, p := range profiles {
		summarize(p)
	}
}

// Where the collector's CPU time goes: for each part of the pipeline, the largest
// cumulative share of any function of it (its entry point), from `go tool pprof -top -cum`.
var parts = []struct{ name, match string }{
	{"OTLP receiver (gRPC, decode)", "otlpreceiver"},
	{"memory_limiter", "memorylimiter"},
	{"piiredact", "processor/piiredact"},
	{"redaction (stock)", "redactionprocessor"},
	{"resource/node", "resourceprocessor"},
	{"tail_sampling", "tailsamplingprocessor"},
	{"span_metrics", "spanmetricsconnector"},
	{"cardinality", "processor/cardinality"},
	{"anomaly", "processor/anomaly"},
	{"batch", "batchprocessor"},
	{"OTLP exporter (encode, send)", "otlpexporter"},
	{"Go GC (background mark)", "runtime.gcBgMarkWorker"},
}

func summarize(path string) {
	fmt.Printf("\n### CPU profile: %s\n\n", strings.TrimSuffix(filepath.Base(path), ".pprof"))
	out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=400", path).CombinedOutput()
	if err != nil {
		fmt.Printf("pprof: %v\n%s\n", err, out)
		return
	}
	share := map[string]float64{}
	total := ""
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Total samples") {
			total = strings.TrimSpace(line)
		}
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[4], "%") {
			continue
		}
		cum, err := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err != nil {
			continue
		}
		fn := strings.Join(f[5:], " ")
		for _, p := range parts {
			if strings.Contains(fn, p.match) && cum > share[p.name] {
				share[p.name] = cum
			}
		}
	}
	fmt.Printf("%s\n\n| part | share of CPU samples (cumulative) |\n|---|---:|\n", total)
	for _, p := range parts {
		if v, ok := share[p.name]; ok {
			fmt.Printf("| %s | %.1f %% |\n", p.name, v)
		}
	}
	fmt.Printf("\nTop functions by own time:\n\n```\n")
	flat, _ := exec.Command("go", "tool", "pprof", "-top", "-nodecount=15", path).CombinedOutput()
	lines := strings.Split(string(flat), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "flat") {
			fmt.Println(strings.Join(lines[i:], "\n"))
			break
		}
	}
	fmt.Println("```")
}

type result struct {
	itemsPerSec, cores, perCPUSecond, peakRSSMiB float64
}

func run(sink *sink, scenario, signal string, load int, profile string) (result, error) {
	dir, err := os.MkdirTemp("", "loadtest-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	col, err := startCollector(dir, scenario, sink.port)
	if err != nil {
		return result{}, err
	}
	defer col.stop()

	args := []string{signal, "--otlp-endpoint", "127.0.0.1:" + col.otlpPort, "--otlp-insecure",
		"--duration", duration.String(), "--workers", strconv.Itoa(*workers),
		"--rate", perWorker(load),
		"--service", "loadtest", "--interval", "1h"}
	for _, a := range piiAttrs {
		args = append(args, "--telemetry-attributes", a)
	}
	switch signal {
	case "logs":
		args = append(args, "--body", "login failed for alice.smith@example.com from 203.0.113.42, card 4111 1111 1111 1111")
	case "metrics":
		// a histogram the anomaly processor scores (its P95) in the gateway scenario
		args = append(args, "--metric-type", "Histogram", "--otlp-metric-name", "http.server.request.duration")
	}
	gen := exec.Command(*telemetrygen, args...)
	var genOut bytes.Buffer
	gen.Stdout, gen.Stderr = &genOut, &genOut
	if err := gen.Start(); err != nil {
		return result{}, err
	}
	genDone := make(chan error, 1)
	go func() { genDone <- gen.Wait() }()

	time.Sleep(3 * time.Second)
	pid := col.cmd.Process.Pid
	cpu0, err := cpuSeconds(pid)
	if err != nil {
		return result{}, err
	}
	n0, t0 := accepted(col.metricsPort, signal), time.Now()
	window := *duration - 4*time.Second
	if profile != "" {
		if err := fetchProfile(col.pprofPort, window-time.Second, profile); err != nil {
			fmt.Fprintf(os.Stderr, "profile %s: %v\n", profile, err)
		}
	}
	if rest := window - time.Since(t0); rest > 0 {
		time.Sleep(rest)
	}
	cpu1, err := cpuSeconds(pid)
	if err != nil {
		return result{}, err
	}
	n1, t1 := accepted(col.metricsPort, signal), time.Now()
	if sink.count(signal) == 0 && scenario != "gateway" {
		return result{}, fmt.Errorf("the sink received nothing\n%s", lastLines(col.logs.String(), 10))
	}
	rss, err := peakRSSMiB(pid)
	if err != nil {
		return result{}, err
	}
	if err := <-genDone; err != nil {
		return result{}, fmt.Errorf("telemetrygen: %v\n%s", err, lastLines(genOut.String(), 5))
	}
	secs := t1.Sub(t0).Seconds()
	items := n1 - n0
	cpu := cpu1 - cpu0
	if items == 0 || cpu <= 0 {
		return result{}, fmt.Errorf("nothing accepted (items %v, cpu %v s)\n%s", items, cpu, lastLines(col.logs.String(), 10))
	}
	return result{itemsPerSec: items / secs, cores: cpu / secs, perCPUSecond: items / cpu, peakRSSMiB: rss}, nil
}

// config derives the scenario's collector config from the shipped files.
func config(scenario, otlpPort, healthPort, pprofPort, metricsPort, sinkPort string) ([]byte, error) {
	agent, err := loadYAML("configs/agent.yaml")
	if err != nil {
		return nil, err
	}
	stock, err := loadYAML("configs/examples/agent-stock.yaml")
	if err != nil {
		return nil, err
	}
	gateway, err := loadYAML("configs/gateway.yaml")
	if err != nil {
		return nil, err
	}
	agentProcs := sub(agent, "processors")
	agentPipe := list(sub(sub(sub(agent, "service"), "pipelines"), "traces"), "processors")
	procs := map[string]any{}
	pipes := map[string]any{}
	connectors := map[string]any{}
	exporters := map[string]any{"otlp_grpc/sink": map[string]any{
		"endpoint": "127.0.0.1:" + sinkPort, "compression": "none", "tls": map[string]any{"insecure": true},
	}}
	agentChain := func(replace func(string, string) []string) {
		for _, sig := range []string{"traces", "metrics", "logs"} {
			var chain []any
			for _, p := range agentPipe {
				for _, q := range replace(p, sig) {
					chain = append(chain, q)
					if v, ok := agentProcs[q]; ok {
						procs[q] = v
					} else if v, ok := sub(stock, "processors")[q]; ok {
						procs[q] = v
					}
				}
			}
			pipes[sig] = map[string]any{"receivers": []any{"otlp"}, "processors": chain, "exporters": []any{"otlp_grpc/sink"}}
		}
	}
	switch scenario {
	case "baseline":
		agentChain(func(p, _ string) []string {
			if p == "piiredact" {
				return nil
			}
			return []string{p}
		})
	case "piiredact":
		agentChain(func(p, _ string) []string { return []string{p} })
	case "redaction":
		// as configs/examples/agent-stock.yaml: redaction for traces and metrics, redaction/logs for logs
		stockPipes := sub(sub(stock, "service"), "pipelines")
		agentChain(func(p, sig string) []string {
			if p != "piiredact" {
				return []string{p}
			}
			var out []string
			for _, q := range list(sub(stockPipes, sig), "processors") {
				if strings.HasPrefix(q, "redaction") {
					out = append(out, q)
				}
			}
			return out
		})
	case "gateway":
		gp := sub(gateway, "processors")
		for _, p := range []string{"memory_limiter", "tail_sampling", "cardinality", "anomaly", "batch"} {
			procs[p] = gp[p]
		}
		connectors["span_metrics"] = sub(gateway, "connectors")["span_metrics"]
		pipes["traces/spanmetrics"] = map[string]any{"receivers": []any{"otlp"}, "processors": []any{"memory_limiter"}, "exporters": []any{"span_metrics"}}
		pipes["traces/sampled"] = map[string]any{"receivers": []any{"otlp"}, "processors": []any{"memory_limiter", "tail_sampling", "batch"}, "exporters": []any{"otlp_grpc/sink"}}
		pipes["metrics"] = map[string]any{"receivers": []any{"otlp", "span_metrics"}, "processors": []any{"memory_limiter", "cardinality", "anomaly", "batch"}, "exporters": []any{"otlp_grpc/sink"}}
		pipes["logs"] = map[string]any{"receivers": []any{"otlp"}, "processors": []any{"memory_limiter", "batch"}, "exporters": []any{"otlp_grpc/sink"}}
	default:
		return nil, fmt.Errorf("unknown scenario %q", scenario)
	}
	cfg := map[string]any{
		"extensions": map[string]any{
			"health_check": map[string]any{"endpoint": "127.0.0.1:" + healthPort},
			"pprof":        map[string]any{"endpoint": "127.0.0.1:" + pprofPort},
		},
		"receivers":  map[string]any{"otlp": map[string]any{"protocols": map[string]any{"grpc": map[string]any{"endpoint": "127.0.0.1:" + otlpPort}}}},
		"processors": procs,
		"exporters":  exporters,
		"service": map[string]any{
			"extensions": []any{"health_check", "pprof"},
			"telemetry": map[string]any{
				"logs": map[string]any{"level": "warn"},
				"metrics": map[string]any{"level": "basic", "readers": []any{map[string]any{"pull": map[string]any{"exporter": map[string]any{
					"prometheus": map[string]any{"host": "127.0.0.1", "port": atoi(metricsPort)}}}}}},
			},
			"pipelines": pipes,
		},
	}
	if len(connectors) > 0 {
		cfg["connectors"] = connectors
	}
	return yaml.Marshal(cfg)
}

func loadYAML(rel string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(*repo, rel))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, yaml.Unmarshal(b, &m)
}

func sub(m map[string]any, k string) map[string]any {
	v, _ := m[k].(map[string]any)
	if v == nil {
		return map[string]any{}
	}
	return v
}

func list(m map[string]any, k string) []string {
	var out []string
	l, _ := m[k].([]any)
	for _, v := range l {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// cpuSeconds is the process's user+system CPU time (/proc/<pid>/stat, fields 14 and 15).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100, nil // USER_HZ = 100 on Linux
}

// peakRSSMiB is VmHWM of /proc/<pid>/status: the peak resident set size.
func peakRSSMiB(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmHWM")
}

func fetchProfile(port string, d time.Duration, path string) error {
	secs := int(d.Seconds())
	if secs < 1 {
		secs = 1
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%s/debug/pprof/profile?seconds=%d", port, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// accepted is the collector's otelcol_receiver_accepted_* counter for the signal, read from
// its own Prometheus endpoint: what the OTLP receiver took into the pipeline.
func accepted(port, signal string) float64 {
	name := map[string]string{"traces": "otelcol_receiver_accepted_spans", "metrics": "otelcol_receiver_accepted_metric_points", "logs": "otelcol_receiver_accepted_log_records"}[signal]
	resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name) && strings.Contains(line, `receiver="otlp"`) {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(1)
}

// sink counts what the collector delivers, per signal.
type sink struct {
	port                string
	spans, points, logs atomic.Int64
}

func (s *sink) count(signal string) int64 {
	switch signal {
	case "traces":
		return s.spans.Load()
	case "metrics":
		return s.points.Load()
	}
	return s.logs.Load()
}

func startSink() (*sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{port: strconv.Itoa(l.Addr().(*net.TCPAddr).Port)}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(64 << 20))
	ptraceotlp.RegisterGRPCServer(srv, &traceSink{s: s})
	pmetricotlp.RegisterGRPCServer(srv, &metricSink{s: s})
	plogotlp.RegisterGRPCServer(srv, &logSink{s: s})
	go func() { _ = srv.Serve(l) }()
	return s, nil
}

type traceSink struct {
	ptraceotlp.UnimplementedGRPCServer
	s *sink
}

func (t traceSink) Export(_ context.Context, r ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	t.s.spans.Add(int64(r.Traces().SpanCount()))
	return ptraceotlp.NewExportResponse(), nil
}

type metricSink struct {
	pmetricotlp.UnimplementedGRPCServer
	s *sink
}

func (m metricSink) Export(_ context.Context, r pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	m.s.points.Add(int64(r.Metrics().DataPointCount()))
	return pmetricotlp.NewExportResponse(), nil
}

type logSink struct {
	plogotlp.UnimplementedGRPCServer
	s *sink
}

func (l logSink) Export(_ context.Context, r plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	l.s.logs.Add(int64(r.Logs().LogRecordCount()))
	return plogotlp.NewExportResponse(), nil
}

// saturationRate is the offered load of the saturation runs, above what the collector takes
// on these cores. Not unthrottled: telemetrygen's trace workers then starve the SDK's batch
// exporter and send less, not more.
const saturationRate = 200000

// perWorker is telemetrygen's --rate for a total load (0 = saturation).
func perWorker(load int) string {
	if load == 0 {
		return strconv.Itoa(saturationRate / *workers)
	}
	return strconv.FormatFloat(float64(load)/float64(*workers), 'f', -1, 64)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fatal(err)
	}
	return n
}
