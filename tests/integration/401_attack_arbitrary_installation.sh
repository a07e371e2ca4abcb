#!/bin/bash
# 401_attack_arbitrary_installation.sh - TUF "arbitrary installation" (SECURITY-TESTS.md 2.1,
# SEC-02) against the real agent and a real fleetwardd. A man in the middle (lib_attack.sh's
# proxy) (1) replaces the bytes of the directed target with other bytes of the same length,
# (2) serves a timestamp signed by a key the root does not list, (3) rewrites the check-in's
# update to the sha256 and length of its own image and serves that image. Each time the agent
# refuses naming the attack, writes nothing to a slot, keeps its trusted metadata
# byte-identical, and the next honest update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
ATK_UNNAMED="director-hash"

atk_setup cam-ai
WHAT='arbitrary (software|installation)'

# 1. the target's bytes replaced (one bit flipped in the middle: same length, other content)
atk_new_release target-bytes
atk_attack cam-ai target-bytes '[{"path": "^/tuf/targets/", "action": "flip"}]' "$WHAT" target

# 2. a newer timestamp signed by the attacker's own key
"$FLW_CLI" keygen -o "$FLW_TMP/evil.key" >/dev/null 2>&1 && atk_key_pem "$FLW_TMP/evil.key" "$FLW_TMP/evil.pem"
atk_new_release foreign-timestamp
atk_meta timestamp.json >"$FLW_TMP/ts.json"
atk_resign "$FLW_TMP/ts.json" '.version += 1' "$FLW_TMP/evil.pem" >"$FLW_TMP/evil-ts.json"
atk_attack cam-ai foreign-timestamp \
	"[{\"path\": \"^/tuf/metadata/timestamp.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/evil-ts.json\"}]" "$WHAT"

# 3. the check-in directs the attacker's image (its sha256 and length) under the signed name
atk_new_release director-hash
agent_image "$FLW_TMP/evil.img" 200000
atk_attack cam-ai director-hash "[
	{\"path\": \"^/device/v1/checkin\$\", \"action\": \"patch_json\", \"patch\": {\"update\": {
		\"sha256\": \"$(sha256sum <"$FLW_TMP/evil.img" | cut -d' ' -f1)\", \"length\": 200000}}},
	{\"path\": \"^/tuf/targets/\", \"action\": \"file\", \"file\": \"$FLW_TMP/evil.img\"}]" "$WHAT" target
flw_done
