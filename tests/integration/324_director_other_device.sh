#!/bin/bash
# 324_director_other_device.sh - Uptane: director metadata is bound to the device's identity. A
# man in the middle takes the validly signed director document that cam-A received and serves
# it to cam-B (same hardware, same release, a higher version than cam-B trusts). cam-B refuses it
# naming the replay for another device; its trusted state stays byte-identical; the next
# legitimate update of cam-B installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_director.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
dir_proxy_start
agent_conf cam-A
agent_conf cam-B "server = $DIR_PROXY_URL" "download_retries = 1"
check "cam-A enrolls" agent_once cam-A
check "cam-B enrolls through the proxy" agent_once cam-B
agent_image "$FLW_TMP/v1.img" 200000
check "release 1" agent_release "$FLW_TMP/v1.img" fw/cam-24-1.img 1.0.0
agent_image "$FLW_TMP/v0.img" 100000
check "release 0" agent_release "$FLW_TMP/v0.img" fw/cam-24-0.img 0.9.0

# cam-A gets a few instructions first, so its document's version is above anything cam-B trusts
for r in 0 1; do
	dep=$(agent_deploy "fw/cam-24-$r.img" cam-A)
	agent_once cam-A
	check "cam-A: release $r installs" test "$(deploy_state "$dep" cam-A)" = success
done
cp "$FLW_TMP/cam-A/state/director.json" "$FLW_TMP/docA.json"
check "cam-A's document: version 2, bound to cam-A" jq -e '.signed.version == 2 and .signed.custom.device_id == "cam-A"' "$FLW_TMP/docA.json"

dep=$(agent_deploy fw/cam-24-1.img cam-B)
check "cam-B has no trusted director document yet" test ! -e "$FLW_TMP/cam-B/state/director.json"
dir_refresh cam-B
before=$(dir_state cam-B)
dir_proxy director "$FLW_TMP/docA.json"
check_fails "cam-B refuses cam-A's document (cycle fails)" agent_once cam-B
dir_proxy pass
check "the error names the replay for another device" \
	grep -q "replay: director metadata for another device ('cam-A'; this is 'cam-B')" "$FLW_TMP/cam-B/agent.log"
check "the server's report names it" \
	bash -c "'$FLW_CLI' --json deployment show $dep | jq -e '.devices[0].detail | test(\"another device\")'"
check "deployment failed" test "$(deploy_state "$dep" cam-B)" = failure
check "trusted metadata, boot selection and slots are byte-identical; still no director document" \
	test "$(dir_state cam-B)" = "$before"
check "nothing was written to a slot" bash -c "! grep -q 'writing slot' '$FLW_TMP/cam-B/agent.log'"

dep=$(agent_deploy fw/cam-24-1.img cam-B)
check "the next legitimate update of cam-B installs" agent_once cam-B
check "deployment succeeds" test "$(deploy_state "$dep" cam-B)" = success
check "release 1 is in cam-B's slot B" cmp -s "$FLW_TMP/cam-B/slot_b" "$FLW_TMP/v1.img"
check "cam-B trusts its own document" jq -e '.signed.custom.device_id == "cam-B"' "$FLW_TMP/cam-B/state/director.json"
flw_done
