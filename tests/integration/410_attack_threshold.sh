#!/bin/bash
# 410_attack_threshold.sh - TUF key compromise below the threshold (SECURITY-TESTS.md 2.1,
# SEC-02, SEC-03) against the real agent. The root needs 2 of the keys root1, root2; the
# attacker holds root1 and serves a root v2 that hands the timestamp role to its own key,
# (1) signed by root1 only (too few valid signatures), (2) signed by root1 twice (the same key
# counted twice), (3) signed by root1 and by root1 again under root2's keyid; and (4) a root v2
# signed by both root keys that sets the timestamp threshold to 0, with an unsigned timestamp.
# The agent refuses each naming the attack, stays at root v1 with byte-identical trust and
# slots, and installs the next honest update.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
ATK_UNNAMED=""
D=$FLW_TMP/cam-th

atk_setup cam-th
WHAT='threshold'
atk_key_pem "$FLW_TMP/root1.key" "$FLW_TMP/root1.pem" && atk_key_pem "$FLW_TMP/root2.key" "$FLW_TMP/root2.pem"
"$FLW_CLI" keygen -o "$FLW_TMP/evil.key" >/dev/null 2>&1 && atk_key_pem "$FLW_TMP/evil.key" "$FLW_TMP/evil.pem"
old=$(jq -r '.signed.roles.timestamp.keyids[0]' "$ROOT_JSON")
evil=$(atk_keyid "$FLW_TMP/evil.pem")
take_ts=".version = 2 | .keys |= (del(.[\"$old\"]) + {\"$evil\": $(jq -cS . "$FLW_TMP/evil.key.pub")})
	| .roles.timestamp.keyids = [\"$evil\"]"
serve_root() { printf '[{"path": "^/tuf/metadata/2.root.json$", "action": "file", "file": "%s"}]' "$1"; }

atk_new_release too-few
atk_resign "$ROOT_JSON" "$take_ts" "$FLW_TMP/root1.pem" >"$FLW_TMP/r-one.json"
atk_attack cam-th too-few "$(serve_root "$FLW_TMP/r-one.json")" "$WHAT"

atk_new_release same-key-twice
atk_resign "$ROOT_JSON" "$take_ts" "$FLW_TMP/root1.pem" "$FLW_TMP/root1.pem" >"$FLW_TMP/r-twice.json"
check "same-key-twice: the root carries two signatures with one keyid" \
	jq -e '[.signatures[].keyid] | length == 2 and (unique | length) == 1' "$FLW_TMP/r-twice.json"
atk_attack cam-th same-key-twice "$(serve_root "$FLW_TMP/r-twice.json")" "$WHAT"

atk_new_release other-keyid
r2id=$(atk_keyid "$FLW_TMP/root2.pem")
jq -c --arg id "$r2id" '.signatures += [.signatures[0] | .keyid = $id]' "$FLW_TMP/r-one.json" >"$FLW_TMP/r-relabel.json"
atk_attack cam-th other-keyid "$(serve_root "$FLW_TMP/r-relabel.json")" "$WHAT"

atk_new_release threshold-zero
atk_resign "$ROOT_JSON" "$take_ts | .roles.timestamp.threshold = 0" "$FLW_TMP/root1.pem" "$FLW_TMP/root2.pem" >"$FLW_TMP/r-zero.json"
atk_meta timestamp.json | jq -c '.signatures = []' >"$FLW_TMP/ts-unsigned.json"
atk_attack cam-th threshold-zero "[
	{\"path\": \"^/tuf/metadata/2.root.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/r-zero.json\"},
	{\"path\": \"^/tuf/metadata/timestamp.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/ts-unsigned.json\"}]" "$WHAT"
check "the device still trusts root v1" cmp "$ROOT_JSON" "$D/state/tuf/root.json"
flw_done
