#!/bin/bash
# 305_agent_resume.sh - a download over a slow link is interrupted (agent killed with SIGKILL);
# the next run continues from the staged bytes with an HTTP Range request instead of starting
# over, and the update completes with the exact image in the slot.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-05 "download_rate_limit = 400000"
D=$FLW_TMP/cam-05
check "agent enrolls" agent_once cam-05
agent_image "$FLW_TMP/img" 4000000
check "release uploaded" agent_release "$FLW_TMP/img" fw/cam-5.img 5.0.0
dep=$(agent_deploy fw/cam-5.img cam-05)

"$FLW_AGENT" --config "$D/agent.conf" --once >>"$D/agent.log" 2>&1 &
apid=$!
FLW_PIDS+=("$apid")
part=""
for _ in $(seq 1 100); do
	part=$(ls "$D"/state/staging/*.part 2>/dev/null | head -1)
	[ -n "$part" ] && [ "$(stat -c %s "$part")" -ge 800000 ] && break
	sleep 0.1
done
kill -KILL "$apid"
wait "$apid" 2>/dev/null
size1=$(stat -c %s "$part" 2>/dev/null || echo 0)
check "partial download staged before the kill ($size1 bytes)" test "$size1" -ge 800000 -a "$size1" -lt 4000000
check "slot B not written by the interrupted run" bash -c "! cmp -s '$FLW_TMP/img' '$D/slot_b'"

sed -i 's/^download_rate_limit = .*/download_rate_limit = 0/' "$D/agent.conf"
check "second run completes the update" agent_once cam-05 || agent_log_tail cam-05
check "agent resumed at the staged offset" grep -Eq "resuming download of 'fw/cam-5.img' at byte [0-9]+" "$D/agent.log"
off=$(grep -Eo "resuming download of 'fw/cam-5.img' at byte [0-9]+" "$D/agent.log" | tail -1 | grep -Eo '[0-9]+$')
check "resume offset ($off) >= bytes staged at the kill ($size1)" test "${off:-0}" -ge "$size1"
check "slot B holds exactly the image" cmp "$FLW_TMP/img" "$D/slot_b"
check "server shows success" test "$(deploy_state "$dep" cam-05)" = success
if grep -qi 'range' "$FLW_TMP/fleetwardd.log"; then
	check "server log shows a Range request" grep -qi 'range' "$FLW_TMP/fleetwardd.log"
fi
flw_done
