#!/usr/bin/env bash
# verify-load.sh: HTTP load test of certa's public verification page.
#
# Builds ./cmd/certa, starts `certa serve` on a free localhost port with a
# throwaway data directory (embedded SQLite store, demo seal, demo API key),
# issues $CERTS certificates through the API to get real codes, then drives
# wrk for $DURATION with $CONNECTIONS connections against
#   (a) GET /v/{code}, the HTML page, and
#   (b) GET /v/{code} with Accept: application/json, its JSON form,
# rotating over all the codes (rotate.lua), and prints requests/s and the
# p50 and p99 latency of each.
#
#   benchmarks/load/verify-load.sh
#   DURATION=30s CONNECTIONS=128 CERTS=200 benchmarks/load/verify-load.sh
#   PROFILE=/tmp/prof benchmarks/load/verify-load.sh   # also CPU profiles
#
# Settings (environment):
#   DURATION=15s       each wrk run
#   CONNECTIONS=64     concurrent connections
#   THREADS=$(nproc)   wrk threads
#   CERTS=50           certificates issued (codes to rotate over)
#   CERTA_RATE_LIMIT=off
#                      the per-client rate limiter (--rate-limit) sits in
#                      front of these endpoints and all of wrk's requests
#                      come from one address, so the benchmark turns it off
#                      by default. A run with the limiter on counts its
#                      refusals (429) in the ">=400" column. PROFILE's
#                      profserve has no limiter.
#   SERVER_FLAGS=...   more flags for the server, split on spaces (e.g.
#                      "--rate-burst 1000000": a high rate alone is not
#                      enough, 64 connections arrive in bursts larger than
#                      the default burst)
#   PROFILE=DIR        run benchmarks/load/profserve (the same server plus
#                      net/http/pprof on a second port) instead of certa
#                      serve, and save a CPU profile of each run in DIR
#   CPUS_SERVER, CPUS_WRK  optional taskset CPU lists to pin each side
#   SRC=DIR            build certa from this source tree instead of the
#                      checkout holding this script (e.g. a `git archive`
#                      export of a commit while the working tree is mid-edit)
#   KEEP=1             keep the work directory
#
# The load generator runs on the same machine and shares its cores with the
# server: on a 2-core machine wrk takes a good part of one. So that a run on
# a shared machine can be judged, the table also gives the cores the server,
# wrk and everything else kept busy on average during each run, and the
# server's CPU time per request (user + system, from /proc).
set -euo pipefail

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-$(nproc)}
CERTS=${CERTS:-50}
RATE_LIMIT=${CERTA_RATE_LIMIT:-off}
unset CERTA_RATE_LIMIT
PROFILE=${PROFILE:-}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "${SRC:-$here/../..}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/certa-load.XXXXXX")
server_pid=

cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ ${KEEP:-} == 1 ]]; then
		echo "work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

die() { echo "verify-load: $*" >&2; exit 1; }

# wrk (Debian package wrk).
if ! command -v wrk >/dev/null; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		echo "installing wrk (apt-get)" >&2
		apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	else
		die "wrk is missing: sudo apt-get install wrk"
	fi
fi
command -v curl >/dev/null || die "curl is missing"

# taskset prefixes (empty: no pinning); taskset and env exec the command, so
# $! below is the server's own pid.
pin_server=() pin_wrk=()
[[ -z ${CPUS_SERVER:-} ]] || pin_server=(taskset -c "$CPUS_SERVER")
[[ -z ${CPUS_WRK:-} ]] || pin_wrk=(taskset -c "$CPUS_WRK")

# shellcheck source=lib.sh
. "$here/lib.sh"

echo "building certa from $root ($(go version | cut -d' ' -f3))" >&2
(cd "$root" && go build -o "$work/certa" ./cmd/certa)
server=("$work/certa" serve)
if [[ -n $PROFILE ]]; then
	mkdir -p "$PROFILE"
	PROFILE=$(cd "$PROFILE" && pwd)
	if [[ -d $root/benchmarks/load/profserve ]]; then
		(cd "$root" && go build -o "$work/profserve" ./benchmarks/load/profserve)
	else # an older tree: build this checkout's profserve against it
		printf '{"Replace":{"%s":"%s"}}' "$root/benchmarks/load/profserve/main.go" "$here/profserve/main.go" >"$work/overlay.json"
		(cd "$root" && go build -overlay "$work/overlay.json" -o "$work/profserve" ./benchmarks/load/profserve)
	fi
	pprof_port=$(free_port)
	server=("$work/profserve" --pprof "127.0.0.1:$pprof_port")
fi

# certa refuses unknown CERTA_* variables: pass CERTA_RATE_LIMIT only once
# the binary knows it.
server_env=(env -u CERTA_DATABASE_URL)
if CERTA_RATE_LIMIT="$RATE_LIMIT" "$work/certa" help >/dev/null 2>&1; then
	server_env+=("CERTA_RATE_LIMIT=$RATE_LIMIT")
	limiter="CERTA_RATE_LIMIT=$RATE_LIMIT"
else
	limiter="none (CERTA_RATE_LIMIT not wired yet; requested: $RATE_LIMIT)"
fi

data=$work/data

# Creating the data directory seeds the synthetic registry; list subjects.
"${server_env[@]}" "$work/certa" registry list --data "$data" --certifiable --limit "$CERTS" | cut -f1 >"$work/subjects"
[[ -s $work/subjects ]] || die "no certifiable subjects"

