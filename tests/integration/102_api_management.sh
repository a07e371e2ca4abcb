#!/bin/bash
# Management API: happy paths of groups, enrollment tokens, API tokens, listings; the role
# matrix (viewer reads, operator cannot manage tokens, admin can); audit rows for allowed and
# refused changes; revocation takes effect at once.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
flw_start_server

# as TOKEN: as viewer GET /api/v1/devices
as() {
	local tok=$1
	shift
	FLW_TOKEN=$tok flw_api "$@"
}
# code TOKEN WANT METHOD PATH [BODY]: the status is WANT and an error body is JSON
code() {
	local tok=$1 want=$2 method=$3 path=$4 body=${5:-}
	local args=(-H "Authorization: Bearer $tok")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json')
	expect_status "$want" "$method" "$path" "$body" "${args[@]}"
}

# ---- API tokens (admin) ----
mk_token() { # mk_token NAME ROLE -> prints the token
	flw_api POST /api/v1/tokens "{\"name\":\"$1\",\"role\":\"$2\"}" | jq -er '.token'
}
VIEWER=$(mk_token view1 viewer)
OPERATOR=$(mk_token ops1 operator)
check "tokens are created (201) and shown once" test -n "$VIEWER" -a -n "$OPERATOR"
check "token creation answers 201" code "$FLW_ADMIN_TOKEN" 201 POST /api/v1/tokens '{"name":"spare","role":"viewer"}' 
check "a duplicate token name is a conflict" code "$FLW_ADMIN_TOKEN" 409 POST /api/v1/tokens '{"name":"view1","role":"viewer"}'
check "an unknown role is refused" code "$FLW_ADMIN_TOKEN" 400 POST /api/v1/tokens '{"name":"x1","role":"root"}'
token_list_no_secrets() {
	flw_api GET /api/v1/tokens >"$FLW_TMP/tl.json" &&
		jq -e '(.items | length) == 4 and all(.items[]; has("token") | not)' "$FLW_TMP/tl.json" &&
		! grep -q "$VIEWER" "$FLW_TMP/tl.json"
}
check "token list has no secrets" token_list_no_secrets

# ---- role matrix ----
check "viewer can list devices" as "$VIEWER" GET /api/v1/devices
check "viewer can read status" as "$VIEWER" GET /api/v1/status
check "viewer cannot create a group" code "$VIEWER" 403 POST /api/v1/groups '{"name":"g-viewer"}'
check "viewer cannot list enrollment tokens" code "$VIEWER" 403 GET /api/v1/enrollment-tokens
check "viewer cannot create deployments" code "$VIEWER" 403 POST /api/v1/deployments '{"release":"x","group":"g"}'
check "viewer cannot upload artifacts" code "$VIEWER" 403 PUT /api/v1/artifacts 'bytes'
check "viewer cannot read audit" code "$VIEWER" 403 GET /api/v1/audit
check "operator can create a group" code "$OPERATOR" 201 POST /api/v1/groups '{"name":"lab"}'
check "operator cannot create tokens" code "$OPERATOR" 403 POST /api/v1/tokens '{"name":"evil","role":"admin"}'
check "operator cannot list tokens" code "$OPERATOR" 403 GET /api/v1/tokens
check "operator cannot revoke tokens" code "$OPERATOR" 403 DELETE /api/v1/tokens/admin
check "operator cannot post a root" code "$OPERATOR" 403 POST /api/v1/tuf/root '{}'
check "operator cannot read audit" code "$OPERATOR" 403 GET /api/v1/audit
check "a token of the wrong kind is refused" code "$OPERATOR" 401 POST /device/v1/checkin '{}'

# ---- groups ----
check "a second group" code "$OPERATOR" 201 POST /api/v1/groups '{"name":"field"}'
check "duplicate group is a conflict" code "$OPERATOR" 409 POST /api/v1/groups '{"name":"lab"}'
groups_listed() { flw_api GET /api/v1/groups | jq -e '[.items[].name] == ["field","lab"] and all(.items[]; .devices == 0)'; }
check "groups are listed with member counts" groups_listed
check "adding an unknown device is refused" code "$OPERATOR" 404 POST /api/v1/groups/lab/devices '{"add":["nobody"]}'
check "members of an unknown group" code "$OPERATOR" 404 POST /api/v1/groups/nogroup/devices '{"add":[]}'
check "a group is deleted" code "$OPERATOR" 200 DELETE /api/v1/groups/field
check "deleting it again is 404" code "$OPERATOR" 404 DELETE /api/v1/groups/field

