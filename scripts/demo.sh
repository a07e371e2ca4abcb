#!/usr/bin/env bash
# demo.sh BUILD_DIR - the whole update loop on this machine (what `make run` shows).
#
# Starts fleetwardd on 127.0.0.1:${FLW_DEMO_PORT:-8080} with the embedded SQLite store in
# var/demo/ (or $FLW_DEMO_DIR), creates offline root and targets keys, signs a firmware release
# with its SBOM, starts five fleetward-agents with file-backed A/B slots (one of them with a
# failing health check), rolls the release onto them and shows the progress live. Then, when the
# vulnerability samples are at ../shared/vulndata, it signs and uploads release 1.2.0 with the
# fixed components (not rolled out), gives cam-03 a support end in the past, imports the feeds
# and shows the risk summary, the most urgent findings (a CISA KEV one first), the patch queue
# and the end-of-life report. Then it leaves everything running and prints what to type next;
# Ctrl-C stops every process it started (and only those).
# FLW_DEMO_EXIT=1 (or no terminal) stops after the rollout and the reports instead of waiting.
set -euo pipefail
BUILD=$(cd "${1:-build/dev}" && pwd)
cd "$(dirname "$0")/.."
TOP=$(pwd)
PORT=${FLW_DEMO_PORT:-8080}
DEMO=${FLW_DEMO_DIR:-$TOP/var/demo}
VULNDATA=$(cd "$TOP/../shared/vulndata" 2>/dev/null && pwd) || VULNDATA=$TOP/../shared/vulndata
N_AGENTS=5
PIDS=()
B=$'\e[1m' N=$'\e[0m'
[ -t 1 ] || { B=''; N=''; }

say() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	echo "stopped fleetwardd and $N_AGENTS agents; their files are in $DEMO"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "Port $PORT on 127.0.0.1 is already in use. Stop what listens there, or run:"
	echo "  FLW_DEMO_PORT=8081 make run"
	exit 1
fi

rm -rf "$DEMO"
mkdir -p "$DEMO"/{keys,fw}
cd "$DEMO"
FLW="$BUILD/fleetward"

say "Starting fleetwardd on 127.0.0.1:$PORT (data in $DEMO/data, embedded SQLite)"
"$BUILD/fleetwardd" --listen "127.0.0.1:$PORT" --data data --poll-interval 3 \
	--init-token-file admin.token --port-file port >fleetwardd.log 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.05; done
[ -s port ] || { cat fleetwardd.log; echo "fleetwardd did not start"; exit 1; }
export FLEETWARD_SERVER="http://127.0.0.1:$PORT" FLEETWARD_TOKEN
FLEETWARD_TOKEN=$(cat admin.token)
echo "admin API token (printed once by the server's first run): $FLEETWARD_TOKEN"

say "Creating offline signing keys (root and targets) and the TUF repository"
"$FLW" keygen -o keys/root.key
"$FLW" keygen -o keys/targets.key
"$FLW" repo init --root-key keys/root.key --targets-key keys/targets.key -o root.json

say "Building two firmware images (1.0.0 is on the devices, 1.1.0 is the update)"
for v in 1.0.0 1.1.0; do
	{ printf 'FleetOS %s\n' "$v"; head -c $((8 * 1024 * 1024)) /dev/urandom; } >"fw/cam-$v.img"
done
ls -l fw