start_server() { # sets port, base, server_pid; fails if the server exits
	port=$(free_port)
	base=http://127.0.0.1:$port
	# shellcheck disable=SC2086 # SERVER_FLAGS is a list of words
	"${pin_server[@]}" "${server_env[@]}" "${server[@]}" --data "$data" --addr "127.0.0.1:$port" --public-url "$base" \
		${SERVER_FLAGS:-} >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 300); do
		curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && return 0
		kill -0 "$server_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
for attempt in 1 2 3; do
	start_server && break
	if ! grep -q 'address already in use' "$work/server.log" || ((attempt == 3)); then
		cat "$work/server.log" >&2
		die "server did not start"
	fi
done

# Issue $CERTS certificates (cycling over the subjects) and keep the codes.
key=$(cat "$data/demo-api-key")
mapfile -t subjects <"$work/subjects"
: >"$work/codes"
for ((n = 0; n < CERTS; n++)); do
	cf=${subjects[n % ${#subjects[@]}]}
	body=$(printf '{"type":"residenza","subject":"%s","bollo":{"paid":{"marca":"%014d"}},"channel":"online","requester":"%s"}' "$cf" "$((n + 1))" "$cf")
	resp=$(curl -sS -X POST "$base/api/v1/certificates" -H "Authorization: Bearer $key" \
		-H 'Content-Type: application/json' -H 'Accept: application/json' -d "$body" -w '\n%{http_code}')
	[[ ${resp##*$'\n'} == 201 ]] || die "issuing for subject #$n failed: $resp"
	grep -o '"code": *"[^"]*"' <<<"$resp" | sed 's/.*"\([^"]*\)"$/\1/' >>"$work/codes"
done
ncodes=$(wc -l <"$work/codes")
echo "issued $ncodes certificates" >&2

# Sanity: both forms answer 200 with a valid status.
code=$(head -1 "$work/codes")
page=$(curl -fsS -H 'Accept: application/json' "$base/v/$code")
grep -q '"status": "valid"' <<<"$page" || die "JSON form of $code is not valid: $page"
page=$(curl -fsS "$base/v/$code")
grep -qi '<html' <<<"$page" || die "HTML page of $code is not HTML"

# CPU accounting, so that a run on a shared machine can be judged: the
# server's CPU time (/proc/PID/stat), wrk's (the shell's children, `times`)
# and the whole machine's (/proc/stat).
tck=$(getconf CLK_TCK)
proc_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }                     # ticks
machine_cpu() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat; } # busy idle ticks
children_cpu() { # seconds; `times` not in a pipeline: a forked shell has no children
	times >"$work/times"
	tail -1 "$work/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.3f", t }'
}

run() { # run LABEL MODE
	local label=$1 mode=$2 prof_pid=
	if [[ -n $PROFILE ]]; then
		local secs=10 # the middle of the run
		if [[ $DURATION =~ ^([0-9]+)s?$ ]]; then
			secs=${BASH_REMATCH[1]}
			secs=$((secs > 4 ? secs - 2 : secs))
		fi
		curl -sS -o "$PROFILE/cpu-$label.prof" "http://127.0.0.1:$pprof_port/debug/pprof/profile?seconds=$secs" &
		prof_pid=$!
	fi
	local s0 m0 c0 t0 s1 m1 c1 t1
	children_cpu >"$work/c0"
	s0=$(proc_cpu "$server_pid") m0=$(machine_cpu) c0=$(<"$work/c0") t0=$(date +%s.%N)
	WRK_LABEL=$label "${pin_wrk[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency \
		-s "$here/rotate.lua" "$base" -- "$work/codes" "$mode" >"$work/wrk-$label.txt"
	children_cpu >"$work/c1"
	s1=$(proc_cpu "$server_pid") m1=$(machine_cpu) c1=$(<"$work/c1") t1=$(date +%s.%N)
	cat "$work/wrk-$label.txt" >&2
	[[ -z $prof_pid ]] || wait "$prof_pid"
	# RESULT label rps p50 p99 requests bad errors, then: server cores,
	# wrk cores, other cores (the rest of the machine), server CPU µs/request
	awk -v s="$((s1 - s0))" -v tck="$tck" -v m0="$m0" -v m1="$m1" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v n="$(nproc)" '
		/^RESULT/ {
			split(m0, a, " "); split(m1, b, " ")
			wall = t1 - t0; server = s / tck; wrk = c1 - c0
			busy = (b[1] - a[1]) / tck
			printf "%s %.2f %.2f %.2f %.0f\n", $0, server / wall, wrk / wall, (busy - server - wrk) / wall, server * 1e6 / $6
		}' "$work/wrk-$label.txt"
}

results=$(run html html; run json json)

echo
echo "certa verify load: $(date -u +%Y-%m-%dT%H:%M:%SZ), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "server: ${server[*]##*/}${SERVER_FLAGS:+ $SERVER_FLAGS} on 127.0.0.1:$port, embedded SQLite, $ncodes codes; rate limiter: $limiter"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, rotating over the codes; CPU in cores busy on average during the run"
printf '%-5s %11s %7s %7s %9s %6s %6s | %6s %5s %6s %13s\n' form 'requests/s' 'p50 ms' 'p99 ms' requests '>=400' errors \
	server wrk others 'server µs/req'
while read -r _ label rps p50 p99 reqs bad errs scpu wcpu ocpu us; do
	printf '%-5s %11s %7s %7s %9s %6s %6s | %6s %5s %6s %13s\n' "$label" "$rps" "$p50" "$p99" "$reqs" "$bad" "$errs" \
		"$scpu" "$wcpu" "$ocpu" "$us"
done <<<"$results"
if [[ -n $PROFILE ]]; then
	echo "CPU profiles: $PROFILE/cpu-html.prof, $PROFILE/cpu-json.prof (go tool pprof -top $PROFILE/cpu-html.prof)"
fi
