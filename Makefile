# workgate — the two commands that matter are `make run` and `make test`.
# Both need only Go, the Google Cloud CLI with its Firestore and Pub/Sub
# emulator components, and Java (see README.md).

GO            ?= go
GOLANGCI_LINT := v2.15.0
BIN           := $(CURDIR)/bin

.PHONY: run run-split test vet test-only bench fmt lint build image tidy clean

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
test: vet
	$(GO) run ./emulator/cmd/withemulators -- $(GO) test -race -count=1 -parallel 6 -timeout 15m ./...

vet:
	$(GO) vet ./...

## bench: latency, Firestore operations and chain latency, each beside its
## floor; the image's size and each function's cold start.
bench: image
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

## image: the one image of every function (each service's FUNCTION_TARGET
## picks its function), built by ko with no Docker engine into the OCI image
## layout .workgate/image, then checked and described (layers, sizes). Its
## base is pinned in .ko.yaml; where that registry does not answer, the
## image is built on a stand-in made of this machine's files, for local use
## (IMAGE_BASE=registry refuses to; see infra/image). Push it with
## `crane push .workgate/image REPOSITORY:TAG`.
KO         := v0.19.1
IMAGE_BASE ?= auto
image: $(BIN)/ko
	$(GO) run ./infra/cmd/image -ko $(BIN)/ko -base $(IMAGE_BASE)

$(BIN)/ko:
	GOBIN=$(BIN) $(GO) install github.com/google/ko@$(KO)

clean:
	rm -rf $(BIN) .workgate
