#!/bin/bash
# 531_demo.sh - `make run` end to end: scripts/demo.sh with FLW_DEMO_EXIT=1 in a temporary
# directory on a free port. The rollout of 1.1.0, then (with ../shared/vulndata) release 1.2.0
# uploaded but not rolled out, the feed import, the risk summary, the top findings (the CISA KEV
# one first, with its fix release), the patch queue naming 1.2.0 and the end-of-life report
# naming cam-03; it must end with exit 0 and stop everything it started.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

[ -x "$FLWD" ] && [ -x "$FLW_AGENT" ] || flw_skip "fleetwardd or fleetward-agent not built"
command -v jq >/dev/null && command -v python3 >/dev/null || flw_skip "jq or python3 missing"
cd "$FLW_TMP" || exit 1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

FLW_DEMO_DIR=$FLW_TMP/demo FLW_DEMO_PORT=$PORT FLW_DEMO_EXIT=1 \
	bash "$FLW_SRC_DIR/scripts/demo.sh" "$FLW_BIN_DIR" </dev/null >demo.out 2>&1
code=$?
check "demo.sh exits 0" test "$code" = 0
[ "$code" = 0 ] || tail -40 demo.out | sed 's/^/#   /'
check "the release is signed with its SBOM and uploaded" grep -q "uploaded fw/cam-1.1.0.sbom.json as SBOM" demo.out
check "the rollout ran: four cameras hold 1.1.0" test "$(grep -c "^cam-0[1-5]: slot B holds 1.1.0" demo.out)" -ge 4
check "it stopped fleetwardd and the agents" grep -q "^stopped fleetwardd and 5 agents" demo.out
check "nothing listens on the demo port any more" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null"
if [ -d "$FLW_SRC_DIR/../shared/vulndata" ]; then
	check "the feeds were imported" grep -qE "cve5_iot_sample.jsonl: imported as feed #2" demo.out
	check "the risk summary" grep -qE "^open findings: +[1-9][0-9]* \(act " demo.out
	check "the top findings: cam-01's" grep -qE "^cam-01 +CVE-[0-9]+-[0-9]+ +(busybox|openssl|dnsmasq|dropbear)" demo.out
	check "release 1.2.0 is signed with its SBOM and uploaded" grep -q "uploaded fw/cam-1.2.0.sbom.json as SBOM" demo.out
	check "a KEV finding is shown: act or attend, KEV due date, overdue, fixed by 1.2.0" grep -qE \
		"^cam-0[1-4] +CVE-2023-1389 +archer_ax21_firmware +1\.1\.3 +open +(act|attend) +[0-9]+ +2023-05-22 +yes +yes +[0-9.]+ +fw/cam-1\.2\.0\.img$" demo.out
	check "the summary counts the act findings and the end-of-life device" bash -c \
		"grep -qE '^open findings: +[0-9]+ \(act [1-9]' demo.out && grep -qE '^end-of-life devices: +1$' demo.out"
	check "the patch queue names 1.2.0 (not rolled out) with devices and the KEV CVE" grep -qE \
		"^fw/cam-1\.2\.0\.img +[1-9][0-9]* +[1-9][0-9]* +(act|attend) +[0-9]+ +.*CVE-2023-1389" demo.out
	check "the eol report names cam-03 (support end 2025-06-30) with an action" grep -qE \
		"^cam-03 +demo-cam +2025-06-30 +[1-9][0-9]* +[a-z*]+ +(isolate|replace|compensating-control)$" demo.out
	check "OpenSSL 3.0.6's CVE-2024-6119 is fixed by 1.2.0 (CNA unaffected outweighs the ADP's unknown)" \
		grep -qE "^cam-01 +CVE-2024-6119 +openssl +3\.0\.6 .* fw/cam-1\.2\.0\.img$" demo.out
else
	check "without vulnerability data the demo says it skipped them" grep -q "no sample feeds at" demo.out
fi
flw_done
