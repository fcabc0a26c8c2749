# vigil — make targets. `make demo` and `make test` are the two commands a
# fresh machine needs (see README.md).

GO      ?= go
# The toolchain go.mod names (scripts/goenv.sh says why).
GOTOOLCHAIN ?= $(shell awk '$$1 == "toolchain" {print $$2}' go.mod)
export GOTOOLCHAIN
BIN     ?= ./vigil
DB      ?= vigil.db
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/vigil-project/vigil/internal/cli.Version=$(VERSION)

.PHONY: build demo test lint bench fuzz soak release guide clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/vigil

# Builds vigil, imports the bundled demo dataset into ./vigil.db, shows it,
# then serves the dashboard and the API on it, readable by anyone
# (--public: no login; Ctrl-C stops the server).
ADDR    ?= 127.0.0.1:8080
demo: build
	$(BIN) --db $(DB) demo
	$(BIN) --db $(DB) serve --public --addr $(ADDR)

# Installs and starts what the tests need (PostgreSQL on a throwaway
# directory and port), then vet and every test with the race detector.
test:
	scripts/test.sh

lint:
	scripts/lint.sh

# Benchmarks against the reference tools; see docs/BENCHMARKS.md.
bench: build
	bench/run.sh

# Short fuzz campaigns over every parser (longer: FUZZTIME=10m make fuzz).
fuzz:
	scripts/fuzz.sh

# Long reliability runs (see docs/RELIABILITY.md): imports killed with
# SIGKILL many times on both stores (KILLS=40 by default); the NATS
# cluster test with more articles and kill rounds; PostgreSQL crashed
# three times under the workers; last, govulncheck against the pinned
# vulnerability database, after the test that its self-test fails on a
# damaged database (also in make lint).
KILLS ?= 40
LOAD ?= 60s
soak:
	VIGIL_CRASH_KILLS=$(KILLS) scripts/pgtest.sh $(GO) test -run "TestImportSurvivesSIGKILL|TestFuseSurvivesSIGKILL" -count=1 -timeout 90m -v ./cmd/vigil
	VIGIL_LOAD_DURATION=$(LOAD) scripts/pgtest.sh $(GO) test -run TestLoadBounded -count=1 -timeout 30m -v ./internal/server
	VIGIL_CLUSTER_ARTICLES=100 VIGIL_CLUSTER_ROUNDS=3 scripts/pgtest.sh $(GO) test -run TestClusterSurvivesKills -count=1 -timeout 30m -v ./internal/queue
	VIGIL_PGKILL_ARTICLES=60 VIGIL_PGKILL_ROUNDS=3 scripts/pgtest.sh $(GO) test -run TestPostgresCrashUnderWorkers -count=1 -timeout 30m -v ./internal/queue
	scripts/vulncheck-test.sh
	scripts/vulncheck.sh

# The user guide's screenshots, taken by the browser tests (docs/guide/img).
guide:
	scripts/guide.sh

# Static binaries for linux/amd64, linux/arm64, darwin, windows in dist/.
release:
	scripts/release.sh

clean:
	rm -f $(BIN) $(DB) $(DB)-wal $(DB)-shm
