# Karton: `make run` brings up the whole system, `make test` runs every test.

GO            ?= go
# MinIO is built from the Go module proxy (no prebuilt download); this
# pseudo-version builds with Go 1.26.8.
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
# Temporal's server and SQL tool for `make cluster`, built from the module
# proxy in a module of their own (the supervisor never links the server):
# the version of go.temporal.io/server in go.mod (v1.32.2 does not build
# here). devstack/cluster's test checks the three agree.
TEMPORAL_VERSION := v1.32.1
GO_SOURCES    := $(shell find . -name '*.go' -not -path './var/*' -not -path './bin/*') go.mod go.sum $(shell find . -name '*.sql' -o -path './api/openapi/*.json' | grep -v '^./var')
# Light packages run under the race detector; the whole-system test links
# the Temporal server and runs without it (a race build of the server
# takes too long on 2 cores).
RACE_PKGS     := ./domain/... ./store/... ./interop/... ./activities/... ./workflows/... ./api/... ./codec/... ./policies/... ./web/... ./temporalerr/...
# Fuzz targets as package:target:time, fuzzed one by one after the tests
# (-fuzz takes one package and one target); their seeds already ran as
# tests. Under 2 minutes on 2 cores; FuzzRoutes spends about 20 s of its
# 50 replaying its seeds. FUZZTIME=2m make fuzz gives each 2 minutes.
FUZZ_TARGETS  := ./domain:FuzzParseJMBG:6s ./domain:FuzzParseIBAN:6s ./domain:FuzzParsePIB:6s \
                 ./domain/schema:FuzzValidate:10s ./api:FuzzRoutes:50s ./domain/services:FuzzParseUseCSV:6s

# Linters, built from the Go module proxy by version with `go run pkg@version`
# rather than `tool` lines in go.mod: each builds in its own module, with its
# own go.sum, so their dependencies (golang.org/x/tools, an older Temporal
# SDK's) never enter our module graph or move our versions, and a fresh CI
# machine needs only the proxy (module and build caches make later runs
# fast). These versions build with Go 1.26.8.
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ERRCHECK      := github.com/kisielk/errcheck@v1.30.0
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0
GOVULNCHECK   := golang.org/x/vuln/cmd/govulncheck@v1.9.0

.PHONY: run build lean image deploy-test cluster cluster-test test lint vulncheck fuzz bench postgres chromium axe xmllint clean help

help:
	@echo "make run    - the whole system on this machine (PostgreSQL, Temporal, MinIO, simulators, worker, API, demo data)"
	@echo "make test   - every test, then the fuzz targets for a bounded time"
	@echo "make fuzz   - only the fuzz targets (FUZZTIME=2m for longer)"
	@echo "make lint   - staticcheck (staticcheck.conf), errcheck and workflowcheck (lint/)"
	@echo "make vulncheck - govulncheck against the Go vulnerability database (needs vuln.go.dev, or VULNDB=file:///dir)"
	@echo "make bench  - benchmarks on the real stack, with ratios against a baseline from the same run"
	@echo "make lean   - the production binary without the embedded Temporal server"
	@echo "make image  - the OCI image of the static lean binary, from scratch (bin/image, bin/karton-image.tar; no Docker needed)"
	@echo "make deploy-test - the image test, helm lint/template and strict decoding of the chart (deploy/tools)"
	@echo "make cluster - the system as in production, one process per part: Temporal's four services on PostgreSQL, 2 workers, 2 APIs behind a proxy on :8080 (docs/cluster.md)"
	@echo "make cluster-test - the kill test and the rolling upgrade on that cluster (about 2 minutes once built; not part of make test)"

run: postgres bin/minio bin/karton
	./bin/karton dev

build: bin/karton

bin/karton: $(GO_SOURCES)
	$(GO) build -o $@ ./cmd/karton

lean: $(GO_SOURCES)
	$(GO) build -tags lean -o bin/karton-lean ./cmd/karton

