#!/bin/bash
# 322_director_partial_bundle.sh - Uptane "partial bundle": a compromised server (its database
# edited while stopped, its director key stolen) directs a device with a director document that
# lists two targets, both validly signed images for this hardware. Devices here install exactly
# one target per instruction, so the agent refuses, naming the partial bundle; a document where
# only one of two targets verifies is refused the same way. Trusted state stays byte-identical
# and the next legitimate update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_director.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-22 "download_retries = 1"
D=$FLW_TMP/cam-22
check "agent enrolls" agent_once cam-22
agent_image "$FLW_TMP/a.img" 200000
agent_image "$FLW_TMP/b.img" 150000
check "release A" agent_release "$FLW_TMP/a.img" fw/cam-22-a.img 1.0.0
check "release B" agent_release "$FLW_TMP/b.img" fw/cam-22-b.img 1.1.0
dep=$(agent_deploy fw/cam-22-a.img cam-22)
check "the first update installs" agent_once cam-22
check "deployment succeeds" test "$(deploy_state "$dep" cam-22)" = success
tv=$(jq .signed.version "$D/state/director.json")

# attack: stop, craft, store in the database, start
attack() { # LABEL DOC_FILE: deploy A, the server answers with DOC_FILE for it
	local label=$1 doc=$2 dep before
	dep=$(agent_deploy fw/cam-22-a.img cam-22)
	flw_stop_server
	dir_store_director "$dep" cam-22 "$doc" "$(jq .signed.version "$doc")"
	flw_start_server
	agent_conf cam-22 "download_retries = 1"
	dir_refresh cam-22
	before=$(dir_state cam-22)
	check "$label: the server serves the crafted document" \
		bash -c "curl -sS -f -X POST -H \"Authorization: Bearer \$(jq -r .token '$D/state/token')\" --data-binary '{}' '$FLW_URL/device/v1/checkin' | jq -e '.update.director | fromjson | .signed.targets | length == 2'"
	check_fails "$label: the agent refuses (cycle fails)" agent_once cam-22
	check "$label: the error names the partial bundle" bash -c "tail -n 5 '$D/agent.log' | grep -q 'partial bundle: $3'"
	check "$label: the server's report names it" bash -c "'$FLW_CLI' --json deployment show $dep | jq -e '.devices[0].detail | test(\"partial bundle\")'"
	check "$label: deployment failed" test "$(deploy_state "$dep" cam-22)" = failure
	check "$label: trusted metadata, director document, boot selection and slots are byte-identical" \
		test "$(dir_state cam-22)" = "$before"
}

dir_craft "$FLW_TMP/two.json" $((tv + 1)) cam-22 999 fw/cam-22-a.img fw/cam-22-b.img
check "crafted: two targets, signed with the stolen director key" jq -e '(.signed.targets | length) == 2 and (.signatures | length) == 1' "$FLW_TMP/two.json"
attack "two-targets" "$FLW_TMP/two.json" "2 targets directed, devices here install one"

jq -c '.signed.targets["fw/cam-22-b.img"].hashes.sha256 = ("0" * 64)' "$FLW_TMP/two.json" >"$FLW_TMP/one-bad.json"
jq -c '.signed.version += 1 | .signatures = []' "$FLW_TMP/one-bad.json" >"$FLW_TMP/one-bad2.json"
"$FLW_CLI" repo sign "$FLW_TMP/one-bad2.json" --key "$FLW_DATA/keys/director.key" >>"$FLW_TMP/cli.log" 2>&1
attack "one-of-two" "$FLW_TMP/one-bad2.json" "only 1 of 2 directed targets verify"

dep=$(agent_deploy fw/cam-22-b.img cam-22)
check "the next legitimate update installs" agent_once cam-22
check "deployment succeeds" test "$(deploy_state "$dep" cam-22)" = success
check "image B is in slot A" cmp -s "$D/slot_a" "$FLW_TMP/b.img"
flw_done
