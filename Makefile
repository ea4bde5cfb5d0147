SHELL := /bin/bash
# Alertgate. `make run` serves on 127.0.0.1:8080 with data in ./data;
# `make test` runs every test. See README.md.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GENERATED := views store/db

.PHONY: run build test check generate bench fmt fuzz

run: build
	./bin/alertgate serve

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/alertgate ./cmd/alertgate

test:
	go test -race -count=1 ./...

generate:
	go tool templ generate
	go tool sqlc generate

# check regenerates the generated code and fails if that changed anything,
# then runs the formatters in check mode and go vet.
check:
	@before=$$(find $(GENERATED) -name '*.go' -exec sha256sum {} + | sort); \
	$(MAKE) --no-print-directory generate >/dev/null; \
	after=$$(find $(GENERATED) -name '*.go' -exec sha256sum {} + | sort); \
	if [ "$$before" != "$$after" ]; then \
		echo "generated code was stale: 'make generate' changed:"; \
		diff <(echo "$$before") <(echo "$$after") | grep '^[<>]' | awk '{print "  " $$3}' | sort -u; \
		exit 1; \
	fi
	@unformatted=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	go tool templ fmt -fail views
	$(MAKE) --no-print-directory fuzz

# fuzz gives every decoder's fuzz target a short run (FUZZTIME each, counted in
# executions: a time limit can end the run mid-minimisation and fail it); new
# crashers land in alert/testdata/fuzz and then run with every go test.
FUZZTIME ?= 5000x
fuzz:
	@for f in $$(go test -list '^Fuzz' ./alert/ | grep '^Fuzz'); do \
		echo "fuzz $$f ($(FUZZTIME))"; \
		out=$$(go test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./alert/ 2>&1) || { echo "$$out"; exit 1; }; \
	done

# bench runs the Go benchmarks, then the ingest load test: it builds the
# binary, posts signed deliveries to it and to a verify-only baseline, and
# prints both, their ratio and whether stored == acknowledged.
bench:
	go test -run '^$$' -bench . -benchmem ./...
	go run ./bench/ingest -duration 10s -conns 64
	go run ./bench/forward -rate 1000 -duration 10s

fmt:
	gofmt -w $$(git ls-files --cached --others --exclude-standard '*.go')
	go tool templ fmt views
