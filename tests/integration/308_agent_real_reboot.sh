#!/bin/bash
# 308_agent_real_reboot.sh - a "real" reboot: reboot_command kills the agent with SIGKILL right
# after the boot switch (like a power-off), `fleetward-agent --boot` plays the bootloader, and
# the next start resumes from the persisted state: trial booted -> health -> commit. The same
# with a failing health check: the kill comes after the switch back, and the next start on the
# old slot reports rolled_back.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_image "$FLW_TMP/img" 600000
check "release uploaded" agent_release "$FLW_TMP/img" fw/cam-9.img 9.0.0

# --- commit across a real reboot
agent_conf cam-09 'reboot_command = kill -KILL $PPID'
D=$FLW_TMP/cam-09
check "agent enrolls" agent_once cam-09
dep=$(agent_deploy fw/cam-9.img cam-09)
agent_once cam-09
check "agent died in its reboot (SIGKILL)" test $? -eq 137
check "switched to B on trial" grep -qx 'trial=B' "$D/state/bootsel"
check "state records the trial" jq -e '.phase == "trial" and .slot == "B"' "$D/state/state.json"
check "server saw 'installed' before the reboot" test "$(deploy_state "$dep" cam-09)" = installed
check "bootloader boots B" test "$("$FLW_AGENT" --config "$D/agent.conf" --boot)" = B
check "agent after the reboot commits" agent_once cam-09 || agent_log_tail cam-09
check "server shows success" test "$(deploy_state "$dep" cam-09)" = success
check "primary is B" grep -qx 'primary=B' "$D/state/bootsel"
check "slot B holds the image" cmp "$FLW_TMP/img" "$D/slot_b"
check "bootloader keeps booting B" test "$("$FLW_AGENT" --config "$D/agent.conf" --boot)" = B

# --- rollback across a real reboot
agent_conf cam-10 'reboot_command = kill -KILL $PPID' 'health_command = false'
D=$FLW_TMP/cam-10
check "second agent enrolls" agent_once cam-10
dep=$(agent_deploy fw/cam-9.img cam-10)
agent_once cam-10
check "killed at the switch" test $? -eq 137
check "bootloader boots the trial B" test "$("$FLW_AGENT" --config "$D/agent.conf" --boot)" = B
agent_once cam-10
check "killed at the reboot after the failed health check" test $? -eq 137
check "state is rollback" jq -e '.phase == "rollback"' "$D/state/state.json"
check "trial cleared before that reboot" grep -qx 'trial=-' "$D/state/bootsel"
check "bootloader boots A" test "$("$FLW_AGENT" --config "$D/agent.conf" --boot)" = A
check "agent on A reports" agent_once cam-10 || agent_log_tail cam-10
check "server shows rolled_back" test "$(deploy_state "$dep" cam-10)" = rolled_back
check "primary is still A" grep -qx 'primary=A' "$D/state/bootsel"
check "state idle" jq -e '.phase == "idle" and .queue == []' "$D/state/state.json"
flw_done
