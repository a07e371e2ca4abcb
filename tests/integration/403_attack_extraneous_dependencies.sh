#!/bin/bash
# 403_attack_extraneous_dependencies.sh - TUF "extraneous dependencies" (SECURITY-TESTS.md 2.1,
# SEC-02) against the real agent: the device is made to install something nobody directed or
# signed for it. A man in the middle (1) rewrites the check-in to direct "fw/debug-shell.img",
# a file the signed targets do not list, and serves its bytes; (2) serves targets metadata with
# that target added (the original signatures kept); (3) directs a target that IS signed for
# this hardware but was never deployed to the device (only a signed director instruction can
# stop this: issue 3 item 2). (1) and (2) are refused naming the attack with the device's trust
# and slots unchanged, and the next honest update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
ATK_UNNAMED="added-target"

atk_setup cam-xd
WHAT='extraneous'
agent_image "$FLW_TMP/shell.img" 200000
ssha=$(sha256sum <"$FLW_TMP/shell.img" | cut -d' ' -f1)

# 1. a man in the middle redirects the check-in to a target the signed metadata does not list
#    and serves its bytes. The redirect is only in the check-in's unsigned (advisory) fields: the
#    agent follows the director's signed document, so what it refuses are the swapped bytes of
#    the directed target - an arbitrary installation.
atk_new_release unlisted-target
head -c "$(stat -c %s "$FLW_TMP/unlisted-target.img")" /dev/urandom >"$FLW_TMP/shell-same-size.img"
atk_attack cam-xd unlisted-target "[
	{\"path\": \"^/device/v1/checkin\$\", \"action\": \"patch_json\", \"patch\": {\"update\": {
		\"target\": \"fw/debug-shell.img\", \"sha256\": \"$ssha\", \"length\": 200000,
		\"url\": \"/tuf/targets/fw/$ssha.debug-shell.img\"}}},
	{\"path\": \"^/tuf/targets/\", \"action\": \"file\", \"file\": \"$FLW_TMP/shell-same-size.img\"}]" \
	'arbitrary installation' target

# 2. the same target slipped into the targets metadata (signatures kept)
atk_new_release added-target
tv=$(atk_meta timestamp.json | jq -r '.signed.meta["snapshot.json"].version')
gv=$(atk_meta "$tv.snapshot.json" | jq -r '.signed.meta["targets.json"].version')
atk_meta "$gv.targets.json" | jq -cS --arg h "$ssha" \
	'.signed.targets["fw/debug-shell.img"] = {length: 200000, hashes: {sha256: $h},
	  custom: {version: "6.6.6", hardware_ids: ["cam-v2"], security_version: 99}}' |
	tr -d '\n' >"$FLW_TMP/added-targets.json"
atk_attack cam-xd added-target "[
	{\"path\": \"^/tuf/metadata/$gv.targets.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/added-targets.json\"},
	{\"path\": \"^/device/v1/checkin\$\", \"action\": \"patch_json\", \"patch\": {\"update\": {
		\"target\": \"fw/debug-shell.img\", \"sha256\": \"$ssha\", \"length\": 200000}}},
	{\"path\": \"^/tuf/targets/\", \"action\": \"file\", \"file\": \"$FLW_TMP/shell.img\"}]" "$WHAT" progress

# 3. a signed target for this hardware that was never deployed to this device: a man in the
#    middle rewrites the check-in's advisory fields to it. The agent installs only what the
#    director's signed document names (the deployed release), never the rewritten target.
atk_new_release tool-image
atk_new_release undirected
dep=$(agent_deploy fw/undirected.img cam-xd)
tsha=$(sha256sum <"$FLW_TMP/tool-image.img" | cut -d' ' -f1)
atk_rules mitm "[{\"path\": \"^/device/v1/checkin\$\", \"action\": \"patch_json\", \"patch\": {\"update\": {
	\"target\": \"fw/tool-image.img\", \"version\": \"1.0.3\", \"sha256\": \"$tsha\", \"length\": 300000}}}]"
agent_once_cycle cam-xd
check "undirected: the directed release installed" test "$(deploy_state "$dep" cam-xd)" = success
check_fails "undirected: the undirected target is in no slot" \
	bash -c "cmp -s '$FLW_TMP/tool-image.img' '$FLW_TMP/cam-xd/slot_a' || cmp -s '$FLW_TMP/tool-image.img' '$FLW_TMP/cam-xd/slot_b'"
check "undirected: the directed image is in a slot" \
	bash -c "cmp -s '$FLW_TMP/undirected.img' '$FLW_TMP/cam-xd/slot_a' || cmp -s '$FLW_TMP/undirected.img' '$FLW_TMP/cam-xd/slot_b'"
atk_rules mitm '[]'
flw_done