# ---- enrollment tokens ----
etok() { flw_api POST /api/v1/enrollment-tokens '{"name":"batch1","uses":5,"expires_in":3600,"group":"lab"}'; }
check "an enrollment token is created" etok
check "enrollment token creation is 201" test "$FLW_HTTP_CODE" = 201
etok_shape() { jq -e '(.token | startswith("fle_")) and .name == "batch1" and .expires > now' "$FLW_TMP/api.body"; }
check "the enrollment token is shown once with its expiry" etok_shape
ETOK=$(jq -r .token "$FLW_TMP/api.body")
etok_list() {
	as "$OPERATOR" GET /api/v1/enrollment-tokens >"$FLW_TMP/el.json" &&
		jq -e '.items[0].name == "batch1" and .items[0].uses_left == 5' "$FLW_TMP/el.json" &&
		! grep -q "$ETOK" "$FLW_TMP/el.json"
}
check "enrollment tokens are listed without the secret" etok_list
check "uses 0 is refused" code "$OPERATOR" 400 POST /api/v1/enrollment-tokens '{"name":"b0","uses":0}'
check "unlimited uses (-1) are fine" code "$OPERATOR" 201 POST /api/v1/enrollment-tokens '{"name":"ever","uses":-1}'
check "a duplicate enrollment token is a conflict" code "$OPERATOR" 409 POST /api/v1/enrollment-tokens '{"name":"batch1"}'
check "an enrollment token is revoked" code "$OPERATOR" 200 DELETE /api/v1/enrollment-tokens/ever
check "revoking an unknown one is 404" code "$OPERATOR" 404 DELETE /api/v1/enrollment-tokens/nothing

# ---- devices, releases, deployments (empty fleet) ----
devices_empty() { as "$VIEWER" GET '/api/v1/devices?limit=10&offset=0' | jq -e '.items == [] and .total == 0'; }
check "the device list is empty" devices_empty
check "an unknown device is 404" code "$VIEWER" 404 GET /api/v1/devices/cam-01
check "a bad device id is 400" code "$VIEWER" 400 GET /api/v1/devices/.hidden
check "a bad limit is 400" code "$VIEWER" 400 GET '/api/v1/devices?limit=abc'
check "a limit over 1000 is 400" code "$VIEWER" 400 GET '/api/v1/devices?limit=5000'
check "releases list" as "$VIEWER" GET /api/v1/releases
check "an unknown release is 404" code "$VIEWER" 404 GET /api/v1/releases/fw/none.img
check "deployments list" as "$VIEWER" GET /api/v1/deployments
check "an unknown deployment is 404" code "$VIEWER" 404 GET /api/v1/deployments/999
check "a bad deployment id is 400" code "$VIEWER" 400 GET /api/v1/deployments/abc
check "cancelling an unknown deployment is 404" code "$OPERATOR" 404 POST /api/v1/deployments/999/cancel '{}'
check "deploying an unknown release is 404" code "$OPERATOR" 404 POST /api/v1/deployments '{"release":"fw/none.img","group":"lab"}'
check "a deployment needs devices or a group" code "$OPERATOR" 400 POST /api/v1/deployments '{"release":"fw/none.img"}'
check "no root before repo init" code "$VIEWER" 404 GET /api/v1/tuf/root
check "no targets before repo init" code "$VIEWER" 404 GET /api/v1/tuf/targets
online_keys() {
	as "$VIEWER" GET /api/v1/tuf/online-keys | jq -e '.snapshot.keytype == "ed25519" and .timestamp.scheme == "ed25519" and (.snapshot.keyval.public | length) == 64 and .snapshot.keyval.public != .timestamp.keyval.public'
}
check "online keys are two distinct ed25519 keys" online_keys

# ---- revocation takes effect at once (the token cache is invalidated) ----
check "viewer works before revocation" as "$VIEWER" GET /api/v1/devices
check "admin revokes the viewer token" flw_api DELETE /api/v1/tokens/view1
check "the revoked token is refused" code "$VIEWER" 401 GET /api/v1/devices
check "revoking an unknown token is 404" code "$FLW_ADMIN_TOKEN" 404 DELETE /api/v1/tokens/nobody

# ---- audit ----
flw_api GET '/api/v1/audit?limit=1000' >"$FLW_TMP/audit.json"
audit_has() { # audit_has ACTOR ACTION RESULT-IS-OK(0/1)
	jq -e --arg a "$1" --arg act "$2" --argjson ok "$3" \
		'[.items[] | select(.actor == $a and .action == $act and ((.result == 0 or .result == "ok") == ($ok == 1)))] | length >= 1' \
		"$FLW_TMP/audit.json"
}
check "audit: operator created a group" audit_has token:ops1 group.create 1
check "audit: viewer was refused a group" audit_has token:view1 group.create 0
check "audit: operator was refused a token" audit_has token:ops1 token.create 0
check "audit: admin created tokens" audit_has token:admin token.create 1
check "audit: admin revoked a token" audit_has token:admin token.revoke 1
check "audit: group deletion" audit_has token:ops1 group.delete 1
check "audit: enrollment token creation" audit_has token:ops1 enroll_token.create 1
check "audit: the first admin token" audit_has system token.create 1
audit_paging() {
	local newest
	newest=$(flw_api GET '/api/v1/audit?limit=1' | jq -e '.items | length == 1 and .[0].id' >/dev/null &&
		jq -r '.items[0].id' "$FLW_TMP/api.body")
	flw_api GET "/api/v1/audit?before=$newest&limit=2" | jq -e --argjson n "$newest" '(.items | length) == 2 and all(.items[]; .id < $n)'
}
check "audit pages with before= and limit=" audit_paging
no_audit_edit() {
	expect_status 405 DELETE /api/v1/audit "" -H "Authorization: Bearer $FLW_ADMIN_TOKEN" &&
		expect_status 405 POST /api/v1/audit '{}' -H "Authorization: Bearer $FLW_ADMIN_TOKEN"
}
check "audit rows cannot be changed through the API" no_audit_edit

flw_done
