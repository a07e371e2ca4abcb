#!/bin/bash
# 012_DEV13_downgrade.sh - SECURITY-TESTS DEV-13 (software part; class B10): the agent refuses
# an offline-signed release whose security version is below the installed one, BEFORE writing
# any slot byte, and reports failure naming it; the boot selection is untouched. A release with
# the same security version still installs (the check is not "refuse everything").
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server --min-checkin-interval 0
agent_repo_init
agent_enroll_token
agent_conf cam-13
D=$FLW_TMP/cam-13

# release IMG NAME VERSION SECURITY_VERSION
release() {
	local meta=$FLW_TMP/rel.$RANDOM.json
	"$FLW_CLI" release create "$1" --name "$2" --version "$3" --hardware "$AGENT_HWID" \
		--security-version "$4" --key "$FLW_TMP/targets.key" -o "$meta" >>"$FLW_TMP/cli.log" 2>&1 &&
		"$FLW_CLI" release upload --metadata "$meta" "$1" >>"$FLW_TMP/cli.log" 2>&1
}

check "agent enrolls" agent_once cam-13
agent_image "$FLW_TMP/v2.img" 200000
check "release 2.0.0 with security version 2" release "$FLW_TMP/v2.img" fw/cam-2.img 2.0.0 2
dep=$(agent_deploy fw/cam-2.img cam-13)
agent_once cam-13
check "2.0.0 installed in slot B" cmp -s "$D/slot_b" "$FLW_TMP/v2.img"
check "server shows success" test "$(deploy_state "$dep" cam-13)" = success
check "agent holds security version 2 for slot B" jq -e '.slots.B.security_version == 2' "$D/state/state.json"

agent_image "$FLW_TMP/v1.img" 150000
check "release 1.5.0 with security version 1 (validly signed)" release "$FLW_TMP/v1.img" fw/cam-1.img 1.5.0 1
slot_a_before=$(sha256sum <"$D/slot_a")
bootsel_before=$(cat "$D/state/bootsel")
dep=$(agent_deploy fw/cam-1.img cam-13)
agent_once cam-13
check "the downgrade is reported as a failure" test "$(deploy_state "$dep" cam-13)" = failure
check "the failure names the security version" \
	bash -c "grep -q \"rollback: security version 1 below the device's floor 2\" '$D/agent.log'"
check "no byte reached the inactive slot A" test "$(sha256sum <"$D/slot_a")" = "$slot_a_before"
check "the boot selection is unchanged" test "$(cat "$D/state/bootsel")" = "$bootsel_before"
check "the agent still records security version 2" jq -e '.slots.B.security_version == 2' "$D/state/state.json"
check "staging holds no copy of the refused image" bash -c "! cmp -s '$FLW_TMP/v1.img' '$D/state/staging/'* 2>/dev/null"

agent_image "$FLW_TMP/v2b.img" 120000
check "release 2.1.0 with the same security version 2" release "$FLW_TMP/v2b.img" fw/cam-2b.img 2.1.0 2
dep=$(agent_deploy fw/cam-2b.img cam-13)
agent_once cam-13
check "an equal security version installs (slot A)" cmp -s "$D/slot_a" "$FLW_TMP/v2b.img"
check "server shows success for it" test "$(deploy_state "$dep" cam-13)" = success
flw_done
