#!/usr/bin/env bash
# issue-load.sh: HTTP load test of issuance, POST /api/v1/certificates.
#
# Builds ./cmd/certa and the load generator (issueload), starts `certa
# serve` on a free localhost port with a throwaway data directory (embedded
# store, demo seal, demo API key), and runs, on the same machine:
#   1. closed loop, $CONNECTIONS requests in flight: the maximum rate;
#   2. open loop at half that rate: the latency of a loaded server;
#   3. open loop at twice that rate: overload, where the server must shed
#      (503 + Retry-After) and keep the latency of what it admits bounded.
# Each prints answers/s, 201/s, p50/p99/max latency of the 201s and the
# counts; the server's peak RSS is printed at the end.
#
#   benchmarks/load/issue-load.sh
#   DURATION=20s CONNECTIONS=32 ACCEPT=application/json benchmarks/load/issue-load.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/certa_load?sslmode=disable benchmarks/load/issue-load.sh
#
# With DATABASE_URL (an empty database), the server uses PostgreSQL: the
# script migrates it and seeds 20,000 persons first.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ACCEPT=${ACCEPT:-application/pdf}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/certa-issue-load.XXXXXX")
server_pid=
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	[[ ${KEEP:-} == 1 ]] && echo "work directory kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
die() { echo "issue-load: $*" >&2; exit 1; }
command -v curl >/dev/null || die "curl is missing"
# shellcheck source=lib.sh
. "$here/lib.sh"

echo "building certa and issueload ($(go version | cut -d' ' -f3))" >&2
(cd "$root" && go build -o "$work/certa" ./cmd/certa && go build -o "$work/issueload" ./benchmarks/load/issueload)
data=$work/data
db=()
if [[ -n ${DATABASE_URL:-} ]]; then
	db=(--database-url "$DATABASE_URL")
	env -u CERTA_DATABASE_URL "$work/certa" migrate "${db[@]}" >/dev/null
	env -u CERTA_DATABASE_URL "$work/certa" registry seed --data "$data" "${db[@]}" --persons 20000 >/dev/null 2>&1
fi
env -u CERTA_DATABASE_URL "$work/certa" registry list --data "$data" "${db[@]}" --certifiable --limit 2000 | cut -f1 >"$work/subjects"
[[ -s $work/subjects ]] || die "no certifiable subjects"

port=$(free_port)
base=http://127.0.0.1:$port
env -u CERTA_DATABASE_URL CERTA_RATE_LIMIT=off "$work/certa" serve --data "$data" --addr "127.0.0.1:$port" \
	--public-url "$base" --log-format json "${db[@]}" ${SERVER_FLAGS:-} >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
	curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server did not start"; }
	sleep 0.1
done

load() { "$work/issueload" -url "$base" -key-file "$data/demo-api-key" -subjects "$work/subjects" \
	-accept "$ACCEPT" -duration "$DURATION" "$@"; }
marks=1
step() { # step LABEL ARGS...: one run, fresh stamp duty marks
	local label=$1
	shift
	local out
	out=$(load -label "$label" -mark-base "$marks" "$@")
	marks=$((marks + 10000000))
	echo "$out"
}

date -u +"# %Y-%m-%d %H:%M UTC, $(nproc) cores, server and load generator on the same machine, Accept: $ACCEPT, store: $([[ -n ${DATABASE_URL:-} ]] && echo PostgreSQL || echo embedded)"
printf '%-22s %9s %7s %8s %8s %8s %8s %7s %7s %6s %6s\n' run "answers/s" "201/s" "p50 ms" "p99 ms" "max ms" requests 201 503 other errors
show() { awk '{ printf "%-22s %9s %7s %8s %8s %8s %8s %7s %7s %6s %6s\n", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' <<<"$1"; }
warm=$(DURATION=3s step warm-up -conns "$CONNECTIONS")
max=$(step "closed-$CONNECTIONS" -conns "$CONNECTIONS")
show "$max"
rate=$(awk '{ print $4 }' <<<"$max")
half=$(awk -v r="$rate" 'BEGIN { printf "%d", r / 2 }')
double=$(awk -v r="$rate" 'BEGIN { printf "%d", r * 2 }')
show "$(step "open-half-$half/s" -rate "$half")"
show "$(step "open-double-$double/s" -rate "$double")"
echo "# server peak RSS: $(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server_pid/status")"
: "$warm"
