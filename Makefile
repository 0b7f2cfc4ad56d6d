# edgeconform — build, test, lint, benchmark. `make test` is what CI runs (.ci/run).
GO      ?= go
BIN     ?= bin/edgeconform
PKGS    := ./...
FUZZTIME ?= 30s
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The image deploy/k8s/ runs (a test checks that the manifests name it).
IMAGE   ?= ghcr.io/edgeconform/edgeconform
IMAGE_TAG ?= latest

.PHONY: all build image test test-main test-sdk test-redis throttle-full lint lint-spec prism fmt-check vet tidy-check fuzz fuzz-short bench run clean recordings

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/edgeconform

## image: the container image from Dockerfile, without a Docker daemon: Buildah or Podman (Docker
## only when neither is installed).
image:
	@if command -v buildah >/dev/null 2>&1; then set -x; buildah bud --build-arg VERSION=$(VERSION) -t $(IMAGE):$(IMAGE_TAG) .; \
	elif command -v podman >/dev/null 2>&1; then set -x; podman build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(IMAGE_TAG) .; \
	elif command -v docker >/dev/null 2>&1; then set -x; docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(IMAGE_TAG) .; \
	else echo "make image: needs buildah or podman (no daemon), or docker; or build Dockerfile with kaniko"; exit 1; fi

## test: everything CI checks — formatting, vet, the race-enabled tests (the committed fuzz corpora
## run as plain tests there), SDK interop, spec lint, the spec under Prism's validation proxy.
## Deterministic: random fuzzing is `make fuzz`.
test: fmt-check vet tidy-check test-main test-sdk test-redis lint-spec prism

# The race detector over everything; then, without it, the throttle scenario's full matrices (every
# algorithm and every broken limiter, simulated and against the reference implementation), which the
# race build trims to one of each because it is many times slower and they are single-goroutine maths;
# and the 50 seeds × 300 generated calls against the reference and each of its variants, which the
# race build trims to 5 seeds (1 for the variants);
# and the API handler's allocation budget, which the race build loosens; and the throttle scenario
# against x/time/rate and over a slow link, which the race build skips.
test-main:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	$(GO) test -count=1 -run 'Sim|AgainstReference|AgainstLimitersPeopleUse|OverSlowLink' ./internal/throttle
	$(GO) test -count=1 -run 'TestReferenceConformsOverSeeds|TestVariantsConformOverSeeds' ./internal/explore
	$(GO) test -count=1 -run 'TestAPIAllocBudget' ./internal/mock

test-sdk:
	@cd internal/sdktest && $(GO) test -count=1 ./...

## test-redis: the throttle scenario against go-redis/redis_rate over a real Redis (its own module,
## internal/redistest/; skipped with a message where redis-server is not installed), at a scaled window.
test-redis:
	@cd internal/redistest && $(GO) test -count=1 ./...

## throttle-full: the throttle scenario at the spec's full scale (6000/1m, about 100 s a run, two at
## a time) against the reference implementation, x/time/rate, the reference 10% too lenient, and
## redis_rate: for release runs, never in make test. THROTTLE_FULL=all adds each of the reference's
## algorithms.
throttle-full:
	THROTTLE_FULL=$${THROTTLE_FULL:-1} THROTTLE_TEST_PARALLEL=$${THROTTLE_TEST_PARALLEL:-2} $(GO) test -count=1 -v -timeout 60m -run 'TestThrottleFullScale' ./internal/throttle
	@cd internal/redistest && THROTTLE_FULL=1 $(GO) test -count=1 -v -timeout 30m ./...

lint: fmt-check vet tidy-check lint-spec

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	@cd internal/sdktest && $(GO) vet ./...
	@cd internal/redistest && $(GO) vet ./...

# go.mod and go.sum say exactly what the code imports (direct requirements direct, none unused).
tidy-check:
	$(GO) mod tidy -diff
	@cd internal/sdktest && $(GO) mod tidy -diff
	@cd internal/redistest && $(GO) mod tidy -diff

lint-spec:
	@if [ -x internal/scripts/lint-spec.sh ]; then internal/scripts/lint-spec.sh; fi

## prism: the reference implementation behind Stoplight Prism's validation proxy; every JSON cell's
## success case and the official SDKs' captured requests must draw no violation (skipped without npx).
prism:
	@internal/scripts/prism.sh

## fuzz: random fuzzing, each target for $(FUZZTIME); commit what it finds (testdata/fuzz/) as seeds
## with the fix. Never part of `make test`: a new finding would turn CI red on an unrelated commit.
## fuzz-short: a few seconds per target, a smoke run.
fuzz-short:
	@FUZZTIME=3s internal/scripts/fuzz.sh

fuzz:
	@FUZZTIME=$(FUZZTIME) internal/scripts/fuzz.sh

bench:
	@internal/scripts/bench.sh

run: build
	$(BIN) run

## recordings: re-record the reference implementation into fixtures/recordings/reference (after a
## change of its answers or of the spec; TestRecordingIsCurrent says when).
recordings:
	$(GO) run ./cmd/edgeconform record --out fixtures/recordings/reference

clean:
	rm -rf bin
