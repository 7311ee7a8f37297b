# Portale Genitori — the commands a newcomer needs: `make run`, `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(PATH):/usr/local/go/bin:/usr/sbin:/sbin

GO ?= go
ADDR ?= :8080
# CNS/CRS demo card listener (https); CNS_ADDR= turns it off
CNS_ADDR ?= :8443
MAILPIT_VERSION ?= v1.33.1
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT := bin/golangci-lint-$(GOLANGCI_LINT_VERSION)

.PHONY: build run test test-go vet lint fmt bench bench-ab bench-compare bench-plan bench-rush bench-broadcast bench-rush-meals bench-faults db-stop db-destroy clean

build:
	$(GO) build -o bin/genitori ./cmd/genitori

## run: start a private PostgreSQL under var/ (unless DATABASE_URL is set),
## migrate, seed the demo and serve on http://localhost:8080. Ctrl-C stops all.
## The sealing keys serve needs are made once into var/secret-key and
## var/totp-key (unless GENITORI_SECRET_KEY / GENITORI_TOTP_KEY are set).
run: build
	@cleanup=""; \
	if [ -z "$${GENITORI_SMTP_HOST:-}" ]; then \
		if [ ! -x bin/mailpit ]; then \
			echo "Building the local mail catcher Mailpit $(MAILPIT_VERSION) (first run only, about 2 minutes)..."; \
			GOBIN=$(CURDIR)/bin $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION) || \
				echo "Mailpit could not be built: e-mails stay queued and are retried until an SMTP server answers on 127.0.0.1:1025."; \
		fi; \
		if [ -x bin/mailpit ]; then \
			mkdir -p var; bin/mailpit --listen 127.0.0.1:8025 --smtp 127.0.0.1:1025 --quiet >var/mailpit.log 2>&1 & \
			cleanup="kill $$! 2>/dev/null;"; \
		fi; \
		trap "$$cleanup" EXIT; \
	fi; \
	if [ -z "$${DATABASE_URL:-}" ]; then \
		export DATABASE_URL=$$(.ci/pg start dev); \
		trap "$$cleanup .ci/pg stop dev" EXIT; \
	fi; \
	export GENITORI_ADDR=$${GENITORI_ADDR:-$(ADDR)}; \
	export GENITORI_COOKIE_SECURE=$${GENITORI_COOKIE_SECURE:-true}; \
	mkdir -p var; \
	for k in secret totp; do \
		[ -s var/$$k-key ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/$$k-key); \
	done; \
	export GENITORI_SECRET_KEY=$${GENITORI_SECRET_KEY:-$$(cat var/secret-key)}; \
	export GENITORI_TOTP_KEY=$${GENITORI_TOTP_KEY:-$$(cat var/totp-key)}; \
	export GENITORI_BASE_URL=$${GENITORI_BASE_URL:-http://localhost:$${GENITORI_ADDR##*:}}; \
	bin/genitori migrate; \
	bin/genitori seed; \
	export GENITORI_DEMO_IDP=$${GENITORI_DEMO_IDP:-true}; \
	export GENITORI_DEMO_PAGOPA=$${GENITORI_DEMO_PAGOPA:-true}; \
	export GENITORI_DEMO_APPIO=$${GENITORI_DEMO_APPIO:-true}; \
	bin/genitori spid-keygen --all --if-missing; \
	cns_msg=""; \
	if [ -n "$(CNS_ADDR)" ] && [ -z "$${GENITORI_CNS_ADDR:-}$${GENITORI_CNS_PROXY_HEADER:-}" ]; then \
		bin/genitori cns-demo var/cns; \
		export GENITORI_CNS_ADDR=$(CNS_ADDR) GENITORI_CNS_CA_DIR=var/cns/ca \
			GENITORI_CNS_TLS_CERT=var/cns/server.pem GENITORI_CNS_TLS_KEY=var/cns/server-key.pem; \
		cns_msg="CNS/CRS card sign-in: https://localhost:$${GENITORI_CNS_ADDR##*:} (demo card var/cns/mario-rossi.p12, password demo-cns; see README)"; \
	fi; \
	echo; echo "Portale Genitori: http://localhost:$${GENITORI_ADDR##*:}/demo/accesso"; \
	if [ -n "$$cleanup" ]; then echo "Mails sent by the portal (Mailpit): http://127.0.0.1:8025/"; fi; \
	echo "SMS are printed here (development adapter); registration demo: Anna Verdi, CF VRDNNA87H43L219D."; \
	if [ -n "$$cns_msg" ]; then echo "$$cns_msg"; fi; \
	echo "Press Ctrl-C to stop the server and the database."; echo; \
	bin/genitori serve

## test: every test — unit, PostgreSQL-backed and the headless-Chromium
## journeys — against a throwaway cluster (installs chromium and axe-core).
test: $(GOLANGCI_LINT)
	.ci/deps >/dev/null
	@export TEST_DATABASE_URL=$$(.ci/pg start test); \
	gofmt_out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/node_modules/*')); \
	if [ -n "$$gofmt_out" ]; then echo "gofmt needed:"; echo "$$gofmt_out"; exit 1; fi; \
	$(GO) vet ./...; \
	$(GOLANGCI_LINT) run ./...; \
	$(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

## lint: golangci-lint (.golangci.yml), built once into bin/ at the pinned version.
lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT):
	@echo "Building golangci-lint $(GOLANGCI_LINT_VERSION) into bin/ (once; a few minutes on a cold Go cache)..."
	@rm -rf bin/.golangci-lint && mkdir -p bin/.golangci-lint
	GOBIN=$(CURDIR)/bin/.golangci-lint $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	@mv bin/.golangci-lint/golangci-lint $@ && rmdir bin/.golangci-lint

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: load test of the parent pages (family home, calendar fragment and
## page, payments) on a synthetic city of BENCH_CHILDREN children, seeded once
## into the throwaway cluster "testbench" (kept between runs; ~5 min for
## 100000). Prints p50/p95/p99, throughput and bytes, the same bytes
## served as a static response and the ratio between the two, and saves the
## table as JSON in var/bench/ (see bench-compare). Requests go to 127.0.0.1 only.
## BENCH_REPLICA=1: the parents' reads go to a streaming standby of testbench
## on this machine ("testbench-replica", docs/replicas.md).
BENCH_CHILDREN ?= 100000
BENCH_FLAGS ?=
BENCH_REPLICA ?=
bench: build
	@export DATABASE_URL=$${BENCH_DATABASE_URL:-$$(.ci/pg start testbench)}; \
	bin/genitori migrate; \
	if [ -n "$(BENCH_REPLICA)" ] && [ -z "$${DATABASE_REPLICA_URL:-}" ]; then \
		if [ -n "$${BENCH_DATABASE_URL:-}" ]; then echo "BENCH_REPLICA=1 with BENCH_DATABASE_URL: set DATABASE_REPLICA_URL to its standby" >&2; exit 2; fi; \
		export DATABASE_REPLICA_URL=$$(.ci/pg standby testbench-replica testbench); \
	fi; \
	bin/genitori bench --children $(BENCH_CHILDREN) $(BENCH_FLAGS); \
	bin/genitori rush --children $(BENCH_CHILDREN) $(RUSH_FLAGS); \
	bin/genitori rush-meals --children $(BENCH_CHILDREN) $(RUSH_MEALS_FLAGS)
	$(MAKE) bench-faults

## bench-compare: the differences per endpoint and metric of two runs that
## `make bench` saved (var/bench/*.json): make bench-compare OLD=a.json NEW=b.json
bench-compare: build
	bin/genitori bench-compare "$(OLD)" "$(NEW)"

## bench-ab: the bench of a base commit and of this tree in turns, on the same
## city and machine (BENCH_AB_ROUNDS rounds, BENCH_AB_DURATION per endpoint and
## run), with this tree's throughput as a multiple of the base's. The default
## base is the last commit before issue 21's first change (docs/performance.md,
## "Against a base commit"). The base is built from `git archive` in var/ab/.
## BENCH_ONLY="family home" measures only the endpoints whose name has it in
## this tree (the base measures all).
BENCH_BASE ?= ab8ae04
BENCH_ONLY ?=
BENCH_AB_ROUNDS ?= 2
BENCH_AB_DURATION ?= 10s
bench-ab: build
	rm -rf var/ab && mkdir -p var/ab/src
	git archive $(BENCH_BASE) | tar -x -C var/ab/src
	cd var/ab/src && go build -o ../genitori-base ./cmd/genitori
	@export DATABASE_URL=$${BENCH_DATABASE_URL:-$$(.ci/pg start testbench)}; \
	bin/genitori migrate && \
	bin/genitori bench-ab --base var/ab/genitori-base --base-label $(BENCH_BASE) --children $(BENCH_CHILDREN) \
		--rounds $(BENCH_AB_ROUNDS) --duration $(BENCH_AB_DURATION) --only "$(BENCH_ONLY)"

## bench-plan: the plan test (EXPLAIN ANALYZE, BUFFERS of every parent page's
## statement) on a city of BENCH_CHILDREN children instead of 3,000 (~5 min to seed).
bench-plan:
	@export TEST_DATABASE_URL=$$(.ci/pg start test); \
	GENITORI_PLAN_CHILDREN=$(BENCH_CHILDREN) $(GO) test -count=1 -timeout 30m -v -run 'TestParentQueryPlans' ./db/

## bench-rush: only the morning rush (RUSH_FLAGS="--parents 2000 --concurrency 16").
RUSH_FLAGS ?=
bench-rush: build
	@export DATABASE_URL=$${BENCH_DATABASE_URL:-$$(.ci/pg start testbench)}; \
	bin/genitori migrate; \
	bin/genitori rush --children $(BENCH_CHILDREN) $(RUSH_FLAGS)

## bench-broadcast: a message from the Comune to every family of the synthetic
## city, sent as the River job staff start; prints its duration and the family
## home's p50/p95 meanwhile (BROADCAST_FLAGS="--email --users 100").
BROADCAST_FLAGS ?=
bench-broadcast: build
	@export DATABASE_URL=$${BENCH_DATABASE_URL:-$$(.ci/pg start testbench)}; \
	bin/genitori migrate; \
	bin/genitori bench-broadcast --children $(BENCH_CHILDREN) $(BROADCAST_FLAGS)

## bench-rush-meals: only the minutes before the meal cut-off (today must be
## a school day; RUSH_MEALS_FLAGS="--parents 2000 --window 2m").
RUSH_MEALS_FLAGS ?=
bench-rush-meals: build
	@export DATABASE_URL=$${BENCH_DATABASE_URL:-$$(.ci/pg start testbench)}; \
	bin/genitori migrate; \
	bin/genitori rush-meals --children $(BENCH_CHILDREN) $(RUSH_MEALS_FLAGS)

## bench-faults: the long versions of the fault tests (several app servers,
## nothing lost across a database restart and a killed worker).
bench-faults:
	@export TEST_DATABASE_URL=$$(.ci/pg start test); \
	GENITORI_FAULTS_LONG=1 $(GO) test -count=1 -timeout 20m -v -run 'TestTwoServeProcesses|TestNothingLost' ./cmd/genitori/

db-stop:
	.ci/pg stop dev; .ci/pg stop test; .ci/pg stop testbench-replica; .ci/pg stop testbench

db-destroy:
	.ci/pg destroy dev; .ci/pg destroy test

clean:
	rm -rf bin
