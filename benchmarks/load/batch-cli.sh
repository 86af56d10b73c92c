#!/usr/bin/env bash
# batch-cli.sh: `certa batch` end to end, as an operator runs it.
#
# Builds ./cmd/certa, creates a fresh data directory (embedded store, demo
# seal, synthetic registry), writes N counter requests for residenze of
# its certifiable residents, and runs `certa batch FILE --out OUT.zip`
# under /usr/bin/time -v: prints the wall time, documents/s, CPU and peak
# RSS. Compare the rate with BenchmarkIssue of the same session.
#
#   benchmarks/load/batch-cli.sh
#   N=20000 benchmarks/load/batch-cli.sh
set -euo pipefail
N=${N:-100000}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/certa-batch-cli.XXXXXX")
trap '[[ ${KEEP:-} == 1 ]] && echo "work directory kept: $work" >&2 || rm -rf "$work"' EXIT
[[ -x /usr/bin/time ]] || { echo "batch-cli: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

(cd "$root" && go build -o "$work/certa" ./cmd/certa)
"$work/certa" registry list --data "$work/data" --certifiable --limit 10000 | cut -f1 >"$work/people"
awk -v n="$N" '{ p[NR] = $1 } END {
	for (i = 1; i <= n; i++)
		printf "{\"type\":\"residenza\",\"subject\":\"%s\",\"bollo\":{\"paid\":{\"marca\":\"%014d\"}},\"channel\":\"counter\",\"operator\":\"sportello-1\",\"id_document\":{\"type\":\"cie\",\"number\":\"CA00000AA\"}}\n", p[(i - 1) % NR + 1], i
}' "$work/people" >"$work/requests.jsonl"

date -u +"# %Y-%m-%d %H:%M UTC, $(nproc) cores, $(go version | cut -d' ' -f3), $N requests"
start=$(date +%s.%N)
/usr/bin/time -v "$work/certa" batch "$work/requests.jsonl" --data "$work/data" --out "$work/out.zip" \
	>"$work/stdout" 2>"$work/stderr"
end=$(date +%s.%N)
tail -1 "$work/stdout"
awk -v s="$start" -v e="$end" -v n="$N" 'BEGIN { printf "wall %.1f s, %.0f docs/s\n", e - s, n / (e - s) }'
grep -E "User time|System time|Maximum resident" "$work/stderr" | sed 's/^\s*//'
ls -l "$work/out.zip" | awk '{ printf "ZIP %.2f GB\n", $5 / 1e9 }'