# What a release is built from (CycloneDX SBOM). 1.1.0 carries versions with known CVEs in the
# sample feeds. The camera's Wi-Fi bridge is an OEM TP-Link Archer AX21 board with its own
# firmware: the sample KEV catalogue lists no library a camera carries, only device firmware like
# that one (CVE-2023-1389, fixed in 1.1.4).
sbom() { # sbom FLEETOS BUSYBOX OPENSSL DNSMASQ DROPBEAR AX21: the SBOM on stdout
	cat <<EOF
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "metadata": {"component": {"type": "firmware", "name": "FleetOS", "version": "$1"}},
 "components": [
  {"type": "application", "name": "busybox", "version": "$2",
   "cpe": "cpe:2.3:a:busybox:busybox:$2:*:*:*:*:*:*:*"},
  {"type": "library", "name": "openssl", "version": "$3",
   "cpe": "cpe:2.3:a:openssl:openssl:$3:*:*:*:*:*:*:*"},
  {"type": "application", "name": "dnsmasq", "version": "$4",
   "cpe": "cpe:2.3:a:thekelleys:dnsmasq:$4:*:*:*:*:*:*:*"},
  {"type": "application", "name": "dropbear", "version": "$5",
   "cpe": "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:$5:*:*:*:*:*:*:*"},
  {"type": "firmware", "name": "archer_ax21_firmware", "version": "$6",
   "cpe": "cpe:2.3:o:tp-link:archer_ax21_firmware:$6:*:*:*:*:*:*:*"}
 ]}
EOF
}
sbom 1.1.0 1.35.0 3.0.6 2.89 2016.72 1.1.3 >fw/cam-1.1.0.sbom.json

say "Signing release 1.1.0 and its SBOM offline with the targets key, then uploading them"
"$FLW" release create fw/cam-1.1.0.img --name fw/cam-1.1.0.img --version 1.1.0 \
	--hardware demo-cam --security-version 1 --sbom fw/cam-1.1.0.sbom.json \
	--key keys/targets.key -o cam-1.1.0.targets.json
"$FLW" release upload --metadata cam-1.1.0.targets.json fw/cam-1.1.0.img fw/cam-1.1.0.sbom.json
"$FLW" release list

say "Creating group 'lab' and a 5-use enrollment token for it"
"$FLW" group create lab
ENROLL=$("$FLW" --json enroll-token create lab-devices --uses "$N_AGENTS" --expires-in 1h --group lab | jq -r .token)

say "Starting $N_AGENTS agents (file-backed A/B slots; cam-05's health check fails)"
for i in $(seq 1 "$N_AGENTS"); do
	d=dev/cam-0$i
	mkdir -p "$d"
	cp fw/cam-1.0.0.img "$d/slot_a"
	: >"$d/slot_b"
	health=true
	[ "$i" = "$N_AGENTS" ] && health=false
	cat >"$d/agent.conf" <<EOF
server = $FLEETWARD_SERVER
device_id = cam-0$i
hardware_id = demo-cam
enrollment_token = $ENROLL
state_dir = $DEMO/$d/state
trust_root = $DEMO/root.json
slot_a = $DEMO/$d/slot_a
slot_b = $DEMO/$d/slot_b
health_command = $health
reboot_command = simulate
poll_interval = 3
attribute.site = demo-lab
EOF
	"$BUILD/fleetward-agent" --config "$d/agent.conf" >"$d/agent.log" 2>&1 &
	PIDS+=($!)
done
for _ in $(seq 1 100); do
	n=$("$FLW" --json device list --group lab | jq '.items | length')
	[ "$n" -ge "$N_AGENTS" ] && break
	sleep 0.2
done
"$FLW" device list

say "Deploying fw/cam-1.1.0.img to group 'lab'"
DEP=$("$FLW" --json deploy fw/cam-1.1.0.img --group lab | jq -r .id)
set +e
"$FLW" deployment watch "$DEP" --timeout 120
watch_rc=$?
set -e

say "What happened"
"$FLW" deployment show "$DEP"
for i in $(seq 1 "$N_AGENTS"); do
	d=dev/cam-0$i
	active=$(sed -n 's/^primary=//p' "$d/state/bootsel" 2>/dev/null || true)
	if cmp -s "$d/slot_b" fw/cam-1.1.0.img; then b="slot B holds 1.1.0"; else b="slot B does not hold 1.1.0"; fi
	echo "cam-0$i: $b; boots ${active:-?}"
done
echo
echo "cam-05's health check failed on its trial boot, so it rolled back to slot A by itself."
[ "$watch_rc" = 3 ] && echo "(deployment watch exited 3: done, with a rollback)"
"$FLW" audit --limit 8

