# vpnlab — see README.md. Everything builds offline: the base image comes from
# debootstrap (or FROM debian:bookworm-slim with VPNLAB_BASE_FROM_REGISTRY=1).
GO         ?= go
SCENARIO   ?= healthy
RUNS       ?= 3
export CGO_ENABLED := 0
export TESTCONTAINERS_RYUK_DISABLED := true
export TESTCONTAINERS_HOST_OVERRIDE := 127.0.0.1

GOFILES := $(shell find . -name '*.go' -not -path './.build/*') go.mod go.sum

.PHONY: all build images lab lab-down test unit suites bench fuzz clean

all: build

build: bin/vpnlab bin/vpnlab-node

bin/vpnlab: $(GOFILES)
	$(GO) build -trimpath -o $@ ./cmd/vpnlab

bin/vpnlab-node: $(GOFILES)
	$(GO) build -trimpath -o $@ ./cmd/vpnlab-node

# The base image (strongSwan, iproute2, iptables) and the node image with our
# static binary; both are reused when their inputs did not change.
images: bin/vpnlab-node
	docker/build-base.sh
	docker/build-node.sh bin/vpnlab-node

# Bring a lab up and leave it running: make lab SCENARIO=healthy
lab: images bin/vpnlab
	bin/vpnlab lab up --scenario $(SCENARIO) $(LABFLAGS)

lab-down: bin/vpnlab
	bin/vpnlab lab down --all

# Unit tests, then the Ginkgo suites against real containers (JUnit report
# in reports/junit.xml).
test: unit suites

unit:
	$(GO) vet ./...
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /suites)

suites: images bin/vpnlab
	mkdir -p reports
	$(GO) test -v -count=1 -timeout 30m ./suites/... -args \
		-ginkgo.v -ginkgo.junit-report=$(CURDIR)/reports/junit.xml -vpnlab.bin=$(CURDIR)/bin/vpnlab

# Warm bring-ups (topology, tunnel, BGP, memory), every scenario's time to
# verdict and the failover outage, then the engine's time per recorded bundle.
bench: images bin/vpnlab
	bin/vpnlab bench --runs $(RUNS) --scenarios
	$(GO) test -run '^$$' -bench 'Diagnose' -benchmem ./diagnose/
	$(GO) test -run '^$$' -bench 'Parse' -benchmem ./offline/
	$(MAKE) fuzz

# Fuzz the offline parsers and the engine, each for a bounded time.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./offline/
	$(GO) test -run '^$$' -fuzz '^FuzzDiagnose$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./diagnose/

clean: lab-down
	rm -rf bin reports
