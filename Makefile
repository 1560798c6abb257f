# workgate — the two commands that matter are `make run` and `make test`.
# Both need only Go, the Google Cloud CLI with its Firestore and Pub/Sub
# emulator components, and Java (see README.md).

GO            ?= go
GOLANGCI_LINT := v2.15.0
BIN           := $(CURDIR)/bin

.PHONY: run run-split test test-packages test-e2e vet test-only bench cost fmt lint build image tidy clean

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
## per CPU).
##
## The end-to-end suite runs against the split stack, every function in its
## own process as in production (WORKGATE_STACK=split), built without the
## race detector, as is the test process, which only drives them (the race
## detector made the suite 60% slower for no code of the product's:
## WORKGATE_STACK_RACE=1 builds the functions' processes with it); its
## TestOneProcess* tests then run the one-process stack of `make run`,
## handlers included, under -race. The other packages run under -race at
## the same time, with emulators of their own; then the load generator's
## short form (make load-short: 30 s, processes killed under it), alone.
test: vet
	$(MAKE) -j2 -Otarget --no-print-directory test-packages test-e2e
	$(MAKE) --no-print-directory load-short

test-packages:
	$(GO) run ./emulator/cmd/withemulators -- sh -c '$(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v /test/e2e)'

test-e2e:
	WORKGATE_STACK=split $(GO) run ./emulator/cmd/withemulators -- sh -c '$(GO) test -count=1 -parallel 6 -timeout 30m -skip TestOneProcess ./test/e2e && $(GO) test -race -count=1 -timeout 15m -run TestOneProcess ./test/e2e'

vet:
	$(GO) vet ./...

## bench: latency, Firestore operations and chain latency, each beside its
## floor; the image's size and each function's cold start. Every row is
## also written to docs/bench.json (-json), for `make cost`. Each part runs
## on emulators of its own, with its own floors (the emulator slows with
## all that earlier parts wrote, and F14's fan-outs to 1,000 members keep
## it busy for minutes after): the core (F1 to F15) last, so that the
## floors section is its own.
BENCH_PARTS = coldstart live withdrawal app rooms core
bench: image
	$(GO) build -o $(BIN)/bench ./test/bench
	set -e; for part in $(BENCH_PARTS); do $(GO) run ./emulator/cmd/withemulators -- $(BIN)/bench -only $$part; done

## cost: docs/COST.md, the monthly cost of a workspace of 1,000 and 100,000
## members, from the bench's latest figures (docs/bench.json, which every
## `make bench` updates: a partial run only its own sections), the usage
## model of issue 22 and the list prices in infra/cost.
cost:
	$(GO) run ./infra/cmd/cost

fmt:
	gofmt -s -w .

## lint: golangci-lint, pinned, installed as its own binary (not in go.mod).
lint: $(BIN)/golangci-lint
	$(BIN)/golangci-lint run ./...

$(BIN)/golangci-lint:
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT)

## infra-check: Terraform itself on infra/terraform, offline: fmt -check,
## validate, and the tests that plan it (go test ./infra -run Terraform).
## Terraform is built from source like golangci-lint. The Go module proxy
## serves no release of the hashicorp/google provider, so the provider is a
## schema-only stand-in (infra/tfstub) serving google 6.50.0's schema,
## recovered from HashiCorp's prebuilt CDK for Terraform bindings of that
## release (npm @cdktf/provider-google, pinned by hash). Terraform takes it
## from a filesystem mirror in bin/ (bin/terraform.tfrc), never the network.
TERRAFORM           := v1.8.5
GOOGLE_PROVIDER     := 6.50.0
CDKTF_GOOGLE        := 16.12.1
CDKTF_GOOGLE_SHA256 := c13e11596542ffb7412d5f4caa9376525fbef88d18cdedac03c9b3c392a1fc80
TF_PLUGINS          := $(BIN)/terraform-plugins
TF_GOOGLE_DIR       := $(TF_PLUGINS)/registry.terraform.io/hashicorp/google/$(GOOGLE_PROVIDER)/linux_amd64
TF_GOOGLE           := $(TF_GOOGLE_DIR)/terraform-provider-google_v$(GOOGLE_PROVIDER)
TF_ENV              := TF_CLI_CONFIG_FILE=$(BIN)/terraform.tfrc TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
TF_CHECK_DIR        := $(CURDIR)/.workgate/infra-check

