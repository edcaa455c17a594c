# intermw — see README.md.
GO        ?= go
GOFLAGS   ?=
DATA      ?= ./data
LISTEN    ?= 127.0.0.1:8080
PKGS      ?= ./...
FUZZTIME  ?= 3m

.PHONY: all build run test test-deps bench bench-store fuzz lint conformance clean

all: build

build:
	$(GO) build $(GOFLAGS) -o bin/intermw ./cmd/intermw

## run: start the hub all-in-one on embedded defaults.
run:
	$(GO) run $(GOFLAGS) ./cmd/intermw serve --listen $(LISTEN) --data $(DATA)

## test-deps: install what the tests need (the npm SPARQL server used by the remote-store suite).
test-deps:
	@if command -v npm >/dev/null 2>&1; then \
		cd test/sparqlserver && npm ci --no-audit --no-fund --loglevel=error; \
	elif [ "$$CI" = "true" ]; then \
		echo "npm is required for the remote-store tests (CI=true)"; exit 1; \
	else \
		echo "note: npm not found; the tests that need the Oxigraph SPARQL server will skip"; \
	fi

## test: lint, then every test. Tests start RabbitMQ, Mosquitto and NATS when they are down.
test: test-deps lint
	$(GO) test $(GOFLAGS) -count=1 -timeout 20m $(PKGS)

## bench: the benchmarks quoted in docs/benchmarks.md.
bench:
	$(GO) test $(GOFLAGS) -run '^$$' -bench . -benchmem ./messages/ ./broker/...
	$(GO) test $(GOFLAGS) -run '^$$' -bench . -benchmem ./services/triplestore/engine/...

## bench-store: the embedded triplestore against Oxigraph on 1M registry triples (slow).
bench-store: test-deps
	INTERMW_BENCH_DEVICES=$${INTERMW_BENCH_DEVICES:-100000} $(GO) test -run '^$$' -bench . -benchtime 20x -timeout 60m ./services/triplestore/storebench/

## fuzz: run each fuzz target for FUZZTIME.
FUZZ_TARGETS = \
	./messages/:FuzzDecode \
	./broker/:FuzzEscapeID \
	./services/triplestore/engine/sparql/:FuzzParse \
	./services/triplestore/engine/quadstore/:FuzzDecodeRecord \
	./services/triplestore/engine/quadstore/:FuzzSnapshotFile \
	./services/geometry/:FuzzParse \
	./ontology/alignment/:FuzzParse \
	./ontology/alignment/:FuzzExecutorsAgree \
	./ontology/alignment/:FuzzRandomAlignmentsAgree
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name in $$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

## conformance: the W3C SPARQL 1.0/1.1 suites against the embedded engine.
conformance:
	$(GO) test -count=1 -run 'W3C' -v ./services/triplestore/w3c/ 2>&1 | tail -n 40

## lint: gofmt and go vet.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

clean:
	rm -rf bin
