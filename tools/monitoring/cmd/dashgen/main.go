// Command dashgen writes the Grafana dashboards of otelcol-fraiseql (package dashboards) as
// JSON into configs/grafana/dashboards. The committed files must equal its output: the lint
// test regenerates them and fails on any difference.
//
//	cd tools/monitoring && go run ./cmd/dashgen            # writes ../../configs/grafana/dashboards
//	go run ./cmd/dashgen -out DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/dashboards"
)

func main() {
	out := flag.String("out", filepath.Join("..", "..", "configs", "grafana", "dashboards"), "output directory")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, s := range dashboards.All() {
		b, err := dashboards.Render(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		path := filepath.Join(*out, s.File)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("wrote", path)
	}
}
