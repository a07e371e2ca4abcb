#!/bin/bash
# 402_attack_endless_data.sh - TUF "endless data" (SECURITY-TESTS.md 2.1, SEC-05) against the
# real agent: a man in the middle pads each response past its limit - the next root past
# 512 KiB, timestamp.json past 16 KiB, snapshot and targets past the length their parent
# lists, and the target past its signed length. The agent stops reading at the limit, refuses
# naming the attack, keeps nothing (staging empty, slots and trusted metadata byte-identical),
# and the next honest update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

atk_setup cam-ed
WHAT='endless data'

# the next root (normally a 404) as 600 kB
rv=$(($(jq .signed.version "$ROOT_JSON") + 1))
head -c 600000 /dev/zero | tr '\0' ' ' >"$FLW_TMP/huge-root.json"
atk_new_release big-root
atk_attack cam-ed big-root \
	"[{\"path\": \"^/tuf/metadata/$rv.root.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/huge-root.json\"}]" "$WHAT"

atk_new_release big-timestamp
atk_attack cam-ed big-timestamp \
	'[{"path": "^/tuf/metadata/timestamp.json$", "action": "append", "bytes": 20000}]' "$WHAT"

atk_new_release big-snapshot
atk_attack cam-ed big-snapshot \
	'[{"path": "^/tuf/metadata/[0-9]+.snapshot.json$", "action": "append", "bytes": 3000}]' "$WHAT" progress

atk_new_release big-targets
atk_attack cam-ed big-targets \
	'[{"path": "^/tuf/metadata/[0-9]+.targets.json$", "action": "append", "bytes": 3000}]' "$WHAT" progress

# the target: 1 MB more than signed (honest Content-Length of the padded answer)
atk_new_release big-target
atk_attack cam-ed big-target \
	'[{"path": "^/tuf/targets/", "action": "append", "bytes": 1000000}]' "$WHAT" target
flw_done
