#!/bin/bash
# 409_attack_slow_retrieval.sh - "slow retrieval" (SECURITY-TESTS.md 2.1, SEC-06; Uptane keeps
# it as a requirement) against the real agent (stall_timeout = 3 s, request_timeout = 5 s): a
# man in the middle (1) stalls the target after 1000 bytes, (2) trickles the timestamp so that
# the request outlives request_timeout, (3) trickles the target at 64 bytes/s, far below any
# useful rate but never quite stopping (the proxy gives up after 15 s). The agent must abort
# each on its own, report it naming the attack, keep its trust and slots byte-identical, and
# install the next honest update.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
ATK_UNNAMED=""
D=$FLW_TMP/cam-sr

atk_setup cam-sr
WHAT='slow retrieval'

atk_new_release stalled-target
t0=$(date +%s)
atk_attack cam-sr stalled-target \
	'[{"path": "^/tuf/targets/", "action": "stall", "after": 1000, "seconds": 30}]' "$WHAT" target
check "stalled-target: the agent gave up by itself (stall_timeout 3 s)" \
	grep -Eq "no progress for 3 s|slow retrieval" "$D/agent.log"

atk_new_release trickled-timestamp
atk_attack cam-sr trickled-timestamp \
	'[{"path": "^/tuf/metadata/timestamp.json$", "action": "trickle", "rate": 16, "max_seconds": 20}]' "$WHAT"
check "trickled-timestamp: the agent gave up within request_timeout" \
	grep -Eq "timestamp.json: (Timeout was reached|.*slow retrieval)" "$D/agent.log"

atk_new_release trickled-target
t0=$(date +%s)
atk_attack cam-sr trickled-target \
	'[{"path": "^/tuf/targets/", "action": "trickle", "rate": 64, "max_seconds": 15}]' "$WHAT" target
took=$(($(date +%s) - t0))
check "trickled-target: the agent aborts a 64 B/s trickle itself (throughput floor min_download_rate)" \
	grep -q "slow retrieval" "$D/agent.log"
echo "# trickled-target: the attempt and the honest retry took ${took}s"
flw_done
