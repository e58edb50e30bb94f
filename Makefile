# otelcol-fraiseql — build, run and test the distribution.
#
#   make run    build (if needed) and run the collector on configs/local.yaml
#   make test   unit tests, build, config validation, smoke test, integration tests with
#               real services (started by test/env/ and stopped afterwards)
# See README.md and docs/development.md.

SHELL        := /usr/bin/env bash
.SHELLFLAGS  := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO           ?= go
# ocb version: must match the collector core version in builder-config.yaml.
OCB_VERSION  := v0.161.0
BIN_DIR      := $(CURDIR)/bin
OCB          := $(BIN_DIR)/builder-$(OCB_VERSION)
# helm renders deploy/helm/ values in test-e2e (`helm template` only, no cluster).
HELM_VERSION := v3.22.0
HELM         := $(BIN_DIR)/helm-$(HELM_VERSION)
DIST         := _build/otelcol-fraiseql
CONFIG       ?= configs/local.yaml
TOOLS        := $(GO) tool -C internal/tools -n
DOCKER_IMAGE ?= otelcol-fraiseql:dev

# Everything the binary is built from: the manifest and our own Go module.
DIST_SOURCES := builder-config.yaml go.mod go.sum \
	$(shell find processor receiver exporter connector -name '*.go' -not -name '*_test.go' 2>/dev/null)

export CGO_ENABLED := 0

.PHONY: loadtest demo demo-stop drill drills demo-tools e2e test-monitoring bench-dashboards dashboards bench fuzz build run test test-unit test-e2e test-integration lint generate components docker clean tools help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(OCB):
	@mkdir -p $(BIN_DIR)
	GOBIN=$(BIN_DIR) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	mv $(BIN_DIR)/builder $(OCB)

$(HELM):
	@mkdir -p $(BIN_DIR)
	GOBIN=$(BIN_DIR) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	mv $(BIN_DIR)/helm $(HELM)

# ocb generates _build/ (main.go, components.go, go.mod) and compiles it with -trimpath and
# -ldflags=-s -w; CGO_ENABLED=0 (exported above) makes the binary static.
$(DIST): $(OCB) $(DIST_SOURCES)
	@echo "ocb: generating _build/ and compiling otelcol-fraiseql (10-15 min with a cold Go build cache, 2-5 min warm; quiet until done)"
	$(OCB) --config builder-config.yaml
	@touch $(DIST)

build: $(DIST) ## build _build/otelcol-fraiseql with ocb

run: $(DIST) ## build if needed, then run on configs/local.yaml (CONFIG=... to change)
	@mkdir -p data
	./$(DIST) --config $(CONFIG)

components: $(DIST) ## list the components compiled into the binary
	./$(DIST) components

tools: ## build the pinned Go tools (telemetrygen, mdatagen) of internal/tools
	@$(TOOLS) telemetrygen >/dev/null
	@$(TOOLS) mdatagen >/dev/null

# golangci-lint (pinned in internal/tools, config .golangci.yml) covers the distribution's
# module (with the e2e and integration tests) and bench/; tools/monitoring and
# examples/fraiseql-demo get go vet (docs/development.md, "Lint").
lint: ## gofmt, go vet, golangci-lint, shellcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^_build/')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@echo "golangci-lint (first run builds it: a few minutes)"
	$(GO) -C test vet -tags e2e,integration ./...
	@gl=$$($(TOOLS) golangci-lint); $$gl run ./... && \
		(cd bench && $$gl run --config ../.golangci.yml ./...) && \
		(cd test && $$gl run --config ../.golangci.yml ./...)
	test/shellcheck.sh
	cd bench && $(GO) vet ./...
	cd tools/monitoring && $(GO) vet ./... && $(GO) vet -tags demo ./demo/
	cd examples/fraiseql-demo && $(GO) vet ./...

# Each component's doc.go says `//go:generate mdatagen metadata.yaml` (contrib's form);
# the pinned mdatagen of internal/tools is put first on PATH for it.
generate: ## run every component's go:generate (mdatagen, pinned in internal/tools)
	@mdatagen=$$($(TOOLS) mdatagen); \
	PATH="$$(dirname $$mdatagen):$$PATH" $(GO) generate -x ./processor/... ./receiver/... ./exporter/... ./connector/...

