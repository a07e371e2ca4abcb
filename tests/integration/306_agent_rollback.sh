#!/bin/bash
# 306_agent_rollback.sh - the new image boots on trial but its health check fails: the agent
# switches back (one boot-selection write), reboots (simulated) into the old slot and reports
# rolled_back, which the server shows. Second case: the trial slot never comes up (the agent is
# never run on it) and the bootloader falls back after boot_tries.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-06 'health_command = echo "service down" >&2; exit 3' "health_timeout = 5"
D=$FLW_TMP/cam-06
check "agent enrolls" agent_once cam-06
agent_image "$FLW_TMP/img" 700000
check "release uploaded" agent_release "$FLW_TMP/img" fw/cam-6.img 6.0.0
slot_a_before=$(sha256sum <"$D/slot_a")
dep=$(agent_deploy fw/cam-6.img cam-06)

agent_once cam-06
check "server shows rolled_back" test "$(deploy_state "$dep" cam-06)" = rolled_back
check "detail names the health check" bash -c "'$FLW_CLI' deployment show $dep --json | grep -q 'exited with 3'"
check "the trial was booted before" grep -q ': booted' "$D/agent.log"
check "boot selection back on A with no trial" grep -qx 'primary=A' "$D/state/bootsel"
check "booted slot is A" grep -qx 'booted=A' "$D/state/bootsel"
check "no trial pending" grep -qx 'trial=-' "$D/state/bootsel"
check "slot A untouched" test "$(sha256sum <"$D/slot_a")" = "$slot_a_before"
check "agent state idle" jq -e '.phase == "idle"' "$D/state/state.json"
check "next cycle does not reinstall" agent_once cam-06
check "installed once only" test "$(grep -c 'writing slot' "$D/agent.log")" -eq 1

# A trial that never comes up: the switch is made with a reboot command that does not return
# to the agent; the "bootloader" (fleetward-agent --boot, the state-file model) then boots
# boot_tries + 1 times without the agent running in between.
agent_conf cam-07 "reboot_command = true" "boot_tries = 2"
D=$FLW_TMP/cam-07
check "second agent enrolls" agent_once cam-07
dep=$(agent_deploy fw/cam-6.img cam-07)
agent_once cam-07
check "installed and switched" grep -qx 'trial=B' "$D/state/bootsel"
check "server shows installed" test "$(deploy_state "$dep" cam-07)" = installed
for _ in 1 2 3; do "$FLW_AGENT" --config "$D/agent.conf" --boot >>"$D/boots" 2>&1; done
check "bootloader tried B twice, then fell back to A" test "$(tr -d '\n' <"$D/boots")" = BBA
check "agent reports the fallback" agent_once cam-07
check "server shows rolled_back" test "$(deploy_state "$dep" cam-07)" = rolled_back
check "last_failed cleared after the report" grep -qx 'last_failed=-' "$D/state/bootsel"
flw_done
