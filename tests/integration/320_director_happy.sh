#!/bin/bash
# 320_director_happy.sh - the director (Uptane-style) on the happy path: a check-in that
# directs an update carries "director", a TUF targets document signed by the server's director
# key (the key root lists in x-fleetward-director), bound to the device id and the deployment,
# naming the target with its length, sha256, hardware ids and security version. The agent
# verifies it, installs, and keeps it (state_dir/director.json, exact bytes). The per-device
# version goes up from one deployment to the next; the server signs once per instruction and
# re-sends the same bytes on later check-ins; nothing is pending: no "update", no director.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-20
D=$FLW_TMP/cam-20
check "agent enrolls" agent_once cam-20
check "nothing pending: the check-in answer has no update" \
	bash -c "curl -sS -f -X POST -H \"Authorization: Bearer \$(jq -r .token '$D/state/token')\" --data-binary '{}' '$FLW_URL/device/v1/checkin' | jq -e 'has(\"update\") | not'"

agent_image "$FLW_TMP/v1.img" 200000
check "release 1" agent_release "$FLW_TMP/v1.img" fw/cam-20-1.img 1.0.0
dep1=$(agent_deploy fw/cam-20-1.img cam-20)
tok=$(jq -r .token "$D/state/token")
ans() { curl -sS -f -X POST -H "Authorization: Bearer $tok" --data-binary '{}' "$FLW_URL/device/v1/checkin"; }
ans >"$FLW_TMP/a1.json"
ans >"$FLW_TMP/a2.json"
check "the update carries a director document (a string)" jq -e '.update.director | type == "string"' "$FLW_TMP/a1.json"
jq -r .update.director "$FLW_TMP/a1.json" >"$FLW_TMP/doc1.json"
truncate -s -1 "$FLW_TMP/doc1.json" # jq -r adds a newline
check "signed once: the next check-in re-sends the same bytes" \
	test "$(jq -r .update.director "$FLW_TMP/a1.json")" = "$(jq -r .update.director "$FLW_TMP/a2.json")"
check "it is a targets document" jq -e '.signed._type == "targets"' "$FLW_TMP/doc1.json"
check "bound to the device" jq -e '.signed.custom.device_id == "cam-20"' "$FLW_TMP/doc1.json"
check "bound to the deployment" jq -e --argjson d "$dep1" '.signed.custom.deployment == $d' "$FLW_TMP/doc1.json"
check "the device's first director version is 1" jq -e '.signed.version == 1' "$FLW_TMP/doc1.json"
check "it names exactly the target, length and sha256" jq -e --arg h "$(sha256sum <"$FLW_TMP/v1.img" | cut -d' ' -f1)" \
	'.signed.targets | keys == ["fw/cam-20-1.img"] and .["fw/cam-20-1.img"].length == 200000 and .["fw/cam-20-1.img"].hashes.sha256 == $h' "$FLW_TMP/doc1.json"
check "with hardware ids and security version" jq -e \
	'.signed.targets["fw/cam-20-1.img"].custom == {"hardware_ids": ["cam-v2"], "security_version": 1}' "$FLW_TMP/doc1.json"
check "signed by the director key that root lists" \
	test "$(jq -r '.signatures[0].keyid' "$FLW_TMP/doc1.json")" = "$(jq -r '.signed["x-fleetward-director"].keyids[0]' "$ROOT_JSON")"
exp=$(date -u -d "$(jq -r .signed.expires "$FLW_TMP/doc1.json")" +%s)
check "expires in about a day (--director-expiry default)" test $((exp - $(date +%s))) -gt 86000 -a $((exp - $(date +%s))) -le 86400

agent_once cam-20
check "deployment 1 succeeds" test "$(deploy_state "$dep1" cam-20)" = success
check "installed in slot B" cmp -s "$D/slot_b" "$FLW_TMP/v1.img"
check "the agent keeps the exact director bytes it verified" cmp "$FLW_TMP/doc1.json" "$D/state/director.json"
check "director.json is private (0600)" test "$(stat -c %a "$D/state/director.json")" = 600
check "anti-rollback floor is the installed security version" jq -e '.security_floor == 1' "$D/state/state.json"

agent_image "$FLW_TMP/v2.img" 150000
check "release 2" agent_release "$FLW_TMP/v2.img" fw/cam-20-2.img 2.0.0
dep2=$(agent_deploy fw/cam-20-2.img cam-20)
agent_once cam-20
check "deployment 2 succeeds" test "$(deploy_state "$dep2" cam-20)" = success
check "installed in slot A" cmp -s "$D/slot_a" "$FLW_TMP/v2.img"
check "the trusted director document is deployment 2's" \
	jq -e --argjson d "$dep2" '.signed.custom.deployment == $d and (.signed.targets | keys == ["fw/cam-20-2.img"])' "$D/state/director.json"
check "its version went up" jq -e '.signed.version == 2' "$D/state/director.json"
check "a later check-in has nothing to do" agent_once cam-20
check "and still trusts version 2" jq -e '.signed.version == 2' "$D/state/director.json"

# a shorter --director-expiry is honoured by the next document signed
flw_stop_server
flw_start_server --director-expiry 2h
agent_conf cam-20 # the server's new port
agent_image "$FLW_TMP/v3.img" 120000
check "release 3" agent_release "$FLW_TMP/v3.img" fw/cam-20-3.img 3.0.0
dep3=$(agent_deploy fw/cam-20-3.img cam-20)
agent_once cam-20
check "deployment 3 succeeds" test "$(deploy_state "$dep3" cam-20)" = success
exp=$(date -u -d "$(jq -r .signed.expires "$D/state/director.json")" +%s)
check "--director-expiry 2h: the document expires in about two hours" test $((exp - $(date +%s))) -gt 7000 -a $((exp - $(date +%s))) -le 7200
check "version 3" jq -e '.signed.version == 3' "$D/state/director.json"
flw_done
