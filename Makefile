# Portale Genitori — the commands a newcomer needs: `make run`, `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(PATH):/usr/local/go/bin:/usr/sbin:/sbin

GO ?= go
ADDR ?= :8080

.PHONY: build run test test-go vet fmt bench db-stop db-destroy clean

build:
	$(GO) build -o bin/genitori ./cmd/genitori

## run: start a private PostgreSQL under var/ (unless DATABASE_URL is set),
## migrate, seed the demo and serve on http://localhost:8080. Ctrl-C stops all.
run: build
	@if [ -z "$${DATABASE_URL:-}" ]; then \
		export DATABASE_URL=$$(.ci/pg start dev); \
		trap '.ci/pg stop dev' EXIT; \
	fi; \
	export GENITORI_ADDR=$${GENITORI_ADDR:-$(ADDR)}; \
	export GENITORI_COOKIE_SECURE=$${GENITORI_COOKIE_SECURE:-true}; \
	bin/genitori migrate; \
	bin/genitori seed; \
	echo; echo "Portale Genitori: http://localhost:$${GENITORI_ADDR##*:}/demo/accesso"; \
	echo "Press Ctrl-C to stop the server and the database."; echo; \
	bin/genitori serve

## test: every test — unit, PostgreSQL-backed and the headless-Chromium
## journeys — against a throwaway cluster (installs chromium and axe-core).
test:
	.ci/deps >/dev/null
	@export TEST_DATABASE_URL=$$(.ci/pg start test); \
	gofmt_out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/node_modules/*')); \
	if [ -n "$$gofmt_out" ]; then echo "gofmt needed:"; echo "$$gofmt_out"; exit 1; fi; \
	$(GO) vet ./...; \
	$(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

db-stop:
	.ci/pg stop dev; .ci/pg stop test

db-destroy:
	.ci/pg destroy dev; .ci/pg destroy test

clean:
	rm -rf bin
