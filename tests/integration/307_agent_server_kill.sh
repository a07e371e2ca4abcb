#!/bin/bash
# 307_agent_server_kill.sh - fleetwardd is killed with SIGKILL in the middle of a deployment and
# restarted on the same data directory: the agent keeps its reports queued while the server is
# away and resends them; afterwards the server's history holds every seq the agent ever sent,
# without gaps, and the deployment finishes.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-08 "download_rate_limit = 500000" "stall_timeout = 3" "connect_timeout = 2"
D=$FLW_TMP/cam-08
check "agent enrolls" agent_once cam-08
agent_image "$FLW_TMP/img" 3000000
check "release uploaded" agent_release "$FLW_TMP/img" fw/cam-8.img 8.0.0
dep=$(agent_deploy fw/cam-8.img cam-08)

"$FLW_AGENT" --config "$D/agent.conf" --once >>"$D/agent.log" 2>&1 &
apid=$!
FLW_PIDS+=("$apid")
for _ in $(seq 1 100); do
	part=$(ls "$D"/state/staging/*.part 2>/dev/null | head -1)
	[ -n "$part" ] && [ "$(stat -c %s "$part")" -ge 500000 ] && break
	sleep 0.1
done
acked_before=$(flw_api GET /api/v1/devices/cam-08 | jq '[.history[].seq] | max // 0')
flw_stop_server KILL
wait "$apid"
check "agent run fails while the server is gone" test $? -ne 0
check_fails "a cycle without server fails" agent_once cam-08
check "reports stay queued" jq -e '.queue | length > 0' "$D/state/state.json"

flw_start_server # same FLW_DATA
sed -i "s|^server = .*|server = $FLW_URL|; s/^download_rate_limit = .*/download_rate_limit = 0/" "$D/agent.conf"
hist=$(flw_api GET /api/v1/devices/cam-08 | jq -c '[.history[].seq] | sort')
check "acknowledged reports survived SIGKILL (max seq >= $acked_before)" \
	jq -e --argjson a "$acked_before" '(max // 0) >= $a' <<<"$hist"
check "agent finishes the deployment" agent_once cam-08 || agent_log_tail cam-08
check "slot B holds the image" cmp "$FLW_TMP/img" "$D/slot_b"
check "server shows success" test "$(deploy_state "$dep" cam-08)" = success
check "agent queue drained" jq -e '.queue == []' "$D/state/state.json"
next=$(jq .next_seq "$D/state/state.json")
hist=$(flw_api GET /api/v1/devices/cam-08 | jq -c '[.history[].seq] | sort')
check "server history has every seq 1..$((next - 1))" \
	jq -e --argjson n "$next" '. == [range(1; $n)]' <<<"$hist"
flw_done