# The OCI image, from scratch (no Docker daemon, no base image): the static
# lean binary, this machine's CA certificates and time zones, user 65532.
# deploy/tools is its own Go module, so that Helm's and Kubernetes'
# dependencies stay out of ours; deploy/README.md says how to push it.
# The binary is rebuilt each time (the build cache makes that quick): a
# bin/karton-lean left by `make lean` may be linked with cgo.
IMAGE_VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
IMAGE_REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
image:
	CGO_ENABLED=0 $(GO) build -tags lean -trimpath -o bin/karton-lean ./cmd/karton
	cd deploy/tools && $(GO) run ./cmd/mkimage -binary='$(CURDIR)/bin/karton-lean' \
		-version='$(IMAGE_VERSION)' -revision='$(IMAGE_REVISION)' \
		-layout='$(CURDIR)/bin/image' -tar='$(CURDIR)/bin/karton-image.tar'

# The image test (built from a fresh lean binary, its binary run) and the
# Helm chart's: lint, render with each values file, every manifest decoded
# strictly into the Kubernetes API types. make lint does not reach
# deploy/tools (a module of its own): staticcheck and errcheck run here.
deploy-test:
	CGO_ENABLED=0 $(GO) build -tags lean -trimpath -o bin/karton-lean ./cmd/karton
	cd deploy/tools && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./... && $(GO) run $(ERRCHECK) ./... && \
		KARTON_LEAN_BINARY='$(CURDIR)/bin/karton-lean' $(GO) test -count=1 ./...

bin/minio:
	@echo "building MinIO $(MINIO_VERSION) from the Go module proxy (a few minutes, once)"
	GOBIN=$(CURDIR)/bin $(GO) install github.com/minio/minio@$(MINIO_VERSION)

# The cluster (docs/cluster.md): Temporal's binaries, never built with
# -race (about 8 minutes cold on 2 cores, then cached in bin/).
# One rule for both: bin/temporal-server stands for the pair.
bin/temporal-server:
	@echo "building Temporal's server and SQL tool $(TEMPORAL_VERSION) from the Go module proxy (several minutes, once)"
	GOBIN=$(CURDIR)/bin/.temporal $(GO) install go.temporal.io/server/cmd/server@$(TEMPORAL_VERSION) go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_VERSION)
	mv bin/.temporal/server bin/temporal-server && mv bin/.temporal/sql bin/temporal-sql-tool && rmdir bin/.temporal

CLUSTER_BINS := postgres bin/minio bin/temporal-server
cluster: $(CLUSTER_BINS)
	$(GO) build -tags lean -o bin/karton-lean ./cmd/karton
	$(GO) build -o bin/karton-cluster ./cmd/karton-cluster
	./bin/karton-cluster

# Behind the build tag cluster: go test ./... never compiles it.
cluster-test: $(CLUSTER_BINS)
	$(GO) build -tags lean -o bin/karton-lean ./cmd/karton
	$(GO) test -tags cluster -count=1 -v -timeout 30m ./e2e/cluster/

# PostgreSQL's server binaries (Debian's postgresql package) and the DejaVu
# fonts the decision PDFs use (fonts-dejavu-core): installed here if missing
# and we may.
postgres:
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing the DejaVu fonts for decision PDFs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; \
	fi
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing PostgreSQL server binaries"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "PostgreSQL server binaries (initdb, pg_ctl) are missing: install them, e.g. 'sudo apt-get install postgresql', or set DATABASE_URL"; exit 1; \
	fi

# Debian's Chromium for the browser tests (no browser download).
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: install it, e.g. 'sudo apt-get install chromium'"; exit 1; \
	fi

# axe-core (npm, the version in e2e/axe/package-lock.json) is injected by
# the browser tests into every page they visit; they fail on any WCAG 2.1
# A or AA violation. Installed into e2e/axe/node_modules (not committed);
# Node.js and npm from Debian when missing and we may.
AXE_JS := e2e/axe/node_modules/axe-core/axe.min.js
axe: $(AXE_JS)
$(AXE_JS): e2e/axe/package.json e2e/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Node.js and npm for axe-core"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	else \
		echo "npm is missing: install it, e.g. 'sudo apt-get install npm'"; exit 1; \
	fi
	cd e2e/axe && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# xmllint validates payment files against the EPC schema in the tests.
