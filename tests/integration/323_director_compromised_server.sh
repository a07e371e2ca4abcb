#!/bin/bash
# 323_director_compromised_server.sh - Uptane: a compromised online key (the server, its
# database edited while stopped, signs whatever it likes with its director key) can at most
# direct a device to a properly signed, non-revoked image. (a) It directs an image that is NOT
# in the offline-signed targets (artifact uploaded, release row inserted by SQL): refused as
# "arbitrary installation". (b) It directs a properly signed OLDER image whose security version
# is below the device's anti-rollback floor, and lies about that security version in its
# database (so in its director document): refused as "rollback", judged by the image
# repository's security version. Both are refused before any slot byte is written; trusted
# state stays byte-identical; the next legitimate update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_director.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

# release IMG NAME VERSION SECURITY_VERSION
release() {
	local meta=$FLW_TMP/rel.$RANDOM.json
	"$FLW_CLI" release create "$1" --name "$2" --version "$3" --hardware "$AGENT_HWID" \
		--security-version "$4" --key "$FLW_TMP/targets.key" -o "$meta" >>"$FLW_TMP/cli.log" 2>&1 &&
		"$FLW_CLI" release upload --metadata "$meta" "$1" >>"$FLW_TMP/cli.log" 2>&1
}

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-23 "download_retries = 1"
D=$FLW_TMP/cam-23
check "agent enrolls" agent_once cam-23
agent_image "$FLW_TMP/old.img" 200000
agent_image "$FLW_TMP/new.img" 150000
check "release old (security version 1)" release "$FLW_TMP/old.img" fw/cam-23-old.img 1.0.0 1
check "release new (security version 3)" release "$FLW_TMP/new.img" fw/cam-23-new.img 3.0.0 3
dep=$(agent_deploy fw/cam-23-new.img cam-23)
check "the new release installs" agent_once cam-23
check "deployment succeeds" test "$(deploy_state "$dep" cam-23)" = success
check "the device's anti-rollback floor is 3" jq -e '.security_floor == 3' "$D/state/state.json"

# (a) an image nobody signed offline
agent_image "$FLW_TMP/evil.img" 180000
esha=$(sha256sum <"$FLW_TMP/evil.img" | cut -d' ' -f1)
check "(a) the attacker uploads the artifact" \
	curl -sS -f -X PUT -H "Authorization: Bearer $FLW_ADMIN_TOKEN" --data-binary "@$FLW_TMP/evil.img" "$FLW_URL/api/v1/artifacts"
flw_stop_server
sqlite3 "$FLW_DATA/fleetward.db" \
	"INSERT INTO releases (name, version, length, sha256, security_version, targets_version, created)
	   VALUES ('fw/evil.img', '9.9.9', 180000, x'$esha', 99, 1, strftime('%s','now'));
	 INSERT INTO release_hwids (release_id, idx, hwid)
	   SELECT id, 0, '$AGENT_HWID' FROM releases WHERE name = 'fw/evil.img';"
flw_start_server
agent_conf cam-23 "download_retries = 1"
dep=$(agent_deploy fw/evil.img cam-23)
check "(a) the compromised server deploys it" test -n "$dep"
dir_refresh cam-23
before=$(dir_state cam-23)
check "(a) its director document names fw/evil.img, signed with the server's director key" \
	bash -c "curl -sS -f -X POST -H \"Authorization: Bearer \$(jq -r .token '$D/state/token')\" --data-binary '{}' '$FLW_URL/device/v1/checkin' | jq -e '.update.director | fromjson | .signed.targets | has(\"fw/evil.img\")'"
check_fails "(a) the agent refuses (cycle fails)" agent_once cam-23
check "(a) the error names the arbitrary installation" \
	bash -c "tail -n 5 '$D/agent.log' | grep -q \"arbitrary installation: 'fw/evil.img' is directed but not in the offline-signed image targets\""
check "(a) the server's report names it" \
	bash -c "'$FLW_CLI' --json deployment show $dep | jq -e '.devices[0].detail | test(\"arbitrary installation\")'"
check "(a) deployment failed" test "$(deploy_state "$dep" cam-23)" = failure
check "(a) refused before any download or slot write" \
	bash -c "! tail -n 5 '$D/agent.log' | grep -Eq 'writing slot|downloaded:|resuming download'"
check "(a) staging holds nothing" test -z "$(ls "$D/state/staging")"
check "(a) trusted metadata, director document, boot selection and slots are byte-identical" \
	test "$(dir_state cam-23)" = "$before"

# (b) a properly signed older image; the server claims security version 7 for it
flw_stop_server
sqlite3 "$FLW_DATA/fleetward.db" "UPDATE releases SET security_version = 7 WHERE name = 'fw/cam-23-old.img'"
flw_start_server
agent_conf cam-23 "download_retries = 1"
dep=$(agent_deploy fw/cam-23-old.img cam-23)
dir_refresh cam-23
before=$(dir_state cam-23)
check "(b) the director document claims security version 7" \
	bash -c "curl -sS -f -X POST -H \"Authorization: Bearer \$(jq -r .token '$D/state/token')\" --data-binary '{}' '$FLW_URL/device/v1/checkin' | jq -e '.update.director | fromjson | .signed.targets[\"fw/cam-23-old.img\"].custom.security_version == 7'"
check_fails "(b) the agent refuses (cycle fails)" agent_once cam-23
check "(b) the error names the rollback with the SIGNED security version" \
	bash -c "tail -n 5 '$D/agent.log' | grep -q \"rollback: security version 1 below the device's floor 3\""
check "(b) deployment failed" test "$(deploy_state "$dep" cam-23)" = failure
check "(b) refused before any download or slot write" \
	bash -c "! tail -n 5 '$D/agent.log' | grep -Eq 'writing slot|downloaded:'"
check "(b) trusted metadata, director document, boot selection and slots are byte-identical" \
	test "$(dir_state cam-23)" = "$before"
check "(b) the floor is still 3" jq -e '.security_floor == 3' "$D/state/state.json"

agent_image "$FLW_TMP/next.img" 120000
check "release next (security version 3)" release "$FLW_TMP/next.img" fw/cam-23-next.img 3.1.0 3
dep=$(agent_deploy fw/cam-23-next.img cam-23)
check "the next legitimate update installs" agent_once cam-23
check "deployment succeeds" test "$(deploy_state "$dep" cam-23)" = success
check "it is in slot A" cmp -s "$D/slot_a" "$FLW_TMP/next.img"
flw_done