if [ -d "$VULNDATA" ]; then
	say "A security update: release 1.2.0, signed offline with its SBOM, uploaded, not rolled out"
	# the vendor's fixes: busybox, OpenSSL, dnsmasq, Dropbear and the Wi-Fi bridge's firmware
	{ printf 'FleetOS %s\n' 1.2.0; head -c $((8 * 1024 * 1024)) /dev/urandom; } >fw/cam-1.2.0.img
	sbom 1.2.0 1.36.1 3.0.16 2.90 2022.83 1.1.4 >fw/cam-1.2.0.sbom.json
	sleep 1 # releases are ordered by their creation second: 1.2.0 is the newer one
	"$FLW" release create fw/cam-1.2.0.img --name fw/cam-1.2.0.img --version 1.2.0 \
		--hardware demo-cam --security-version 2 --sbom fw/cam-1.2.0.sbom.json \
		--key keys/targets.key -o cam-1.2.0.targets.json
	"$FLW" release upload --metadata cam-1.2.0.targets.json fw/cam-1.2.0.img fw/cam-1.2.0.sbom.json

	say "Vulnerabilities: importing the sample feeds (NVD, CVE 5, CISA KEV, FIRST EPSS)"
	# the findings follow what the devices say they run: wait for their next check-in
	for _ in $(seq 1 50); do
		n=$("$FLW" --json device list --installed fw/cam-1.1.0.img | jq '.items | length')
		[ "$n" -ge $((N_AGENTS - 1)) ] && break
		sleep 0.2
	done
	"$FLW" device set cam-01 --class safety-critical --internet-exposed yes
	"$FLW" device set cam-02 --class safety-critical --internet-exposed no --segment plant-floor
	"$FLW" device set cam-03 --class non-critical --internet-exposed no --segment office \
		--support-end 2025-06-30
	# the local parse's progress and its notes on records go to stderr: keep them in a file
	if ! "$FLW" feed import "$VULNDATA/nvd_api2_sample.json" "$VULNDATA/cve5_iot_sample.jsonl" \
		"$VULNDATA/kev/known_exploited_vulnerabilities.json" "$VULNDATA/epss_sample.csv" \
		2>feed-import.log; then
		tail -5 feed-import.log
		exit 1
	fi
	echo "(the local parse's progress and its notes on records: $DEMO/feed-import.log)"
	"$FLW" assess >/dev/null

	say "Risk summary of the fleet"
	"$FLW" report summary

	say "The most urgent findings (device x CVE x component); FIX = the first release without it"
	"$FLW" finding list --limit 8

	say "What to roll out next (patch queue, top 3), and the device past its support end"
	"$FLW" report patch-queue >patch-queue.txt
	sed -n '2,6p' patch-queue.txt
	"$FLW" report eol >eol.txt
	tail -n +2 eol.txt
	echo
	echo "Next: 'fleetward finding show cam-01 CVE-2023-1389' explains the KEV finding (decision,"
	echo "score, deadline, reasons); 'fleetward report NAME' for kev-exposure, deadlines, mttp,"
	echo "completeness and update-channel."
else
	say "Vulnerabilities: skipped"
	echo "(no sample feeds at $VULNDATA; with them the demo imports NVD, CVE 5, KEV and EPSS"
	echo " data and shows the fleet's findings and risk reports)"
fi

if [ "${FLW_DEMO_EXIT:-0}" = 1 ] || [ ! -t 0 ]; then
	exit 0
fi
cat <<EOF

${B}Everything is still running. Try, in another terminal:${N}
  export FLEETWARD_SERVER=$FLEETWARD_SERVER FLEETWARD_TOKEN=$FLEETWARD_TOKEN
  $FLW device list
  $FLW device show cam-01
  $FLW deployment show $DEP
  $FLW --json device list | jq .
  $FLW report summary
  $FLW finding list --device cam-01
  $FLW finding show cam-01 CVE-2023-1389
  $FLW report patch-queue
  $FLW report kev-exposure
  $FLW report deadlines
  curl -s $FLEETWARD_SERVER/metrics | head
  tail -f $DEMO/dev/cam-01/agent.log

Ctrl-C stops fleetwardd and the agents.
EOF
while true; do sleep 3600; done
