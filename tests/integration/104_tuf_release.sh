#!/bin/bash
# TUF repository and releases: root upload (v1, rotation rules), targets publication with each
# release check in the documented order and its own error, snapshot/timestamp signed by the
# server, exact metadata bytes served, artifact upload, target download with HTTP Range.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"
flw_start_server
A="Authorization: Bearer $FLW_ADMIN_TOKEN"

# err_is CODE ERRCODE [TEXT]: last srv_post answered CODE with error.code ERRCODE (and TEXT)
err_is() {
	[ "$SRV_CODE" = "$1" ] && jq -e --arg c "$2" '.error.code == $c' "$FLW_TMP/srv.body" >/dev/null &&
		{ [ -z "${3:-}" ] || grep -q -- "$3" "$FLW_TMP/srv.body"; } ||
		{ echo "HTTP $SRV_CODE: $(cat "$FLW_TMP/srv.body")"; return 1; }
}
post_is() { # post_is PATH FILE CODE ERRCODE [TEXT]
	srv_post "$1" "@$2" "$FLW_ADMIN_TOKEN"
	err_is "$3" "$4" "${5:-}"
}
created() { # created PATH FILE: 201
	srv_post "$1" "@$2" "$FLW_ADMIN_TOKEN"
	[ "$SRV_CODE" = 201 ] || { echo "HTTP $SRV_CODE: $(cat "$FLW_TMP/srv.body")"; return 1; }
}
same_bytes() { # same_bytes URLPATH FILE
	curl -sS -f "$FLW_URL$1" -H "$A" -o "$FLW_TMP/got" && cmp "$FLW_TMP/got" "$2"
}

for k in root targets evil root2; do srv_keygen $k || { echo "openssl cannot make ed25519 keys"; exit 77; }; done

# ---- root ----
srv_root 1 86400 root targets >"$FLW_TMP/root1.json"
check "no release before a root exists" post_is /api/v1/releases "$FLW_TMP/root1.json" 409 state "repo init"
srv_root 1 86400 root targets evil >"$FLW_TMP/root1-evil.json"
check "root v1 signed by a key it does not list is refused" post_is /api/v1/tuf/root "$FLW_TMP/root1-evil.json" 422 signature
srv_root 1 -60 root targets >"$FLW_TMP/root1-old.json"
check "an expired root is refused" post_is /api/v1/tuf/root "$FLW_TMP/root1-old.json" 422 expired
check "root v1 is accepted" created /api/v1/tuf/root "$FLW_TMP/root1.json"
check "the answer names version 1" jq -e '.version == 1' "$FLW_TMP/srv.body"
check "1.root.json is the exact uploaded bytes" same_bytes /tuf/metadata/1.root.json "$FLW_TMP/root1.json"
check "GET /api/v1/tuf/root is the same bytes" same_bytes /api/v1/tuf/root "$FLW_TMP/root1.json"
check "2.root.json does not exist" expect_status 404 GET /tuf/metadata/2.root.json
check "root v1 again is a conflict" post_is /api/v1/tuf/root "$FLW_TMP/root1.json" 409 conflict
srv_root 3 86400 root targets >"$FLW_TMP/root3.json"
check "root v3 after v1 is a conflict" post_is /api/v1/tuf/root "$FLW_TMP/root3.json" 409 conflict "must be version 2"
srv_root 2 86400 root2 targets root2 >"$FLW_TMP/root2-new-only.json"
check "root v2 not signed by v1's keys is refused" post_is /api/v1/tuf/root "$FLW_TMP/root2-new-only.json" 422 signature
srv_root 2 86400 root2 targets root >"$FLW_TMP/root2-old-only.json"
check "root v2 not signed by its own keys is refused" post_is /api/v1/tuf/root "$FLW_TMP/root2-old-only.json" 422 signature
jq '.signed.roles.snapshot.keyids = [.signed.roles.targets.keyids[0]]' "$FLW_TMP/root2-new-only.json" | jq '.signed' >"$FLW_TMP/r2bad.signed"
srv_sign_env "$FLW_TMP/r2bad.signed" root root2 >"$FLW_TMP/root2-nokey.json"
check "a root without the server's snapshot key is refused" post_is /api/v1/tuf/root "$FLW_TMP/root2-nokey.json" 422 incompatible "online key"
srv_root 2 86400 root2 targets root root2 >"$FLW_TMP/root2.json"
check "root v2 signed by old and new keys is accepted" created /api/v1/tuf/root "$FLW_TMP/root2.json"
check "2.root.json is served" same_bytes /tuf/metadata/2.root.json "$FLW_TMP/root2.json"

