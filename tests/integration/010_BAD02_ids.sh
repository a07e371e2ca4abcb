#!/bin/bash
# 010_BAD02_ids.sh - SECURITY-TESTS BAD-02 (class B1): ids with '?', '#', '/', '../', '%2e%2e'
# and 200+ characters in EVERY id-taking route of the server's route table (read from
# src/daemon/http.c, like 103) and in every id field of a JSON body that names a new object
# (device enrollment, group, enrollment token, API token, deployment devices). Every answer is a
# 4xx with a JSON error (never 2xx, never 5xx), no object with such an id exists afterwards, no
# file appears outside the server's data directory, and the server stays up.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"
[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
flw_start_server --min-checkin-interval 0
A="Authorization: Bearer $FLW_ADMIN_TOKEN"

srv_device_token

srv_routes

LONG=$(printf 'a%.0s' $(seq 1 200))
# in a URL path segment: each as the client would have to send it
BAD_SEGMENTS=("a%3Fb" "a%23b" "a%2Fb" "..%2Fx" "%2e%2e" "%2E%2E%2Fkeys" "..%2F..%2Fkeys%2Ftoken.key" "$LONG" "a%00b" "a%20b")
# in a JSON string
BAD_IDS=("a?b" "a#b" "a/b" "../x" ".." "%2e%2e" "$LONG" "a b" ".hidden" "-x")


touch "$FLW_TMP/marker"
n_id_routes=0
for row in "${ROUTES[@]}"; do
	read -r method pattern auth <<<"$row"
	case $pattern in *'{}'*) ;; *) continue ;; esac
	n_id_routes=$((n_id_routes + 1))
	a=$(srv_auth_for "$auth")
	body=()
	[ "$method" = POST ] || [ "$method" = PUT ] || [ "$method" = PATCH ] && body=(--data-binary '{}')
	for seg in "${BAD_SEGMENTS[@]}"; do
		p=${pattern//\{\}/$seg}
		p=${p//\*/fw/x.img}
		check "$method $pattern with id '${seg:0:30}' is 4xx" srv_is4xx "$method" "$p" "$a" "${body[@]}"
	done
	check "server alive after $pattern" srv_alive
done
check "the route table has id-taking routes (>= 8)" test "$n_id_routes" -ge 8

# ids inside JSON bodies that create objects
for id in "${BAD_IDS[@]}"; do
	short=${id:0:20}
	check "group name '$short' is refused" srv_is4xx POST /api/v1/groups "$A" \
		-H 'Content-Type: application/json' --data-binary "$(jq -nc --arg n "$id" '{name:$n}')"
	check "enrollment token name '$short' is refused" srv_is4xx POST /api/v1/enrollment-tokens "$A" \
		-H 'Content-Type: application/json' --data-binary "$(jq -nc --arg n "$id" '{name:$n,uses:1}')"
	check "API token name '$short' is refused" srv_is4xx POST /api/v1/tokens "$A" \
		-H 'Content-Type: application/json' --data-binary "$(jq -nc --arg n "$id" '{name:$n,role:"viewer"}')"
	check "deployment device '$short' is refused" srv_is4xx POST /api/v1/deployments "$A" \
		-H 'Content-Type: application/json' --data-binary "$(jq -nc --arg n "$id" '{release:"r",devices:[$n]}')"
	enroll_bad() {
		srv_post /device/v1/enroll "$(srv_dev_env dev "$(jq -nc --arg d "$1" --arg p "$(cat "$FLW_TMP/k/dev.hex")" --arg t "$ETOK" --argjson n "$(date +%s)" '{device_id:$d,hardware_id:"hw",public_key:$p,enrollment_token:$t,time:$n}')")"
		[ "$SRV_CODE" -ge 400 ] && [ "$SRV_CODE" -lt 500 ] || { echo "HTTP $SRV_CODE: $(head -c 200 "$FLW_TMP/srv.body")"; return 1; }
	}
	check "enrollment with device_id '$short' is refused" enroll_bad "$id"
	auth_bad() {
		srv_post /device/v1/auth "$(srv_dev_env dev "$(jq -nc --arg d "$1" --argjson n "$(date +%s)" '{device_id:$d,time:$n}')")"
		[ "$SRV_CODE" -ge 400 ] && [ "$SRV_CODE" -lt 500 ] || { echo "HTTP $SRV_CODE"; return 1; }
	}
	check "auth with device_id '$short' is refused" auth_bad "$id"
done
check "server alive after the bodies" srv_alive

only_good_ids() {
	flw_api GET /api/v1/devices | jq -e '[.items[] | (.id // .device_id)] == ["m1"]' >/dev/null &&
		flw_api GET /api/v1/groups | jq -e '.items | length == 0' >/dev/null
}
check "no device or group with a bad id exists" only_good_ids
no_stray_files() {
	local stray
	stray=$(find "$FLW_TMP" -newer "$FLW_TMP/marker" -type f ! -path "$FLW_DATA/*" \
		! -name '*.body' ! -name 'fleetwardd.log' ! -name 'last.out' ! -path "$FLW_TMP/k/*" | head -5)
	[ -z "$stray" ] || { echo "files outside the data dir: $stray"; return 1; }
	stray=$(find "$FLW_DATA" -name '*..*' -o -name '*%*' -o -name '*\?*' -o -name '*#*' | head -5)
	[ -z "$stray" ] || { echo "odd names in the data dir: $stray"; return 1; }
}
check "no file written outside the data dir, no id-derived file names" no_stray_files
flw_done
