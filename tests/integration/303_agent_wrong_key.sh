#!/bin/bash
# 303_agent_wrong_key.sh - targets metadata signed by a key the root does not list is refused
# by the server at upload; and an agent that trusts a different root (another repository)
# refuses this server's metadata: failure reported, no slot written.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

# A second, unrelated repository: its root is what the misconfigured agent trusts.
FLW_DATA=$FLW_TMP/data2 flw_start_server
mkdir -p "$FLW_TMP/other"
(cd "$FLW_TMP/other" && "$FLW_CLI" keygen -o root.key && "$FLW_CLI" keygen -o targets.key &&
	"$FLW_CLI" repo init --root-key root.key --targets-key targets.key -o root.json) >>"$FLW_TMP/cli.log" 2>&1
check "other repository initialised" test -s "$FLW_TMP/other/root.json"
flw_api GET /api/v1/tuf/targets >"$FLW_TMP/other/targets.json"
check "other repository's targets v1 saved" jq -e '.signed.version == 1' "$FLW_TMP/other/targets.json"
flw_stop_server
unset FLW_DATA

flw_start_server
agent_repo_init
agent_enroll_token
agent_image "$FLW_TMP/img" 500000
# Signed offline (--targets) with the other repository's targets key: a valid signature by a
# key this server's root does not list for targets.
check "metadata signed with the wrong key" "$FLW_CLI" release create "$FLW_TMP/img" --name fw/evil.img \
	--version 6.6.6 --hardware "$AGENT_HWID" --targets "$FLW_TMP/other/targets.json" \
	--key "$FLW_TMP/other/targets.key" -o "$FLW_TMP/evil.json"
"$FLW_CLI" release upload --metadata "$FLW_TMP/evil.json" "$FLW_TMP/img" >"$FLW_TMP/up.out" 2>&1
check "server refuses targets signed by a wrong key" test $? -ne 0
check "refusal is a signature error" grep -qi "signature" "$FLW_TMP/up.out"
check "the release is not listed" bash -c "! '$FLW_CLI' release list --json | grep -q evil"

# The agent trusting the other repository's root
check "good release uploaded" agent_release "$FLW_TMP/img" fw/good.img 1.0.0
AGENT_ROOT=$FLW_TMP/other/root.json agent_conf cam-03
D=$FLW_TMP/cam-03
check "agent enrolls" agent_once cam-03
slots_before=$(cat "$D/slot_a" "$D/slot_b" | sha256sum)
dep=$(agent_deploy fw/good.img cam-03)
check_fails "agent refuses the repository" agent_once cam-03
check "agent names the signature failure" grep -qi "signature" "$D/agent.log"
check "slots are unchanged" test "$(cat "$D/slot_a" "$D/slot_b" | sha256sum)" = "$slots_before"
check "nothing was downloaded" test -z "$(ls -A "$D/state/staging")"
check "server shows failure" test "$(deploy_state "$dep" cam-03)" = failure
check "its trusted root is still the other repository's" cmp "$FLW_TMP/other/root.json" "$D/state/tuf/root.json"
flw_done
