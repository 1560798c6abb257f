# workgate — the two commands that matter are `make run` and `make test`.
# Both need only Go, the Google Cloud CLI with its Firestore and Pub/Sub
# emulator components, and Java (see README.md).

GO            ?= go
GOLANGCI_LINT := v2.15.0
BIN           := $(CURDIR)/bin

.PHONY: run run-split test test-all test-split vet test-only bench fmt lint build image tidy clean

## run: the whole local stack (emulators, mail sink, every function), Ctrl-C stops it.
run:
	$(GO) run ./emulator/cmd/devstack

## run-split: the same, with every function in its own process as in production
## (FUNCTION_TARGET, PORT, its own secrets; pushes with an OIDC token).
run-split:
	$(GO) run ./emulator/cmd/devstack -split

## test: go vet, then go test -race ./... against emulators started on free ports.
## The end-to-end tests mostly wait (on the emulators, Pub/Sub, mails,
## browsers), so 6 run at once whatever the CPU count (go's default is one
## per CPU): on 2 cores the e2e package takes about 6 minutes instead of 10.
##
## The end-to-end suite runs twice, at once, each run against emulators of its
## own: with every function in this process (with -race, as every package),
## and against the split stack, every function in its own process as in
## production (WORKGATE_STACK=split; its processes are built without -race).
test: vet
	$(MAKE) -j2 -Otarget --no-print-directory test-all test-split

test-all:
	$(GO) run ./emulator/cmd/withemulators -- $(GO) test -race -count=1 -parallel 6 -timeout 15m ./...

test-split:
	WORKGATE_STACK=split $(GO) run ./emulator/cmd/withemulators -- $(GO) test -count=1 -parallel 6 -timeout 15m ./test/e2e

vet:
	$(GO) vet ./...

## bench: latency, Firestore operations and chain latency, each beside its floor.
bench:
	$(GO) run ./emulator/cmd/withemulators -- $(GO) run ./test/bench

fmt:
	gofmt -s -w .

## lint: golangci-lint, pinned, installed as its own binary (not in go.mod).
lint: $(BIN)/golangci-lint
	$(BIN)/golangci-lint run ./...

$(BIN)/golangci-lint:
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT)

build:
	$(GO) build ./...

## image: the container of one function, e.g. `make image FUNCTION=signup` (needs a Docker engine).
image:
	docker build -f infra/Dockerfile --build-arg FUNCTION_TARGET=$(FUNCTION) -t workgate-$(FUNCTION) .

clean:
	rm -rf $(BIN) .workgate

## load: the load generator (test/load) against a stack of its own (split,
## emulators of its own unless FIRESTORE_EMULATOR_HOST/PUBSUB_EMULATOR_HOST
## name some): 200 members for 5 minutes, every effect checked after.
## Flags through LOAD_FLAGS, e.g. make load LOAD_FLAGS='-fault pubsub'
## (faults: pubsub, pubsub-pause, kill, mail; -h lists every flag).
## load-short: its short form as a Go test (30 s, the rooms and events
## processes killed), for make test.
.PHONY: load load-short
load:
	$(GO) run ./test/load $(LOAD_FLAGS)

load-short:
	WORKGATE_LOAD=short $(GO) test -count=1 -timeout 6m -run TestLoadShort ./test/load