# ---- empty targets v1 ----
srv_targets 1 86400 '{}' targets >"$FLW_TMP/t1.json"
check "empty targets v1 is published" created /api/v1/releases "$FLW_TMP/t1.json"
check "the answer names version 1, nothing added" jq -e '.targets_version == 1 and .added == []' "$FLW_TMP/srv.body"
check "1.targets.json is the exact bytes" same_bytes /tuf/metadata/1.targets.json "$FLW_TMP/t1.json"
ts_pins_snapshot() { # timestamp pins the newest snapshot, which lists targets VERSION
	local v=$1
	curl -sS -f "$FLW_URL/tuf/metadata/timestamp.json" -o "$FLW_TMP/ts.json" &&
		local sv && sv=$(jq -e '.signed.meta["snapshot.json"].version' "$FLW_TMP/ts.json") &&
		curl -sS -f "$FLW_URL/tuf/metadata/$sv.snapshot.json" -o "$FLW_TMP/snap.json" &&
		[ "$(jq -r '.signed.meta["snapshot.json"].hashes.sha256' "$FLW_TMP/ts.json")" = "$(sha256sum <"$FLW_TMP/snap.json" | cut -d' ' -f1)" ] &&
		[ "$(jq -r '.signed.meta["snapshot.json"].length' "$FLW_TMP/ts.json")" = "$(stat -c %s "$FLW_TMP/snap.json")" ] &&
		jq -e --argjson v "$v" '.signed.meta["targets.json"].version == $v and .signed._type == "snapshot"' "$FLW_TMP/snap.json" &&
		jq -e --arg k "$(jq -cS .timestamp "$FLW_TMP/online-keys.json" | tr -d '\n' | sha256sum | cut -d' ' -f1)" \
			'.signatures[0].keyid == $k and (.signed.expires | fromdateiso8601) > now' "$FLW_TMP/ts.json"
}
check "timestamp -> snapshot -> targets v1, signed with the online key" ts_pins_snapshot 1

# ---- artifact upload ----
IMG=$FLW_TMP/cam-1.1.img
head -c 300000 /dev/urandom >"$IMG"
SHA=$(sha256sum <"$IMG" | cut -d' ' -f1)
LEN=$(stat -c %s "$IMG")
upload() {
	curl -sS -f -X PUT -H "$A" -H 'Content-Type: application/octet-stream' --data-binary "@$IMG" \
		"$FLW_URL/api/v1/artifacts" -o "$FLW_TMP/up.json" -w '%{http_code}' | grep -qx 201 &&
		jq -e --arg s "$SHA" --argjson l "$LEN" '.sha256 == $s and .length == $l' "$FLW_TMP/up.json"
}
check "an artifact upload answers 201 with sha256 and length" upload
check "the artifact is stored under its digest" cmp "$IMG" "$FLW_DATA/artifacts/$SHA"
no_temp_left() { [ -z "$(find "$FLW_DATA/artifacts" -name '.upload.*')" ]; }
check "no temporary upload file is left" no_temp_left
check "uploading the same bytes again is fine" upload
check "an empty upload is refused" expect_status 400 PUT /api/v1/artifacts "" -H "$A"

