#!/bin/bash
# 302_agent_tampered.sh - the artifact on the server's disk is modified after upload (same
# length, one byte changed): the agent downloads it, the SHA-256 check against the signed
# metadata fails BEFORE any byte reaches a slot, and the server shows "failure" naming it.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-02
D=$FLW_TMP/cam-02
check "agent enrolls" agent_once cam-02

agent_image "$FLW_TMP/img" 1000000
check "release uploaded" agent_release "$FLW_TMP/img" fw/cam-2.img 2.0.0
art=$(artifact_path "$FLW_TMP/img")
check "artifact found on the server's disk" test -f "$art"
printf '\xff' | dd of="$art" bs=1 seek=500000 conv=notrunc status=none
check "artifact tampered (same length)" test "$(stat -c %s "$art")" -eq 1000000
slots_before=$(cat "$D/slot_a" "$D/slot_b" | sha256sum)
bootsel_before=$(cat "$D/state/bootsel" 2>/dev/null | sha256sum)
dep=$(agent_deploy fw/cam-2.img cam-02)

check_fails "agent cycle fails" agent_once cam-02
check "error names the sha256 mismatch" grep -q "sha256 of the download does not match" "$D/agent.log"
check "slots are unchanged" test "$(cat "$D/slot_a" "$D/slot_b" | sha256sum)" = "$slots_before"
check "boot selection unchanged" test "$(cat "$D/state/bootsel" 2>/dev/null | sha256sum)" = "$bootsel_before"
check "no 'installing' step was reported" bash -c "! grep -q ': installing' '$D/agent.log'"
check "server shows failure" test "$(deploy_state "$dep" cam-02)" = failure
check "failure detail names the hash" grep -qi "sha256\|hash" <<<"$(deploy_detail "$dep" cam-02)"
check "tampered download is not kept for resume" test -z "$(ls -A "$D/state/staging")"
check "a later cycle does not retry the finished deployment" agent_once cam-02
check "still no install" test "$(cat "$D/slot_a" "$D/slot_b" | sha256sum)" = "$slots_before"
flw_done
