#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - fleetward's benchmarks, each next to its peer in the same run.
#
#   1. verify:  the agent's full refresh (timestamp -> snapshot -> targets -> director) and
#               verification of the 117 MB rootfs image (bench_verify) vs `openssl dgst
#               -sha256` of the same file; ratio, goal <= 1.1
#   2. sign:    director metadata signing per second on one core (bench_sign: a per-device
#               director document, flw_tuf_sign) vs raw Ed25519 signing (libsodium) of a
#               message of the same length; ratio, goal >= 0.5
#   3. rss:     peak RSS of fleetward-agent while downloading, verifying and installing that
#               image from a real fleetwardd; goal <= 16 MiB
#   4. checkin: device check-ins per second (wrk, POST with a device token) against fleetwardd
#               vs nginx serving a small static file, same wrk settings; ratio, goal >= 0.35
#
# The image comes from ../shared/bench/make-delta-corpus.sh (built on first use into
# $FLW_CORPUS, default /tmp/fleetward-corpus). Servers listen on 127.0.0.1 only; every process
# started here is stopped by its PID. Set BENCH_ONLY=verify|sign|rss|checkin|vuln to run one.
set -euo pipefail
BUILD=$(cd "${1:-build/release}" && pwd)
cd "$(dirname "$0")/.."
TOP=$(pwd)
CORPUS=${FLW_CORPUS:-/tmp/fleetward-corpus}
IMAGE=$CORPUS/pairs/p5_rootfs100m.new
WRK_SECONDS=${WRK_SECONDS:-10}
WRK_CONNS=${WRK_CONNS:-64}
ONLY=${BENCH_ONLY:-all}
T=$(mktemp -d /tmp/flwbench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

need() {
	local missing=()
	for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
	if [ ${#missing[@]} -gt 0 ]; then
		local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}
need wrk nginx-light time openssl e2fsprogs
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RESULTS=()
result() { RESULTS+=("$(printf '%-9s %s' "$1" "$2")"); echo "# $1: $2"; }

if [ ! -s "$IMAGE" ]; then
	echo "# building the benchmark corpus in $CORPUS (downloads Debian packages once)"
	bash "$TOP/../shared/bench/make-delta-corpus.sh" "$CORPUS" >"$T/corpus.log" 2>&1 ||
		{ tail -20 "$T/corpus.log"; exit 1; }
fi
echo "# image: $IMAGE ($(stat -c %s "$IMAGE") bytes); machine: $(nproc) cores"

# ---- a real fleetwardd with a repository, one release of IMAGE, and an enrolled agent ------
start_stack() {
	mkdir -p "$T/stack/keys"
	cd "$T/stack"
	"$BUILD/fleetwardd" --listen 127.0.0.1:0 --data data --port-file port \
		--init-token-file admin.token --threads "$(nproc)" --log-level warn \
		--min-checkin-interval 0 >fleetwardd.log 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.05; done
	[ -s port ] || { cat fleetwardd.log; echo "fleetwardd did not start"; exit 1; }
	export FLEETWARD_SERVER="http://127.0.0.1:$(cat port)" FLEETWARD_TOKEN
	FLEETWARD_TOKEN=$(cat admin.token)
	"$BUILD/fleetward" keygen -o keys/root.key >/dev/null
	"$BUILD/fleetward" keygen -o keys/targets.key >/dev/null
	"$BUILD/fleetward" repo init --root-key keys/root.key --targets-key keys/targets.key -o root.json >/dev/null
	"$BUILD/fleetward" release create "$IMAGE" --name fw/rootfs.img --version 2.0.0 \
		--hardware bench --key keys/targets.key -o rel.json >/dev/null
	"$BUILD/fleetward" release upload --metadata rel.json "$IMAGE" >/dev/null
	ENROLL=$("$BUILD/fleetward" --json enroll-token create bench --uses -1 | jq -r .token)
	mkdir -p dev
	: >dev/slot_a
	: >dev/slot_b
	cat >dev/agent.conf <<EOF
server = $FLEETWARD_SERVER
device_id = bench-01
hardware_id = bench
enrollment_token = $ENROLL
state_dir = $T/stack/dev/state
trust_root = $T/stack/root.json
slot_a = $T/stack/dev/slot_a
slot_b = $T/stack/dev/slot_b
reboot_command = simulate
EOF
	"$BUILD/fleetward-agent" --config dev/agent.conf --once >dev/enroll.log 2>&1 ||
		{ cat dev/enroll.log; echo "agent enrollment failed"; exit 1; }
	cd "$TOP"
}

bench_verify() {
	local ours theirs i
	"$BUILD/bench/bench_verify" "$IMAGE" 1 >/dev/null            # warm the page cache
	openssl dgst -sha256 "$IMAGE" >/dev/null
	for i in 1 2 3; do
		"$BUILD/bench/bench_verify" "$IMAGE" 5 | awk '/verify_seconds/ {print $2}'
		for _ in 1 2 3 4 5; do
			local s e
			s=$(date +%s%N); openssl dgst -sha256 "$IMAGE" >/dev/null; e=$(date +%s%N)
			echo "$(( (e - s) / 1000 ))" >>"$T/openssl.us"
		done
	done >"$T/ours.s"
	ours=$(median <"$T/ours.s")
	theirs=$(awk '{print $1 / 1e6}' "$T/openssl.us" | median)
	result verify "fleetward ${ours}s vs openssl dgst -sha256 ${theirs}s: ratio $(ratio "$ours" "$theirs") (goal <= 1.1)"
}

bench_sign() {
	local i
	for i in 1 2 3; do
		"$BUILD/bench/bench_sign" "${SIGN_SECONDS:-2}" >"$T/sign.$i" || { cat "$T/sign.$i"; exit 1; }
	done
	local ours raw ratio bytes
	ours=$(awk '/director_signs_per_s/ {print $2}' "$T"/sign.* | median)
	raw=$(awk '/raw_signs_per_s/ {print $2}' "$T"/sign.* | median)
	ratio=$(awk '/^ratio/ {print $2}' "$T"/sign.* | median)
	bytes=$(awk '/doc_bytes/ {print $2; exit}' "$T/sign.1")
	result sign "director docs ${ours}/s/core vs raw Ed25519 (libsodium, ${bytes}-byte message) ${raw}/s: ratio ${ratio} (goal >= 0.5; median of 3 x ${SIGN_SECONDS:-2}s)"
}

bench_rss() {
	local kib
	"$BUILD/fleetward" deploy fw/rootfs.img --device bench-01 >/dev/null
	/usr/bin/time -f '%M' -o "$T/rss" "$BUILD/fleetward-agent" --config "$T/stack/dev/agent.conf" --once \
		>"$T/stack/dev/install.log" 2>&1 || { tail -20 "$T/stack/dev/install.log"; exit 1; }
	cmp -s "$T/stack/dev/slot_b" "$IMAGE" || { echo "slot B does not hold the image"; exit 1; }
	kib=$(tail -1 "$T/rss")
	result rss "agent peak RSS installing $(stat -c %s "$IMAGE") bytes: $(awk -v k="$kib" 'BEGIN {printf "%.1f", k / 1024}') MiB (goal <= 16 MiB)"
}

wrk_rps() { # URL [lua]
	local args=(-t2 -c"$WRK_CONNS" -d"${WRK_SECONDS}s" --latency)
	[ -n "${2:-}" ] && args+=(-s "$2")
	wrk "${args[@]}" "$1" >"$T/wrk.out" 2>&1
	grep -q 'Non-2xx' "$T/wrk.out" && { cat "$T/wrk.out"; echo "non-2xx answers"; exit 1; }
	awk '/Requests\/sec/ {print $2}' "$T/wrk.out"
}

bench_checkin() {
	local token port ours theirs
	token=$(jq -r '.token' "$T/stack/dev/state/token")
	cat >"$T/checkin.lua" <<EOF
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"installed":{"target":"fw/rootfs.img","version":"2.0.0"},"slot":{"active":"B","trial":false},"health":"ok","attributes":{"site":"bench"}}'
EOF
	ours=$(wrk_rps "$FLEETWARD_SERVER/device/v1/checkin" "$T/checkin.lua")
	mkdir -p "$T/nginx/www"
	printf '{"poll_after":300,"acked_seq":0}\n' >"$T/nginx/www/checkin.json"
	chmod 0755 "$T" "$T/nginx" "$T/nginx/www" # nginx workers run as www-data
	chmod 0644 "$T/nginx/www/checkin.json"
	port=$(free_port)
	cat >"$T/nginx/nginx.conf" <<EOF
worker_processes $(nproc);
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$port; root $T/nginx/www; } }
EOF
	nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" &
	PIDS+=($!)
	sleep 0.5
	theirs=$(wrk_rps "http://127.0.0.1:$port/checkin.json")
	result checkin "fleetwardd ${ours} check-ins/s vs nginx static ${theirs} req/s: ratio $(ratio "$ours" "$theirs") (goal >= 0.35; wrk -t2 -c$WRK_CONNS -d${WRK_SECONDS}s)"
}

