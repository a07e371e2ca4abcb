#!/bin/bash
# 310_agent_unsigned_fields.sh - the check-in's `update` is not trusted. A server whose database
# was altered (a stolen server) directs an update whose version and security version differ from
# the offline-signed targets metadata. The agent must install the signed target and record the
# SIGNED version and security version, never the server's (regression for a review finding:
# the agent used to store the check-in's copy, which let a compromised server lower the device's
# anti-rollback floor).
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
command -v sqlite3 >/dev/null || flw_skip "sqlite3 not installed"

flw_start_server
agent_repo_init
agent_image "$FLW_TMP/img" 300000
check "release uploaded (version 2.0.0, security version 1)" agent_release "$FLW_TMP/img" fw/cam-10.img 2.0.0

# The attacker edits the server's database while the server is down.
flw_stop_server
sqlite3 "$FLW_DATA/fleetward.db" \
	"UPDATE releases SET version='9.9.9-forged', security_version=0 WHERE name='fw/cam-10.img'"
flw_start_server
check "server now advertises the forged version" \
	bash -c "'$FLW_CLI' --json release show fw/cam-10.img | jq -e '.version == \"9.9.9-forged\"'"

agent_enroll_token
agent_conf cam-10
D=$FLW_TMP/cam-10
check "agent enrolls" agent_once cam-10
dep=$(agent_deploy fw/cam-10.img cam-10)
agent_once cam-10
check "the signed image was installed" cmp -s "$D/slot_b" "$FLW_TMP/img"
check "server shows success" test "$(deploy_state "$dep" cam-10)" = success
check "agent recorded the signed version" jq -e '.slots.B.version == "2.0.0"' "$D/state/state.json"
check "agent recorded the signed security version" jq -e '.slots.B.security_version == 1' "$D/state/state.json"
check_fails "no forged value anywhere in the agent state" grep -q forged "$D/state/state.json"
check "next check-in" agent_once cam-10
check "check-in reports the signed version" \
	bash -c "'$FLW_CLI' --json device show cam-10 | jq -e '.installed_version == \"2.0.0\"'"
flw_done
