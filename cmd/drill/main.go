// Command drill runs the on-call drills of internal/drill on the demo stack (make demo):
// each injects a fault, waits for the alert and the page, removes the fault, waits for the
// resolve and writes data/demo/drills/<scenario>.json. `make drill SCENARIO=<name>`,
// `make drills` (all), `go run ./cmd/drill -list`.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/internal/drill"
)

func main() {
	endpoints := flag.String("endpoints", "data/demo/endpoints.env", "the demo stack's endpoints file")
	out := flag.String("out", "data/demo/drills", "report directory")
	scenario := flag.String("scenario", "", "scenario to run, or all")
	list := flag.Bool("list", false, "list the scenarios")
	poll := flag.Duration("poll", 5*time.Second, "polling interval")
	flag.Parse()
	lg := log.New(os.Stderr, "drill: ", log.LstdFlags|log.LUTC)
	if *list || *scenario == "" {
		for _, s := range drill.Scenarios {
			fmt.Printf("%-22s %s\n", s.Name, s.Fault)
		}
		if *scenario == "" && !*list {
			os.Exit(2)
		}
		return
	}
	var run []drill.Scenario
	if *scenario == "all" {
		run = drill.Scenarios
	} else {
		for _, n := range strings.Split(*scenario, ",") {
			s, ok := drill.ByName(strings.TrimSpace(n))
			if !ok {
				lg.Fatalf("unknown scenario %q (-list)", n)
			}
			run = append(run, s)
		}
	}
	env, err := drill.LoadEnv(*endpoints)
	if err != nil {
		lg.Fatal(err)
	}
	repo, _ := os.Getwd()
	r := &drill.Runner{Env: env, Repo: repo, Poll: *poll, Log: lg, HTTP: &http.Client{Timeout: 10 * time.Second}}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		lg.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed := 0
	for _, s := range run {
		rep, err := r.Run(ctx, s)
		if rep != nil && err != nil {
			rep.OK = false
			rep.Problems = append(rep.Problems, "the drill stopped before its end: "+err.Error())
		}
		if rep != nil {
			b, _ := json.MarshalIndent(rep, "", "  ")
			path := filepath.Join(*out, s.Name+".json")
			if werr := os.WriteFile(path, append(b, '\n'), 0o644); werr != nil {
				lg.Fatal(werr)
			}
			status := "OK"
			if !rep.OK {
				status = "PROBLEMS: " + strings.Join(rep.Problems, "; ")
				failed++
			}
			lg.Printf("%s: %s (%s)", s.Name, status, path)
		}
		if err != nil {
			lg.Printf("%s: %v", s.Name, err)
			failed++
			if ctx.Err() != nil {
				break
			}
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}