.PHONY: infra-check
infra-check: $(BIN)/terraform $(TF_GOOGLE) $(TF_GOOGLE_DIR)/schema.json $(BIN)/terraform.tfrc
	$(TF_ENV) $(BIN)/terraform fmt -check -diff infra/terraform
	@# validate a copy: init writes .terraform and a lock file naming the stand-in.
	rm -rf $(TF_CHECK_DIR) && mkdir -p $(TF_CHECK_DIR)/terraform
	cp infra/terraform/*.tf $(TF_CHECK_DIR)/terraform/ && cp infra/topology.yaml $(TF_CHECK_DIR)/
	cd $(TF_CHECK_DIR)/terraform && $(TF_ENV) $(BIN)/terraform init -backend=false -no-color >/dev/null && $(TF_ENV) $(BIN)/terraform validate -no-color
	WORKGATE_INFRA_CHECK=1 WORKGATE_TOOLS_BIN=$(BIN) $(GO) test -count=1 -run 'Terraform' ./infra

$(BIN)/terraform:
	GOBIN=$(BIN) $(GO) install github.com/hashicorp/terraform@$(TERRAFORM)

$(TF_GOOGLE): infra/tfstub/go.mod $(wildcard infra/tfstub/*/*.go infra/tfstub/*/*/*.go)
	cd infra/tfstub && $(GO) build -o $@ ./cmd/terraform-provider-google

$(TF_GOOGLE_DIR)/schema.json: infra/tfstub/go.mod $(wildcard infra/tfstub/cdktf/*.go infra/tfstub/cmd/cdktf2schema/*.go)
	rm -rf $(BIN)/cdktf-google && mkdir -p $(BIN)/cdktf-google $(TF_GOOGLE_DIR)
	cd $(BIN)/cdktf-google && npm pack --silent @cdktf/provider-google@$(CDKTF_GOOGLE) >/dev/null
	echo "$(CDKTF_GOOGLE_SHA256)  $(BIN)/cdktf-google/cdktf-provider-google-$(CDKTF_GOOGLE).tgz" | sha256sum -c --quiet
	tar -xzf $(BIN)/cdktf-google/cdktf-provider-google-$(CDKTF_GOOGLE).tgz -C $(BIN)/cdktf-google
	cd infra/tfstub && $(GO) run ./cmd/cdktf2schema -o $@ $(BIN)/cdktf-google/package/lib
	rm -rf $(BIN)/cdktf-google

$(BIN)/terraform.tfrc:
	mkdir -p $(BIN)
	printf 'disable_checkpoint = true\nprovider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/google"]\n  }\n}\n' $(TF_PLUGINS) > $@

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

## fuzz: every Go fuzz target, listed from the code, fuzzed FUZZTIME each
## (default 2m), one after another on one core; FUZZ=regexp picks targets
## by name, e.g. `make fuzz FUZZ=Decode FUZZTIME=30s`. A failing input is
## written to the package's testdata/fuzz/<target>/, where every `go test`
## (so `make test`) runs it from then on, with the f.Add seeds.
## go1.26's fuzz coordinator can fail a run with "context deadline
## exceeded" as -fuzztime ends (golang/go#75804, fixed in go1.27): such a
## failure that wrote no input is reported and ignored.
FUZZTIME ?= 2m
FUZZ     ?= .
.PHONY: fuzz
fuzz:
	@grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . \
	| sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*).*#\1 \2#' | sort \
	| awk -v re='$(FUZZ)' '$$2 ~ re' \
	| while read -r dir target; do \
		echo "== ./$$dir $$target ($(FUZZTIME))"; \
		found() { ls "$$dir/testdata/fuzz/$$target" 2>/dev/null | wc -l; }; \
		before=$$(found); log=$$(mktemp); \
		{ $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -parallel 1 "./$$dir" 2>&1; echo $$? >"$$log.rc"; } | tee "$$log"; \
		rc=$$(cat "$$log.rc"); flake=$$(grep -c 'context deadline exceeded' "$$log"); rm -f "$$log" "$$log.rc"; \
		if [ "$$rc" != 0 ] && { [ "$$(found)" != "$$before" ] || [ "$$flake" = 0 ]; }; then exit 1; fi; \
		if [ "$$rc" != 0 ]; then echo "== $$target: golang/go#75804 at the deadline, no failing input: ignored"; fi; \
	done

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
