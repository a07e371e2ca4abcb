#!/bin/bash
# 321_director_replay.sh - Uptane "replay of an old director instruction": a man in the middle
# records the check-in answer that directed deployment 1 (its director document, version 1)
# and, after deployment 2 installed (version 2 trusted), answers a check-in with the recording.
# The document is validly signed and for this device, yet older than the trusted one: the agent
# refuses it naming the replay, its trusted state stays byte-identical, and the next legitimate
# update installs. An equal version with other bytes is refused too.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_director.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
dir_proxy_start
agent_conf cam-21 "server = $DIR_PROXY_URL" "download_retries = 1"
D=$FLW_TMP/cam-21
check "agent enrolls through the proxy" agent_once cam-21

agent_image "$FLW_TMP/v1.img" 200000
check "release 1" agent_release "$FLW_TMP/v1.img" fw/cam-21-1.img 1.0.0
dep1=$(agent_deploy fw/cam-21-1.img cam-21)
dir_proxy capture "$FLW_TMP/answer1.json"
agent_once cam-21
dir_proxy pass
check "deployment 1 succeeds" test "$(deploy_state "$dep1" cam-21)" = success
check "the recorded answer directs deployment 1 with director version 1" \
	jq -e --argjson d "$dep1" '.update.deployment == $d and (.update.director | fromjson | .signed.version == 1)' "$FLW_TMP/answer1.json"

agent_image "$FLW_TMP/v2.img" 150000
check "release 2" agent_release "$FLW_TMP/v2.img" fw/cam-21-2.img 2.0.0
dep2=$(agent_deploy fw/cam-21-2.img cam-21)
agent_once cam-21
check "deployment 2 succeeds" test "$(deploy_state "$dep2" cam-21)" = success
check "the device trusts director version 2" jq -e '.signed.version == 2' "$D/state/director.json"

dir_refresh cam-21
before=$(dir_state cam-21)
dir_proxy replay "$FLW_TMP/answer1.json"
check_fails "the replayed instruction is refused (cycle fails)" agent_once cam-21
dir_proxy pass
check "the error names the replay" grep -q "replay: director version 1 < trusted 2" "$D/agent.log"
check "trusted metadata, director document, boot selection and slots are byte-identical" \
	test "$(dir_state cam-21)" = "$before"
check "slot B still holds release 1's image, untouched" cmp -s "$D/slot_b" "$FLW_TMP/v1.img"
check "nothing was downloaded or written" bash -c "! tail -n 8 '$D/agent.log' | grep -Eq 'writing slot|downloaded:'"
check "the failure report reached the server's history" \
	bash -c "'$FLW_CLI' --json device show cam-21 | jq -e '[.history[] | select(.state == \"failure\") | .detail | test(\"replay\")] | any'"

# version 2 again but other bytes (re-signed by a stolen key with a changed expiry)
jq -c '.signed.expires = "2099-01-01T00:00:00Z"' "$D/state/director.json" >"$FLW_TMP/same-version.json"
"$FLW_CLI" repo sign "$FLW_TMP/same-version.json" --key "$FLW_DATA/keys/director.key" >>"$FLW_TMP/cli.log" 2>&1
agent_image "$FLW_TMP/v3.img" 120000
check "release 3" agent_release "$FLW_TMP/v3.img" fw/cam-21-3.img 3.0.0
dep3=$(agent_deploy fw/cam-21-3.img cam-21)
dir_refresh cam-21
before=$(dir_state cam-21)
dir_proxy director "$FLW_TMP/same-version.json"
check_fails "an equal version with other bytes is refused" agent_once cam-21
dir_proxy pass
check "the error names the replay" grep -q "replay: director version 2 is the trusted one, with other bytes" "$D/agent.log"
check "trusted state byte-identical" test "$(dir_state cam-21)" = "$before"
check "the deployment is reported failed" test "$(deploy_state "$dep3" cam-21)" = failure

dep4=$(agent_deploy fw/cam-21-3.img cam-21)
check "the next legitimate update installs" agent_once cam-21
check "deployment succeeds" test "$(deploy_state "$dep4" cam-21)" = success
check "release 3 is in slot B" cmp -s "$D/slot_b" "$FLW_TMP/v3.img"
check "its director version is above every earlier one" jq -e '.signed.version > 2' "$D/state/director.json"
flw_done
