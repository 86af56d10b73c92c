# certa — see README.md. Every target works on a fresh machine with Go only;
# integration tests skip (or fail under CERTA_REQUIRE_INTEGRATION=1) when
# poppler-utils, qpdf, zbar-tools or libnss3-tools are missing.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME   ?= 2s
PKGS        := ./...

.PHONY: run test lint vet unit bench bench-peer bench-smoke fuzz-smoke golden build clean

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

# certa's stages and the PDFBox peer (../shared/peers/pdfbox) in one run,
# with the ratios (benchmarks/README.md).
bench-peer:
	BENCHTIME=$(BENCHTIME) benchmarks/peer.sh

# Compile and run every benchmark briefly, so they keep working.
bench-smoke:
	$(GO) test -short -run '^$$' -bench . -benchtime 5x ./...

# Fuzz budgets are counts of executions, not durations: Go 1.26's fuzz
# coordinator can fail a duration-bounded run with "context deadline
# exceeded" at the deadline under load (golang/go#75804, fixed in 1.27).
# Minimising new interesting inputs is bounded too, so a slow target
# (signing, verifying) cannot stall the run.
FUZZTIME ?= 20000x
FUZZFLAGS = -fuzztime $(FUZZTIME) -fuzzminimizetime 10x
fuzz-smoke:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' $(FUZZFLAGS) ./internal/codicefiscale/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' $(FUZZFLAGS) ./internal/vcode/
	$(GO) test -run '^$$' -fuzz '^FuzzVerifyPDF$$' $(FUZZFLAGS) ./verify/
	$(GO) test -run '^$$' -fuzz '^FuzzImportLine$$' $(FUZZFLAGS) ./internal/importer/
	$(GO) test -run '^$$' -fuzz '^FuzzParseURI$$' $(FUZZFLAGS) ./signer/pkcs11/
	$(GO) test -run '^$$' -fuzz '^FuzzParseToken$$' $(FUZZFLAGS) ./signer/tsa/
	$(GO) test -run '^$$' -fuzz '^FuzzSign$$' $(FUZZFLAGS) ./signer/pades/
	$(GO) test -run '^$$' -fuzz '^FuzzParseJSON$$' $(FUZZFLAGS) ./internal/bollo/
	$(GO) test -run '^$$' -fuzz '^FuzzBase45Decode$$' $(FUZZFLAGS) ./internal/seal/
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' $(FUZZFLAGS) ./internal/seal/
	$(GO) test -run '^$$' -fuzz '^FuzzParseURL$$' $(FUZZFLAGS) ./internal/seal/
	$(GO) test -run '^$$' -fuzz '^FuzzParseTrustList$$' $(FUZZFLAGS) ./internal/seal/
	$(GO) test -run '^$$' -fuzz '^FuzzParseRevocationList$$' $(FUZZFLAGS) ./internal/seal/
	$(GO) test -run '^$$' -fuzz '^FuzzClientKey$$' $(FUZZFLAGS) ./internal/ratelimit/
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' $(FUZZFLAGS) ./internal/p256verify/
	$(GO) test -run '^$$' -fuzz '^FuzzReadFile$$' $(FUZZFLAGS) ./internal/config/
	$(GO) test -run '^$$' -fuzz '^FuzzValidRequestID$$' $(FUZZFLAGS) ./internal/logging/
	$(GO) test -run '^$$' -fuzz '^FuzzEncode$$' $(FUZZFLAGS) ./internal/qr/
	$(GO) test -run '^$$' -fuzz '^FuzzJoin$$' $(FUZZFLAGS) ./internal/store/internal/docparts/
	$(GO) test -run '^$$' -fuzz '^FuzzParseScopes$$' $(FUZZFLAGS) ./internal/apiclient/
	$(GO) test -run '^$$' -fuzz '^FuzzCertFingerprint$$' $(FUZZFLAGS) ./internal/apiclient/
	$(GO) test -run '^$$' -fuzz '^FuzzParseIdempotencyKey$$' $(FUZZFLAGS) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzParseCursor$$' $(FUZZFLAGS) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzParseRetention$$' $(FUZZFLAGS) ./internal/config/
	$(GO) test -run '^$$' -fuzz '^FuzzReader$$' $(FUZZFLAGS) ./internal/batch/

# Rewrite the reviewed pdftotext golden files after a deliberate wording or
# layout change; review the diff before committing.
golden:
	$(GO) test ./templates/ -run '^TestGolden' -update

clean:
	rm -rf bin