# Tests that read a public data set (NAB, loghub; see internal/datasets) skip without it and
# test/datasets.sh says so first; NAB_REQUIRED / LOGHUB_REQUIRED / CHARTS_REQUIRED (set by
# .ci/run) turn a missing set into a failure. bench/ is its own module (the stock contrib
# baselines live there, out of the distribution); its tests check the baselines, its
# benchmarks run in `bench`.
# The packages with concurrent code (cardinality's lock-free tables, piiredact's pools,
# incident's workers, servicegraph's flush loop) run once more under the race detector (needs
# cgo and a C compiler).
RACE_PKGS := ./processor/cardinality/... ./processor/piiredact/... ./exporter/incident/... ./connector/servicegraph/...

test-unit: ## fast tests of every package (no services, no binary), -race on the concurrent ones
	@test/datasets.sh
	$(GO) test -count=1 ./...
	$(GO) -C test test -count=1 ./...
	@echo "go test -race on the concurrent packages (a few minutes)"
	CGO_ENABLED=1 $(GO) test -count=1 -race $(RACE_PKGS)
	cd bench && $(GO) test -count=1 ./...
	cd examples/fraiseql-demo && $(GO) test -count=1 ./...

# The demo GraphQL service (examples/fraiseql-demo, its own module): serve, edge, load.
.PHONY: demo-service
demo-service: ## build bin/fraiseql-demo (demo GraphQL service, edge proxy and load driver)
	cd examples/fraiseql-demo && $(GO) build -o $(BIN_DIR)/fraiseql-demo .

bench: ## side-by-side Go benchmarks (ours vs stock contrib); numbers go to docs/benchmarks.md
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -benchtime 2x -count 3 -cpu 1 -timeout 60m ./...
	$(GO) test -run '^$$' -bench . -benchmem ./processor/... ./receiver/... ./exporter/... ./connector/...

# CHARTS_REQUIRED (set by .ci/run): the Helm test fails instead of skipping without
# ../shared/charts/opentelemetry-collector.
test-e2e: $(DIST) tools $(HELM) ## validate every collector config and Helm values, smoke-test the binary, three gateway replicas
	OTELCOL_BINARY=$(CURDIR)/$(DIST) TELEMETRYGEN=$$($(TOOLS) telemetrygen) HELM=$(HELM) \
		$(GO) -C test test -count=1 -v -tags e2e -timeout 10m ./e2e/...

# Not part of `make test`: minutes of load on every core. Results go to docs/benchmarks.md.
loadtest: $(DIST) tools ## the binary under telemetrygen load: throughput per CPU-second and peak RSS, side by side
	$(GO) run ./tools/loadtest -otelcol $(DIST) -telemetrygen $$($(TOOLS) telemetrygen) -profile _build/loadtest-profiles

test-integration: $(DIST) ## tests against real services started by test/env/ (stopped afterwards)
	OTELCOL_BINARY=$(CURDIR)/$(DIST) test/run-integration.sh

test-monitoring: ## monitoring content: promtool check/test rules, amtool config + route table, Go lint (tools/monitoring)
	test/monitoring.sh

bench-dashboards: ## dashboard query latency on 7 days of backfilled data (Prometheus 2.42, ~10 min)
	test/monitoring-bench.sh

dashboards: ## regenerate configs/grafana/dashboards from tools/monitoring/cmd/dashgen
	cd tools/monitoring && $(GO) run ./cmd/dashgen

# e2e (the demo stack end-to-end test, ~12 min on 2 cores) runs last: it needs the built binary
# and the Debian packages the earlier targets fetched.
test: lint test-unit test-e2e test-monitoring test-integration e2e ## everything CI runs

# ---- the demo stack (test/demo/demo.sh; README "Try it") ----
# Programs the demo runs besides the collector, built into bin/demo/ through the shared Go
# caches: Jaeger v2 (pinned in the test/demo/tools module; a cold build takes many minutes),
# VictoriaLogs (go install at its pinned version), the PagerDuty/Slack contract fakes.
DEMO_BIN          := $(BIN_DIR)/demo
VICTORIALOGS_VERSION := v1.52.2
DEMO_TOOLS        := $(DEMO_BIN)/jaeger $(DEMO_BIN)/victoria-logs-$(VICTORIALOGS_VERSION) $(DEMO_BIN)/incident-fakes
# The demo service (examples/fraiseql-demo) when this checkout has it.
DEMO_SERVICE_TARGET := $(if $(wildcard examples/fraiseql-demo/go.mod),demo-service)

