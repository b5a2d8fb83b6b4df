# iamd: make test runs everything CI runs. PostgreSQL must be reachable at
# IAMD_TEST_DATABASE_URL (default: the local server on 127.0.0.1:5432).

GO ?= go
IAMD_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
PG_ADMIN_URL ?= $(IAMD_TEST_DATABASE_URL)
export IAMD_TEST_DATABASE_URL
export IAMD_TEST_BOTOCORE ?= 1
# The console's browser tests drive Debian's chromium (CHROMIUM overrides the path).
export IAMD_TEST_BROWSER ?= 1
# The LGPL PSKC samples are read in place (never copied) when ../shared has them.
export IAMD_TEST_SHARED_PSKC ?= $(if $(wildcard ../shared/testdata/pskc),1,)

BIN := bin/iamd

.PHONY: all build test fmt-check vet gotest fuzz-short e2e bench fuzz soak clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/iamd

test: fmt-check vet gotest fuzz-short e2e

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@echo "gofmt: ok"

vet:
	$(GO) vet ./...

# Go tests with the race detector on SQLite and PostgreSQL; the summary
# counts the storage and integration tests run on each engine.
gotest:
	@mkdir -p bin
	$(GO) test -race -count=1 -v ./... > bin/gotest.log 2>&1; status=$$?; \
	grep -E '^(ok|FAIL|---|panic:|\s+--- FAIL)' bin/gotest.log | grep -v -- '--- PASS' ; \
	scripts/test-summary.sh bin/gotest.log; \
	if [ $$status -ne 0 ]; then echo "go test failed: see bin/gotest.log"; grep -B2 -A20 -E -- '--- FAIL' bin/gotest.log | head -200; fi; \
	exit $$status

# End-to-end: the real aws CLI through the README walkthrough, and boto3,
# each on SQLite and on a fresh PostgreSQL database.
e2e: build
	scripts/e2e.sh $(BIN)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/otp ./internal/sigv4 ./internal/awsquery ./internal/policy ./internal/gateway

# Every fuzz target briefly (the committed corpora under each package's
# testdata/fuzz also run as seeds in every go test); make fuzz runs them
# for 30 s each.
fuzz-short:
	scripts/fuzz.sh 2

fuzz:
	scripts/fuzz.sh 30

# The fault tests over and over: kill -9 under load and PostgreSQL
# connection cuts (make test runs each once).
soak:
	$(GO) test -race -count=10 -run 'TestKillNineKeepsAcknowledgedWrites' ./cmd/iamd
	$(GO) test -race -count=10 -run 'TestPostgresConnectionCut' ./internal/gateway

clean:
	rm -rf bin
