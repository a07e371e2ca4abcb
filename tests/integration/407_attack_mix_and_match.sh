#!/bin/bash
# 407_attack_mix_and_match.sh - TUF "mix-and-match" (SECURITY-TESTS.md 2.1, SEC-02) against the
# real agent: a man in the middle combines validly signed metadata that never existed together.
# (1) The current timestamp with the snapshot of an earlier version (served under the current
# name); (2) the current snapshot with the targets metadata of an earlier version. The timestamp
# pins the snapshot's length and hash, the snapshot the targets', so the agent refuses naming
# the attack; it keeps only honest metadata (steps before the attacked one advance to the
# repository's current files, as TUF persists each verified step), slots are byte-identical,
# and the next honest update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

atk_setup cam-mx
WHAT='mix-and-match'
cur_snapshot() { atk_meta timestamp.json | jq -r '.signed.meta["snapshot.json"].version'; }
cur_targets() { atk_meta "$(cur_snapshot).snapshot.json" | jq -r '.signed.meta["targets.json"].version'; }

atk_new_release old-snapshot
sv=$(cur_snapshot)
atk_meta "$((sv - 1)).snapshot.json" >"$FLW_TMP/prev-snapshot.json"
atk_attack cam-mx old-snapshot \
	"[{\"path\": \"^/tuf/metadata/$sv.snapshot.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/prev-snapshot.json\"}]" \
	"$WHAT" progress

atk_new_release old-targets
gv=$(cur_targets)
atk_meta "$((gv - 1)).targets.json" >"$FLW_TMP/prev-targets.json"
atk_attack cam-mx old-targets \
	"[{\"path\": \"^/tuf/metadata/$gv.targets.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/prev-targets.json\"}]" \
	"$WHAT" progress
flw_done