$(DEMO_BIN)/jaeger: test/demo/tools/go.mod test/demo/tools/go.sum
	@mkdir -p $(DEMO_BIN)
	cd test/demo/tools && $(GO) build -o $@ github.com/jaegertracing/jaeger/cmd/jaeger

$(DEMO_BIN)/victoria-logs-$(VICTORIALOGS_VERSION):
	@mkdir -p $(DEMO_BIN)
	GOBIN=$(DEMO_BIN) $(GO) install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$(VICTORIALOGS_VERSION)
	cp $(DEMO_BIN)/victoria-logs $@

$(DEMO_BIN)/incident-fakes: $(shell find exporter/incident/internal/fakes -name '*.go' -not -name '*_test.go')
	@mkdir -p $(DEMO_BIN)
	$(GO) build -o $@ ./exporter/incident/internal/fakes/cmd/incident-fakes

demo-tools: $(DEMO_TOOLS) tools ## build what the demo stack runs besides the collector

demo: $(DIST) demo-tools $(DEMO_SERVICE_TARGET) ## start the whole chain on 127.0.0.1 (data/demo/; prints its URLs)
	TELEMETRYGEN=$$($(TOOLS) telemetrygen) VICTORIALOGS_BINARY=$(DEMO_BIN)/victoria-logs-$(VICTORIALOGS_VERSION) \
		test/demo/demo.sh start

demo-stop: ## stop the demo stack (by pid; nothing is left listening)
	test/demo/demo.sh stop

# The end-to-end test (tools/monitoring/demo, build tag demo): starts the demo stack (or uses
# a running one), asserts on the real stores, stops what it started and checks that start/stop
# twice leaves nothing behind. E2E_RUN=regexp selects checks (go test -run).
E2E_RUN ?= .
e2e: $(DIST) demo-tools $(DEMO_SERVICE_TARGET) ## end-to-end test of the whole chain on the demo stack (<= 15 min)
	tg=$$($(TOOLS) telemetrygen) && cd tools/monitoring && TELEMETRYGEN=$$tg \
		VICTORIALOGS_BINARY=$(DEMO_BIN)/victoria-logs-$(VICTORIALOGS_VERSION) \
		$(GO) test -count=1 -tags demo -timeout 15m -run '$(E2E_RUN)' -v ./demo/

drill: ## one on-call drill on the running demo: make drill SCENARIO=error-spike (report in data/demo/drills/)
	@[ -n "$(SCENARIO)" ] || { echo "SCENARIO=<name> is required:"; $(GO) run ./cmd/drill -list; exit 2; }
	test/demo/drill.sh $(SCENARIO)

drills: ## every on-call drill on the running demo, one after the other (about 2.5 hours; each waits for a quiet start)
	test/demo/drill.sh all

FUZZTIME ?= 10s
fuzz: ## run every Go fuzz target for FUZZTIME each (default 10s)
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# The image always gets a linux binary, whatever the host: _build/linux-<arch>/ is the ocb
# output when the host is linux/<arch>, else the same sources cross-compiled with ocb's flags.
DOCKER_ARCH ?= $(shell $(GO) env GOARCH)
DOCKER_BIN  := _build/linux-$(DOCKER_ARCH)/otelcol-fraiseql
$(DOCKER_BIN): $(DIST)
	@mkdir -p $(@D)
	@if [ "$$($(GO) env GOOS)/$$($(GO) env GOARCH)" = "linux/$(DOCKER_ARCH)" ]; then \
		cp $(DIST) $@; \
	else \
		echo "cross-compiling otelcol-fraiseql for linux/$(DOCKER_ARCH) (a few minutes)"; \
		cd _build && GOOS=linux GOARCH=$(DOCKER_ARCH) $(GO) build -trimpath -ldflags='-s -w' -tags grpcnotrace -o ../$@ .; \
	fi

docker: $(DOCKER_BIN) ## build the container image for linux/DOCKER_ARCH (needs a Docker engine)
	docker build --platform linux/$(DOCKER_ARCH) -t $(DOCKER_IMAGE) .

clean: ## remove build output, local data and stop test services
	-test/env/down.sh
	rm -rf _build data bin
