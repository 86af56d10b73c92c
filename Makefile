# certa — see README.md. Every target works on a fresh machine with Go only;
# integration tests skip (or fail under CERTA_REQUIRE_INTEGRATION=1) when
# poppler-utils, qpdf, zbar-tools or libnss3-tools are missing.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME   ?= 2s
PKGS        := ./...

.PHONY: run test lint vet unit bench bench-smoke fuzz-smoke golden build clean

run:
	$(GO) run ./cmd/certa serve

build:
	$(GO) build -o bin/certa ./cmd/certa

test: lint unit

lint: vet
	$(STATICCHECK) $(PKGS)

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -cpu 1,2 ./benchmarks/

# Compile and run every benchmark briefly, so they keep working.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 5x ./...

FUZZTIME ?= 10s
fuzz-smoke:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/codicefiscale/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/vcode/
	$(GO) test -run '^$$' -fuzz '^FuzzVerifyPDF$$' -fuzztime $(FUZZTIME) ./verify/
	$(GO) test -run '^$$' -fuzz '^FuzzImportLine$$' -fuzztime $(FUZZTIME) ./internal/importer/
	$(GO) test -run '^$$' -fuzz '^FuzzParseURI$$' -fuzztime $(FUZZTIME) ./signer/pkcs11/
	$(GO) test -run '^$$' -fuzz '^FuzzParseToken$$' -fuzztime $(FUZZTIME) ./signer/tsa/
	$(GO) test -run '^$$' -fuzz '^FuzzSign$$' -fuzztime $(FUZZTIME) ./signer/pades/

# Rewrite the reviewed pdftotext golden files after a deliberate wording or
# layout change; review the diff before committing.
golden:
	$(GO) test ./templates/ -run TestGoldenText -update

clean:
	rm -rf bin
