#!/usr/bin/env bash
# make bench-peer: certa's stage benchmarks on two cores and the PDFBox +
# Bouncy Castle peer's best configuration (two threads, font parsed once),
# one after the other in one run, then the ratios per stage. Ratios from one
# run are what to compare on a shared machine.
#   BENCHTIME=3s PEER=../shared/peers/pdfbox/run.sh benchmarks/peer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/peers/pdfbox/run.sh}
BENCHTIME=${BENCHTIME:-3s}
[ -x "$PEER" ] || { echo "peer benchmark not found at $PEER (set PEER)" >&2; exit 1; }

date -u +"# %Y-%m-%d %H:%M UTC, $(nproc) cores, $(go version | cut -d' ' -f3)"
certa=$(go test -run '^$' -bench 'BenchmarkRender$|BenchmarkSign$|BenchmarkIssue$|BenchmarkRawSignature$' \
	-benchmem -benchtime "$BENCHTIME" -cpu 2 ./benchmarks/ | tee /dev/stderr)
peer=$(CONFIGS="ecdsa-p256:2:cache" "$PEER" | tee /dev/stderr | grep '^peer=' | head -1)

# rate BENCHMARK UNIT: the value before UNIT on the benchmark's line.
rate() { awk -v b="^$1-2\$" -v u="$2" '$1 ~ b { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }' <<<"$certa"; }
peerval() { tr ' ' '\n' <<<"$peer" | awk -F= -v k="$1" '$1 == k { print $2 }'; }

render=$(rate BenchmarkRender docs/s); sign=$(rate BenchmarkSign docs/s)
issue=$(rate BenchmarkIssue docs/s); raw=$(rate BenchmarkRawSignature sigs/s)
prender=$(peerval render_docs_s); psign=$(peerval sign_docs_s); pe2e=$(peerval e2e_docs_s)
[ -n "$issue" ] && [ -n "$pe2e" ] || { echo "bench-peer: could not read the results" >&2; exit 1; }

grep '^Benchmark' <<<"$certa"
echo "$peer"
printf '\n%-34s %12s %12s %8s\n' "stage (2 cores)" "certa" "peer" "ratio"
for row in "render|$render|$prender" "sign|$sign|$psign" "end to end (certa: with ledger)|$issue|$pe2e"; do
	IFS='|' read -r name c p <<<"$row"
	printf '%-34s %12.0f %12.0f %7.2fx\n' "$name" "$c" "$p" "$(awk -v c="$c" -v p="$p" 'BEGIN { print c / p }')"
done
printf '%-34s %12.0f\n' "raw P-256 signatures/s (certa key)" "$raw"
printf '\nend to end: certa %.0f docs/s = %.2fx the peer (goal 3x and 2,000/s); one document costs %.0f raw signatures\n' \
	"$issue" "$(awk -v c="$issue" -v p="$pe2e" 'BEGIN { print c / p }')" "$(awk -v c="$issue" -v r="$raw" 'BEGIN { print r / c }')"
