package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// DemoPassword is the password of the seeded users.
const DemoPassword = "correct-horse"

// Config of `fraiseql-demo load`.
type Config struct {
	Target      string        // the edge's /graphql URL
	RPS         float64       // scenarios started per second
	Duration    time.Duration // 0 = until interrupted
	Concurrency int           // scenarios in flight at most (ticks beyond are skipped and counted)
	DebugShare  float64       // share of scenarios sent with X-Debug-Trace: 1
	Mix         *Mix
	Seed        uint64
	Report      io.Writer // summary every ReportEvery
	ReportEvery time.Duration
}

// Stats counts outcomes by scenario.
type Stats struct {
	mu      sync.Mutex
	counts  map[string]map[string]int
	Skipped int
}

func (s *Stats) add(scenario, outcome string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]map[string]int{}
	}
	if s.counts[scenario] == nil {
		s.counts[scenario] = map[string]int{}
	}
	s.counts[scenario][outcome]++
}

// Count returns how many requests of scenario ended with outcome.
func (s *Stats) Count(scenario, outcome string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[scenario][outcome]
}

// Total returns the number of requests sent.
func (s *Stats) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.counts {
		for _, c := range m {
			n += c
		}
	}
	return n
}

// String is a one-line summary: scenario{outcome=n ...} ...
func (s *Stats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.counts {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		var outs []string
		for o, c := range s.counts[n] {
			outs = append(outs, fmt.Sprintf("%s=%d", o, c))
		}
		sort.Strings(outs)
		fmt.Fprintf(&b, "%s{%s} ", n, strings.Join(outs, " "))
	}
	fmt.Fprintf(&b, "skipped=%d", s.Skipped)
	return b.String()
}

// Run drives the load until ctx ends or cfg.Duration passes.
func Run(ctx context.Context, cfg Config) (*Stats, error) {
	if cfg.Target == "" {
		return nil, fmt.Errorf("--target: the GraphQL URL (the edge's /graphql) is required")
	}
	if u, err := url.Parse(cfg.Target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target: %q is not an http(s) URL", cfg.Target)
	} else if u.Path == "" || u.Path == "/" {
		// A base URL means its /graphql.
		u.Path = "/graphql"
		cfg.Target = u.String()
	}
	if cfg.RPS <= 0 || cfg.RPS > 10000 {
		return nil, fmt.Errorf("--rps: %v is not in (0, 10000]", cfg.RPS)
	}
	if cfg.Mix == nil {
		m, err := NewMix(DefaultMix)
		if err != nil {
			return nil, err
		}
		cfg.Mix = m
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	stats := &Stats{}
	d := &driver{cfg: cfg, stats: stats, client: &http.Client{Timeout: 30 * time.Second}}
	sem := make(chan struct{}, cfg.Concurrency)
	tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.RPS))
	defer tick.Stop()
	var report <-chan time.Time
	if cfg.Report != nil && cfg.ReportEvery > 0 {
		t := time.NewTicker(cfg.ReportEvery)
		defer t.Stop()
		report = t.C
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			if cfg.Report != nil {
				fmt.Fprintln(cfg.Report, "load done:", stats)
			}
			return stats, nil
		case <-report:
			fmt.Fprintln(cfg.Report, "load:", stats)
		case <-tick.C:
			name := cfg.Mix.Pick(rng)
			s := &session{d: d, scenario: name, rng: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())),
				debug: rng.Float64() < cfg.DebugShare}
			select {
			case sem <- struct{}{}:
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					s.run(ctx)
				}()
			default:
				stats.mu.Lock()
				stats.Skipped++
				stats.mu.Unlock()
			}
		}
	}
}

type driver struct {
	cfg    Config
	stats  *Stats
	client *http.Client
}

// session is one scenario run: its own random source, token and headers.
type session struct {
	d        *driver
	scenario string
	rng      *rand.Rand
	debug    bool
	token    string
	apiKey   string
	client   string // simulated client address (X-Forwarded-For)
}

// result is one response.
type result struct {
	status int
	data   map[string]any
	codes  []string
}

func (r result) outcome() string {
	switch {
	case r.status == 0:
		return "transport_error"
	case len(r.codes) > 0:
		return strings.ToLower(r.codes[0])
	case r.status != http.StatusOK:
		return fmt.Sprintf("http_%d", r.status)
	}
	return "ok"
}

func (s *session) do(ctx context.Context, query string, vars map[string]any) result {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.d.cfg.Target, bytes.NewReader(body))
	if err != nil {
		return result{}
	}
	s.headers(req)
	resp, err := s.d.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			s.d.stats.add(s.scenario, "transport_error")
		}
		return result{}
	}
	defer resp.Body.Close()
	r := result{status: resp.StatusCode}
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&out)
	r.data = out.Data
	for _, e := range out.Errors {
		code := e.Extensions.Code
		if code == "" {
			code = "unknown"
		}
		r.codes = append(r.codes, code)
	}
	s.d.stats.add(s.scenario, r.outcome())
	return r
}

func (s *session) headers(req *http.Request) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	req.Header.Set("User-Agent", "fraiseql-demo-load/1")
	if s.client == "" {
		s.client = fmt.Sprintf("10.0.%d.%d", s.rng.IntN(4), s.rng.IntN(250)+1)
	}
	req.Header.Set("X-Forwarded-For", s.client)
	if s.debug {
		req.Header.Set("X-Debug-Trace", "1")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.apiKey != "" {
		req.Header.Set("X-API-Key", s.apiKey)
	}
}

// subscribe opens an SSE subscription and returns the number of `next` events received.
func (s *session) subscribe(ctx context.Context, query string, vars map[string]any, ready chan<- struct{}) int {
	defer close(ready)
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.d.cfg.Target, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	s.headers(req)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := s.d.client.Do(req)
	if err != nil {
		s.d.stats.add(s.scenario, "transport_error")
		return 0
	}
	defer resp.Body.Close()
	ready <- struct{}{}
	n := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "event: next":
			n++
		case line == "event: complete":
			s.d.stats.add(s.scenario, fmt.Sprintf("subscription_events_%d", min(n, 3)))
			return n
		}
	}
	s.d.stats.add(s.scenario, "subscription_cut")
	return n
}