xmllint:
	@if command -v xmllint >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null; \
	else \
		echo "xmllint is missing: install it, e.g. 'sudo apt-get install libxml2-utils'"; exit 1; \
	fi

# -timeout 40m: e2e brings up the whole stack test after test and takes 9-10
# minutes on two cores, at go test's default limit of 10; the limit is there
# to catch a hang, and 40 minutes still does.
test: postgres chromium axe xmllint bin/minio
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(MAKE) --no-print-directory lint
	$(GO) test -race -count=1 -timeout 40m $(RACE_PKGS)
	$(GO) test -count=1 -timeout 40m ./backup/... ./cmd/... ./devstack/... ./e2e/... ./platform/... ./objects/... ./bench/... ./worker/... ./deploy/observability/...
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory deploy-test

# Workflow code is checked for non-determinism (time.Now, map order,
# goroutines...) in everything it calls; lint/workflowcheck.yaml lists the
# calls known to be safe.
#
# govulncheck is not part of lint (nor of make test): it builds from the
# module proxy like the others, but reads the vulnerability database at
# https://vuln.go.dev, which the machines that run make test here cannot
# reach (no internet beyond the Go module proxy: "lookup vuln.go.dev: no
# such host"), and a check that fails for want of a network would make
# make test fail for reasons that are not the code's. Run `make vulncheck`
# where vuln.go.dev is reachable (a developer machine, a release job), or
# offline against a copy of the database: download
# https://vuln.go.dev/vulndb.zip where it is reachable, unzip it into a
# folder and run `make vulncheck VULNDB=file:///that/folder`.
lint:
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(ERRCHECK) -exclude lint/errcheck-excludes.txt ./...
	$(GO) run $(WORKFLOWCHECK) -config lint/workflowcheck.yaml -show-pos ./workflows/...

VULNDB ?= https://vuln.go.dev
vulncheck:
	$(GO) run $(GOVULNCHECK) -db $(VULNDB) ./...

# A failing input is written to the package's testdata/fuzz/<target>/:
# commit it with the fix, and it runs as a test from then on. Each run
# starts from the seeds (clean -fuzzcache), and finds are not minimized
# (-fuzzminimizetime 0): replaying a corpus grown by earlier runs, or
# minimizing FuzzRoutes' inputs, would eat the bounded time. Go 1.26 can
# fail a target with a bare "context deadline exceeded" as -fuzztime ends
# (go.dev/issue/75804, fixed in 1.27): without a failing input written,
# that is not a find.
fuzz: postgres
	$(GO) clean -fuzzcache
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; target=$${rest%%:*}; dur=$${FUZZTIME:-$${rest#*:}}; \
		echo "fuzz $$target in $$pkg for $$dur"; out=$$(mktemp); \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $$dur -fuzzminimizetime 0 -vet=off $$pkg >$$out 2>&1; rc=$$?; \
		grep -v '^fuzz: elapsed' $$out; grep '^fuzz: elapsed' $$out | tail -1; \
		if [ $$rc -ne 0 ] && grep -qx '    context deadline exceeded' $$out && ! grep -q 'Failing input written' $$out; then \
			echo "$$target: only Go's -fuzztime deadline race (go.dev/issue/75804), no failing input"; rc=0; \
		fi; \
		rm -f $$out; [ $$rc -eq 0 ] || exit 1; \
	done

bench: postgres bin/minio
	$(GO) run ./bench/evidence
	$(GO) run ./bench/claims
	$(GO) run ./bench/payroll
	$(GO) run ./bench/cases
	$(GO) run ./bench/audit
	$(GO) run ./bench/reassess
	$(GO) run ./bench/revisions
	$(GO) run ./bench/startup

clean:
	rm -rf bin var