# issue 4: import of everything in ../shared/vulndata (goal <= 1 s), matching throughput
# against a 300k-record index built from the real NVD records with varied products
# (goal >= 100k component-versions/s on one core), and a 1M-device fleet fully assessed
# against all the sample feeds (bench_assess; goal <= 5 s).
bench_vuln() {
	local data=$TOP/../shared/vulndata secs rate
	[ -d "$data" ] || { echo "# vuln: $data missing, skipped"; return 0; }
	secs=$("$BUILD/bench/bench_import" "$data" 5 | awk '/^import_seconds / {print $2}')
	result import "all of ../shared/vulndata imported in ${secs}s (goal <= 1 s)"
	rate=$("$BUILD/bench/bench_match" "$data/nvd_api2_sample.json" 300000 2000000 1000 |
		awk '/^match:/ {print $8}')
	result match "${rate} component-versions/s on one core against a 300k-record index, 10% of queries on crowded products (goal >= 100000/s: ratio $(awk -v r="$rate" 'BEGIN {printf "%.2f", r / 100000}'); Dependency-Track ~85/s)"
	"$BUILD/bench/bench_assess" "$data" 1000000 >"$T/assess.out" || { cat "$T/assess.out"; exit 1; }
	result assess "$(awk '/^devices / {d=$2} /^findings / {f=$2} /^assess_seconds / {s=$2}
		/^incremental_seconds / {i=$2} /^patch_queue_seconds / {q=$2} /^peak_rss_mib / {m=$2}
		END {printf "%s devices (1,000 releases x 300 components) fully assessed in %ss (goal <= 5 s: ratio %.3f), %s findings; incremental %ss, patch queue %ss, peak RSS %s MiB", d, s, s / 5, f, i, q, m}' "$T/assess.out")"
}

case $ONLY in all | verify | sign | rss | checkin | vuln) ;; *) echo "BENCH_ONLY: verify, sign, rss, checkin or vuln"; exit 2 ;; esac
[ "$ONLY" = all ] || [ "$ONLY" = verify ] && bench_verify
[ "$ONLY" = all ] || [ "$ONLY" = sign ] && bench_sign
[ "$ONLY" = all ] || [ "$ONLY" = vuln ] && bench_vuln
if [ "$ONLY" = all ] || [ "$ONLY" = rss ] || [ "$ONLY" = checkin ]; then
	start_stack
	[ "$ONLY" = checkin ] || bench_rss
	[ "$ONLY" = rss ] || bench_checkin
fi
echo
echo "== fleetward benchmarks ($(date -u +%F), $(nproc) cores, build $(basename "$BUILD"))"
printf '%s\n' "${RESULTS[@]}"