# ---- release checks, in the documented order ----
T_OK=$(srv_target_obj "$LEN" "$SHA" 1.1.0 cam-v2 3)
printf '{"signed": {' >"$FLW_TMP/bad.json"
check "1. unparsable envelope: format" post_is /api/v1/releases "$FLW_TMP/bad.json" 400 format
echo '{"signed":{},"signatures":{}}' >"$FLW_TMP/bad2.json"
check "1. not an envelope: format" post_is /api/v1/releases "$FLW_TMP/bad2.json" 400 format
srv_targets 2 86400 "{\"fw/cam-1.1.img\":$T_OK}" evil >"$FLW_TMP/t2-evil.json"
check "2. signed by an unknown key: signature, naming the key" post_is /api/v1/releases "$FLW_TMP/t2-evil.json" 422 signature "$(cut -c1-16 "$FLW_TMP/k/evil.keyid")"
srv_targets 3 86400 "{\"fw/cam-1.1.img\":$T_OK}" targets >"$FLW_TMP/t3.json"
check "3. version not current+1: conflict" post_is /api/v1/releases "$FLW_TMP/t3.json" 409 conflict "next must be 2"
srv_targets 1 86400 "{\"fw/cam-1.1.img\":$T_OK}" targets >"$FLW_TMP/t1-again.json"
check "3. version already taken: conflict" post_is /api/v1/releases "$FLW_TMP/t1-again.json" 409 conflict
srv_targets 2 -10 "{\"fw/cam-1.1.img\":$T_OK}" targets >"$FLW_TMP/t2-expired.json"
check "4. expired: expired" post_is /api/v1/releases "$FLW_TMP/t2-expired.json" 422 expired
T_BADHASH=$(srv_target_obj "$LEN" "$(echo x | sha256sum | cut -d' ' -f1)" 1.1.0 cam-v2 3)
srv_targets 2 86400 "{\"fw/cam-1.1.img\":$T_BADHASH}" targets >"$FLW_TMP/t2-hash.json"
check "5. no artifact with that sha256: hash, naming the target" post_is /api/v1/releases "$FLW_TMP/t2-hash.json" 422 hash "fw/cam-1.1.img"
T_BADLEN=$(srv_target_obj "$((LEN + 1))" "$SHA" 1.1.0 cam-v2 3)
srv_targets 2 86400 "{\"fw/cam-1.1.img\":$T_BADLEN}" targets >"$FLW_TMP/t2-len.json"
check "5. wrong length: hash" post_is /api/v1/releases "$FLW_TMP/t2-len.json" 422 hash "fw/cam-1.1.img"
T_NOHW=$(jq -c '.custom.hardware_ids = []' <<<"$T_OK")
srv_targets 2 86400 "{\"fw/cam-1.1.img\":$T_NOHW}" targets >"$FLW_TMP/t2-nohw.json"
check "6. no hardware ids: refused" post_is /api/v1/releases "$FLW_TMP/t2-nohw.json" 400 format "hardware_ids"
srv_targets 2 86400 "{\"fw/cam-1.1.img\":$T_OK}" targets >"$FLW_TMP/t2.json"
check "a valid release is published" created /api/v1/releases "$FLW_TMP/t2.json"
check "the answer names version 2 and the added target" jq -e '.targets_version == 2 and .added == ["fw/cam-1.1.img"]' "$FLW_TMP/srv.body"
check "timestamp -> snapshot -> targets v2" ts_pins_snapshot 2
check "2.targets.json is the exact bytes" same_bytes /tuf/metadata/2.targets.json "$FLW_TMP/t2.json"
check "GET /api/v1/tuf/targets is the newest" same_bytes /api/v1/tuf/targets "$FLW_TMP/t2.json"
release_listed() {
	flw_api GET /api/v1/releases | jq -e --arg s "$SHA" '.items | length == 1 and .[0].name == "fw/cam-1.1.img" and .[0].sha256 == $s and .[0].security_version == 3 and .[0].hardware_ids == ["cam-v2"] and .[0].targets_version == 2'
}
check "the release is listed" release_listed
release_show() { flw_api GET /api/v1/releases/fw/cam-1.1.img | jq -e '.version == "1.1.0"'; }
check "the release is shown by its (path) name" release_show
release_show_enc() { flw_api GET /api/v1/releases/fw%2Fcam-1.1.img | jq -e '.version == "1.1.0"'; }
check "the release is shown by its URL-encoded name" release_show_enc
srv_targets 3 86400 "{\"fw/cam-1.1.img\":$T_OK}" targets >"$FLW_TMP/t3-same.json"
check "an unchanged target needs no new upload" created /api/v1/releases "$FLW_TMP/t3-same.json"
check "and is not listed as added" jq -e '.added == []' "$FLW_TMP/srv.body"

