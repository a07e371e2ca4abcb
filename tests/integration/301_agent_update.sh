#!/bin/bash
# 301_agent_update.sh - the whole path: release signed offline, uploaded, deployed to a device;
# the real agent enrolls, checks in, verifies against TUF, downloads, installs into the inactive
# file slot, switches boot, boots the trial (simulated), passes its health check, commits and
# reports every step. Slot bytes equal the image; the server shows success and the inventory.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-01 "health_command = test \"\$FLEETWARD_SLOT\" = B" "attribute.os = FleetOS 1"
D=$FLW_TMP/cam-01

check "agent first start (enroll + check-in)" agent_once cam-01
check "device key generated with mode 0600" test "$(stat -c %a "$D/state/device.key")" = 600
check "trust root copied into state" cmp "$ROOT_JSON" "$D/state/tuf/root.json"
dev=$(flw_api GET /api/v1/devices/cam-01)
check "device shows its attributes" jq -e '.attributes.os == "FleetOS 1" and .attributes.serial == "SN-cam-01"' <<<"$dev"

agent_image "$FLW_TMP/cam-1.1.img" 3000000
check "release create + upload" agent_release "$FLW_TMP/cam-1.1.img" fw/cam-1.1.img 1.1.0
dep=$(agent_deploy fw/cam-1.1.img cam-01)
check "deployment created" test -n "$dep"
slot_a_before=$(sha256sum <"$D/slot_a")

check "agent cycle installs the update" agent_once cam-01 || agent_log_tail cam-01
check "slot B holds exactly the image" cmp "$FLW_TMP/cam-1.1.img" "$D/slot_b"
check "slot A (the running slot) untouched" test "$(sha256sum <"$D/slot_a")" = "$slot_a_before"
check "boot selection committed to B" grep -qx 'primary=B' "$D/state/bootsel"
check "no trial left" grep -qx 'trial=-' "$D/state/bootsel"
check "server shows success" test "$(deploy_state "$dep" cam-01)" = success
check "staging is empty after install" test -z "$(ls -A "$D/state/staging")"

check "next cycle is a plain check-in" agent_once cam-01
check "the update is not installed twice" test "$(grep -c 'writing slot' "$D/agent.log")" -eq 1
dev=$(flw_api GET /api/v1/devices/cam-01)
check "inventory shows the installed release" \
	jq -e '.installed == "fw/cam-1.1.img" and .installed_version == "1.1.0"' <<<"$dev"
hist=$(jq -c '[.history[] | select(.deployment == '"$dep"') | .state] | sort' <<<"$dev")
for s in downloading downloaded installing installed booted success; do
	check "history has '$s'" jq -e --arg s "$s" 'index($s) != null' <<<"$hist"
done
seqs=$(jq -c '[.history[].seq] | sort' <<<"$dev")
check "report seqs are 1..N without gaps" jq -e '. == [range(1; length + 1)]' <<<"$seqs"
check "agent queue drained" jq -e '.queue == []' "$D/state/state.json"

# device token refused (401) -> re-authenticates with its key; expired -> renews before use
echo '{"expires":9999999999,"token":"djF8Y2FtLTAxfDk5OTk5OTk5OTk.AAAA"}' >"$D/state/token"
check "agent recovers from a refused token" agent_once cam-01
check "it re-authenticated" grep -q "device token refused; authenticating again" "$D/agent.log"
check "new token stored" bash -c "! grep -q AAAA '$D/state/token'"
echo '{"expires":1,"token":"old"}' >"$D/state/token"
check "agent renews an expired token" agent_once cam-01
check "renewed token has a future expiry" jq -e ".expires > $(date +%s)" "$D/state/token"

# config errors name the file and line
printf 'server = http://x\nbogus = 1\n' >"$FLW_TMP/bad.conf"
"$FLW_AGENT" --config "$FLW_TMP/bad.conf" --once >"$FLW_TMP/bad.out" 2>&1
check "bad config exits 2" test $? -eq 2
check "bad config error names file:line and key" grep -q "bad.conf:2: unknown key 'bogus'" "$FLW_TMP/bad.out"
check "--help lists config keys" bash -c "'$FLW_AGENT' --help | grep -q download_rate_limit"
flw_done
