#!/bin/bash
# 309_agent_kill_anywhere.sh - the agent is killed with SIGKILL at a different instant of an
# update on each of several devices (during enrollment-free check-in, TUF refresh, download,
# verification, slot write, switch, trial, commit); each device is then simply restarted until
# it is done. Every device must end committed on the new image with the server showing success,
# the boot selection consistent at every restart, and the report seqs on the server 1..N.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_image "$FLW_TMP/img" 40000000
check "release uploaded" agent_release "$FLW_TMP/img" fw/cam-k.img 7.0.0
delays="0.01 0.03 0.05 0.07 0.09 0.11 0.13 0.15 0.18 0.22 0.3 0.4 0.5"
devs=()
i=0
for d in $delays; do
	i=$((i + 1))
	agent_conf "k$i" "health_command = sleep 0.2"
	agent_once "k$i" || fail "k$i enrolls"
	devs+=(--device "k$i")
done
dep=$("$FLW_CLI" deploy fw/cam-k.img "${devs[@]}" 2>>"$FLW_TMP/cli.log")
check "deployment to ${#devs[@]} devices" test -n "$dep"

i=0
for d in $delays; do
	i=$((i + 1))
	D=$FLW_TMP/k$i
	echo "# --- killed run" >>"$D/agent.log"
	"$FLW_AGENT" --config "$D/agent.conf" --once >>"$D/agent.log" 2>&1 &
	apid=$!
	sleep "$d"
	kill -KILL "$apid" 2>/dev/null
	wait "$apid" 2>/dev/null
	bad=0
	for _ in 1 2 3 4; do
		# invariants at every restart: a valid boot selection, a readable state
		if [ -e "$D/state/bootsel" ]; then
			grep -Eq '^primary=[AB]$' "$D/state/bootsel" || bad=1
		fi
		jq -e '.phase' "$D/state/state.json" >/dev/null 2>&1 || [ ! -e "$D/state/state.json" ] || bad=1
		agent_once "k$i" && [ "$(deploy_state "$dep" "k$i")" = success ] && break
	done
	last=$(awk '/^# --- killed run/{k=1; next} /^# ---/{k=0} k' "$D/agent.log" | tail -1 | sed 's/^[^:]*: [a-z]*: //' | cut -c1-60)
	echo "# k$i killed after ${d}s, last words: ${last:-none}"
	check "k$i (killed after ${d}s): state files stayed valid" test $bad -eq 0
	check "k$i: server shows success" test "$(deploy_state "$dep" "k$i")" = success || agent_log_tail "k$i"
	check "k$i: slot B holds the image" cmp -s "$FLW_TMP/img" "$D/slot_b"
	check "k$i: committed to B" grep -qx 'primary=B' "$D/state/bootsel"
	next=$(jq .next_seq "$D/state/state.json")
	hist=$(flw_api GET "/api/v1/devices/k$i" | jq -c '[.history[].seq] | sort')
	check "k$i: server history has seqs 1..$((next - 1))" jq -e --argjson n "$next" '. == [range(1; $n)]' <<<"$hist"
done
flw_done