# ---- target download with HTTP Range ----
TP="/tuf/targets/fw/$SHA.cam-1.1.img"
check "the target downloads whole" same_bytes "$TP" "$IMG"
range() { # range SPEC WANT_CODE WANT_CONTENT_RANGE OFFSET COUNT
	local code
	code=$(curl -sS -D "$FLW_TMP/h" -o "$FLW_TMP/part" -w '%{http_code}' -H "Range: $1" "$FLW_URL$TP")
	[ "$code" = "$2" ] || { echo "HTTP $code for $1"; return 1; }
	grep -qi "^content-range: $3"$'\r' "$FLW_TMP/h" || { echo "no Content-Range $3"; cat "$FLW_TMP/h"; return 1; }
	[ "$2" = 416 ] && { jq -e '.error.code == "limit"' "$FLW_TMP/part"; return; }
	tail -c +"$(($4 + 1))" "$IMG" | head -c "$5" | cmp - "$FLW_TMP/part"
}
check "Range bytes=0-99 gives 206 and the first 100 bytes" range "bytes=0-99" 206 "bytes 0-99/$LEN" 0 100
check "Range bytes=1000- gives the rest (resume)" range "bytes=1000-" 206 "bytes 1000-$((LEN - 1))/$LEN" 1000 $((LEN - 1000))
check "Range bytes=-50 gives the last 50 bytes" range "bytes=-50" 206 "bytes $((LEN - 50))-$((LEN - 1))/$LEN" $((LEN - 50)) 50
check "Range past the end is clipped" range "bytes=$((LEN - 10))-$((LEN + 100))" 206 "bytes $((LEN - 10))-$((LEN - 1))/$LEN" $((LEN - 10)) 10
check "Range starting at the end gives 416" range "bytes=$LEN-" 416 "bytes \*/$LEN" 0 0
accept_ranges() { curl -sS -I "$FLW_URL$TP" | grep -qi '^accept-ranges: bytes'; }
check "Accept-Ranges: bytes is announced" accept_ranges
check "a wrong digest is 404" expect_status 404 GET "/tuf/targets/fw/$(echo y | sha256sum | cut -d' ' -f1).cam-1.1.img"
check "a name without digest is 404" expect_status 404 GET /tuf/targets/fw/cam-1.1.img
check "path traversal is 404" expect_status 404 GET "/tuf/targets/../artifacts/$SHA" "" --path-as-is
check "a dot component is 404" expect_status 404 GET "/tuf/targets/fw/./$SHA.cam-1.1.img" "" --path-as-is
check "an unpublished artifact is not served" expect_status 404 GET "/tuf/targets/$SHA.other.img"
check "unknown metadata names are 404" expect_status 404 GET /tuf/metadata/root.json
check "metadata version 0 is 404" expect_status 404 GET /tuf/metadata/0.root.json
check "traversal in metadata names is 404" expect_status 404 GET /tuf/metadata/..%2Fkeys%2Ftoken.key

# ---- audit ----
audit_rows() {
	flw_api GET '/api/v1/audit?limit=1000' >"$FLW_TMP/audit.json" &&
		jq -e '[.items[] | select(.action == "release.publish" and .result == 0)] | length == 3' "$FLW_TMP/audit.json" &&
		jq -e '[.items[] | select(.action == "release.publish" and .result != 0)] | length >= 8' "$FLW_TMP/audit.json" &&
		jq -e '[.items[] | select(.action == "artifact.upload" and .result == 0)] | length == 1' "$FLW_TMP/audit.json" &&
		jq -e '[.items[] | select(.action == "artifact.upload" and .result != 0)] | length == 1' "$FLW_TMP/audit.json" &&
		jq -e '[.items[] | select(.action == "tuf.root" and .result == 0)] | length == 2' "$FLW_TMP/audit.json"
}
# (re-uploading known bytes changes nothing, so the store records no second row)
check "audit rows for uploads, releases (allowed and refused) and roots" audit_rows
check "the server is still healthy" expect_status 200 GET /healthz

flw_done
