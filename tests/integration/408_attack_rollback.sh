#!/bin/bash
# 408_attack_rollback.sh - TUF "rollback" (SECURITY-TESTS.md 2.1, SEC-02) against the real
# agent: a man in the middle serves metadata older than what the device trusts. (1) An older
# timestamp (validly signed, captured earlier); (2) the old root served as the next root; with
# the server's online keys (a compromised server): (3) a newer timestamp pinning the previous
# snapshot, (4) a newer timestamp and snapshot pinning the previous targets metadata. The agent
# refuses each naming the rollback; trust and slots stay byte-identical (in (4) the timestamp,
# validly signed with the stolen key, is trusted as TUF prescribes; snapshot and targets stay),
# and the next honest update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
D=$FLW_TMP/cam-rb

atk_setup cam-rb
WHAT='rollback'
cur_snapshot() { atk_meta timestamp.json | jq -r '.signed.meta["snapshot.json"].version'; }
meta_entry() { # FILE VERSION: a meta entry for the bytes of FILE
	jq -nc --argjson v "$2" --argjson l "$(stat -c %s "$1")" --arg h "$(sha256sum <"$1" | cut -d' ' -f1)" \
		'{version: $v, length: $l, hashes: {sha256: $h}}'
}
serve() { # PATH FILE: a rule serving FILE for that metadata path
	printf '{"path": "^/tuf/metadata/%s$", "action": "file", "file": "%s"}' "$1" "$2"
}

# 1. an older timestamp: the one the device trusted before its last update
cp "$D/state/tuf/timestamp.json" "$FLW_TMP/old-ts.json"
atk_new_release between
atk_honest cam-rb between
atk_new_release old-timestamp
atk_attack cam-rb old-timestamp "[$(serve timestamp.json "$FLW_TMP/old-ts.json")]" "$WHAT"

# 2. the trusted root v1 served as root v2
atk_new_release old-root
atk_attack cam-rb old-root "[$(serve 2.root.json "$ROOT_JSON")]" "$WHAT"

# 3. compromised server: a newer timestamp pinning a snapshot older than the trusted one (the
#    trusted one is the previous release's, sv - 1)
atk_new_release old-snapshot
sv=$(cur_snapshot)
atk_meta timestamp.json >"$FLW_TMP/ts.json"
atk_meta "$((sv - 2)).snapshot.json" >"$FLW_TMP/prev-sn.json"
atk_resign "$FLW_TMP/ts.json" ".version += 1 | .meta[\"snapshot.json\"] = $(meta_entry "$FLW_TMP/prev-sn.json" $((sv - 2)))" \
	"$(atk_online_pem timestamp)" >"$FLW_TMP/rb-ts.json"
atk_attack cam-rb old-snapshot "[$(serve timestamp.json "$FLW_TMP/rb-ts.json")]" "$WHAT"

# 4. compromised server: a timestamp and a newer snapshot pinning targets metadata older than
#    the trusted one (the timestamp gets the honest current version, so that the honest
#    repository's next one supersedes it)
atk_new_release old-targets
sv=$(cur_snapshot)
gv=$(atk_meta "$sv.snapshot.json" | jq -r '.signed.meta["targets.json"].version')
atk_meta "$((gv - 2)).targets.json" >"$FLW_TMP/prev-tg.json"
atk_meta "$sv.snapshot.json" >"$FLW_TMP/sn.json"
atk_resign "$FLW_TMP/sn.json" ".version += 1 | .meta[\"targets.json\"] = $(meta_entry "$FLW_TMP/prev-tg.json" $((gv - 2)))" \
	"$(atk_online_pem snapshot)" >"$FLW_TMP/rb-sn.json"
atk_meta timestamp.json >"$FLW_TMP/ts.json"
atk_resign "$FLW_TMP/ts.json" ".meta[\"snapshot.json\"] = $(meta_entry "$FLW_TMP/rb-sn.json" $((sv + 1)))" \
	"$(atk_online_pem timestamp)" >"$FLW_TMP/rb-ts2.json"
keep=$(cd "$D/state/tuf" && sha256sum snapshot.json targets.json root.json)
slots=$(atk_state cam-rb | tail -2)
dep=$(agent_deploy fw/old-targets.img cam-rb)
atk_rules mitm "[$(serve timestamp.json "$FLW_TMP/rb-ts2.json"), $(serve "$((sv + 1)).snapshot.json" "$FLW_TMP/rb-sn.json")]"
check_fails "old-targets: the agent refuses (cycle fails)" agent_once_cycle cam-rb
check "old-targets: the error names the rollback" \
	grep -q "rollback: snapshot lists 'targets.json' version $((gv - 2)) < trusted $((gv - 1))" "$D/agent.cycle"
check "old-targets: server shows failure" test "$(deploy_state "$dep" cam-rb)" = failure
check "old-targets: trusted snapshot, targets and root are byte-identical" \
	test "$(cd "$D/state/tuf" && sha256sum snapshot.json targets.json root.json)" = "$keep"
check "old-targets: boot selection and slots are byte-identical" test "$(atk_state cam-rb | tail -2)" = "$slots"
atk_rules mitm '[]'
atk_new_release after # the honest repository moves past the stolen key's timestamp
atk_honest cam-rb after
flw_done
