#!/bin/bash
# 411_attack_wrong_software.sh - TUF/Uptane "wrong software" (SECURITY-TESTS.md 2.1, SEC-02)
# against the real agent: software that is validly signed but not for this device or not the
# file directed. (1) A release signed for hardware id cam-v9 is directed to this cam-v2 device
# (the server refuses such a deployment; a man in the middle rewriting the check-in's
# unsigned fields is ignored, since the agent follows the director's signed document);
# (2) the bytes of another signed release (same length) are served for the directed target.
# The agent refuses each naming the attack, writes nothing to a slot, keeps its trust
# byte-identical, and installs the next honest update.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
ATK_UNNAMED="other-bytes"

atk_setup cam-ws
WHAT='wrong software'

# 1. signed for other hardware: the server refuses such a deployment, and a man in the middle
#    who rewrites the check-in's advisory fields to it is ignored: the agent installs what the
#    director's signed document names (which the server only signs for a compatible device).
atk_new_release hw9 cam-v9
check_fails "the server refuses to deploy a cam-v9 release to a cam-v2 device" \
	"$FLW_CLI" deploy fw/hw9.img --device cam-ws
atk_new_release other-hardware
osha=$(sha256sum <"$FLW_TMP/hw9.img" | cut -d' ' -f1)
dep=$(agent_deploy fw/other-hardware.img cam-ws)
atk_rules mitm "[{\"path\": \"^/device/v1/checkin\$\", \"action\": \"patch_json\", \"patch\": {\"update\": {
	\"target\": \"fw/hw9.img\", \"sha256\": \"$osha\", \"length\": 300000, \"url\": \"/tuf/targets/fw/$osha.hw9.img\"}}}]"
agent_once_cycle cam-ws
check "other-hardware: the directed compatible release installed" \
	test "$(deploy_state "$dep" cam-ws)" = success
check_fails "other-hardware: the cam-v9 image is in no slot" \
	bash -c "cmp -s '$FLW_TMP/hw9.img' '$FLW_TMP/cam-ws/slot_a' || cmp -s '$FLW_TMP/hw9.img' '$FLW_TMP/cam-ws/slot_b'"
atk_rules mitm '[]'

# 2. another signed release's bytes for the directed target
atk_new_release other-bytes
atk_attack cam-ws other-bytes "[{\"path\": \"^/tuf/targets/\", \"action\": \"file\", \"file\": \"$FLW_TMP/other-hardware.img\"}]" \
	"$WHAT" target
flw_done
