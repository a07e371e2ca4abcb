#!/bin/bash
# Malformed requests to EVERY route of the server's route table (read from src/daemon/http.c,
# so a new route is covered without editing this test): bad JSON, wrong JSON types, oversize
# bodies (declared and chunked), bodies where none is allowed, unknown methods; plus unknown
# routes, path traversal, NUL bytes, huge headers and a slow client. Every answer must be a 4xx
# with a JSON error, and the server must stay up throughout.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"
flw_start_server --max-artifact-size 1M --feed-max-bytes 1M --threads 2 --min-checkin-interval 0 # floor: 107

# a device token, for the device routes
srv_device_token

srv_routes

concrete() { # a concrete path for a pattern
	local p=$1
	case $p in
	*deployments/\{\}*) p=${p//\{\}/1} ;;
	esac
	p=${p//\{\}/x1}
	p=${p//\*/fw/x.img}
	printf '%s' "$p"
}

head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$FLW_TMP/big-api"
head -c $((64 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$FLW_TMP/big-dev"
printf '{"a":1}\0{"b":2}' >"$FLW_TMP/nul.json"
printf '{"name":"\xff\xfe"}' >"$FLW_TMP/badutf8.json"
printf '%0.s[' $(seq 1 200) >"$FLW_TMP/deep.json"

for row in "${ROUTES[@]}"; do
	read -r method pattern auth <<<"$row"
	path=$(concrete "$pattern")
	a=$(srv_auth_for "$auth")
	other=PATCH # a method this path has no row for
	printf '%s\n' "${ROUTES[@]}" | grep -q "^PATCH $pattern " && other=PUT
	check "$pattern: method $other is 405" expect_status 405 "$other" "$path" "" -H "$a"
	if [ "$method" = GET ]; then
		check "GET $pattern: a body is refused" srv_is4xx GET "$path" "$a" --data-binary 'x'
		ok_or_4xx() { # query junk: answered, never 5xx
			local code
			code=$(curl -sS -o "$FLW_TMP/q.body" -w '%{http_code}' -H "$a" "$FLW_URL$path?limit=-1&offset=99999999999999999999999&before=x&group=%00")
			[ "$code" -lt 500 ] || { echo "HTTP $code"; return 1; }
		}
		check "GET $pattern: junk query arguments" ok_or_4xx
		continue
	fi
	if [ "$method" = DELETE ]; then
		check "DELETE $pattern: a body is refused" srv_is4xx DELETE "$path" "$a" --data-binary '{}'
		check "DELETE $pattern: traversal in the name" srv_is4xx DELETE "${path%/*}/..%2F..%2Fetc" "$a"
		continue
	fi
	big=$FLW_TMP/big-api
	[ "$auth" = DEVICE ] || [ "$auth" = NONE ] && big=$FLW_TMP/big-dev
	[ "$pattern" = /api/v1/artifacts ] && big=$FLW_TMP/big-api # over --max-artifact-size 1M
	check "$method $pattern: oversize body is 413" expect_status 413 "$method" "$path" "@$big" -H "$a"
	chunked413() { srv_is4xx "$method" "$path" "$a" -H 'Transfer-Encoding: chunked' --data-binary "@$big" && jq -e '.error.code == "limit"' "$FLW_TMP/4xx.body"; }
	check "$method $pattern: oversize chunked body is 413" chunked413
	[ "$pattern" = /api/v1/artifacts ] && continue # raw bytes: any content is an artifact
	for body in '{' '[]' '"str"' '{"a":' 'null' '{"signed":{"x":1},"signature":"00"}' '{"name":5,"role":[],"add":"x","release":7,"reports":{},"installed":"x"}' "@$FLW_TMP/nul.json" "@$FLW_TMP/badutf8.json" "@$FLW_TMP/deep.json" '{"a":1,"a":2}' '{"a":1} trailing'; do
		if [[ $pattern == */cancel ]]; then
			check "$method $pattern: body '${body:0:20}'" srv_is4xx "$method" "$path" "$a" --data-binary "$body"
		else
			check "$method $pattern: malformed body '${body:0:20}' is 400/4xx" srv_is4xx "$method" "$path" "$a" --data-binary "$body"
		fi
	done
	# check-in: every field is optional, so an empty body is a valid check-in
	[ "$pattern" = /device/v1/checkin ] || check "$method $pattern: empty body" srv_is4xx "$method" "$path" "$a"
	check "server alive after $pattern" srv_alive
done

# wrong types for each JSON body, one field at a time: 400 naming the field
typed() { # typed PATH AUTH BODY FIELD
	srv_is4xx POST "$1" "$2" --data-binary "$3" && [ "$(jq -r .error.code "$FLW_TMP/4xx.body")" = format ] &&
		{ [ -z "$4" ] || jq -e --arg f "$4" '.error.field | tostring | contains($f)' "$FLW_TMP/4xx.body" >/dev/null; } ||
		{ echo "$(cat "$FLW_TMP/4xx.body")"; return 1; }
}
AA="Authorization: Bearer $FLW_ADMIN_TOKEN"
DA="Authorization: Bearer $DEVTOK"
check "group name must be a string" typed /api/v1/groups "$AA" '{"name":5}' name
check "group name syntax" typed /api/v1/groups "$AA" '{"name":"../x"}' name
check "unknown group field" typed /api/v1/groups "$AA" '{"name":"g","admin":1}' admin
check "token role must be a string" typed /api/v1/tokens "$AA" '{"name":"t","role":7}' role
check "token name is required" typed /api/v1/tokens "$AA" '{"role":"viewer"}' name
check "enrollment uses must be a number" typed /api/v1/enrollment-tokens "$AA" '{"name":"e","uses":"many"}' uses
check "enrollment expires_in must be positive" typed /api/v1/enrollment-tokens "$AA" '{"name":"e","expires_in":-5}' expires_in
check "members add must be an array" typed /api/v1/groups/x1/devices "$AA" '{"add":"cam"}' add
check "members must be ids" typed /api/v1/groups/x1/devices "$AA" '{"add":[1]}' add
check "deployment release must be a string" typed /api/v1/deployments "$AA" '{"release":7,"group":"g"}' release
check "deployment devices must be ids" typed /api/v1/deployments "$AA" '{"release":"r","devices":["a b"]}' devices
check "enroll signed must be an object" typed /device/v1/enroll "X-A: 1" '{"signed":[],"signature":"00"}' signed
check "enroll signature must be hex" typed /device/v1/enroll "X-A: 1" '{"signed":{"device_id":"d"},"signature":"zz"}' signature
check "auth device_id is required" typed /device/v1/auth "X-A: 1" "{\"signed\":{\"time\":1},\"signature\":\"$(printf '%0128d' 0)\"}" device_id
check "checkin installed must be an object" typed /device/v1/checkin "$DA" '{"installed":"x"}' installed
check "checkin trial must be a boolean" typed /device/v1/checkin "$DA" '{"slot":{"trial":"yes"}}' trial
check "checkin unknown field" typed /device/v1/checkin "$DA" '{"firmware":"x"}' firmware
check "reports must be an array" typed /device/v1/reports "$DA" '{"reports":{}}' reports
check "report seq must be a positive integer" typed /device/v1/reports "$DA" '{"reports":[{"seq":-1,"state":"success"}]}' seq
check "report seq must not be a float" typed /device/v1/reports "$DA" '{"reports":[{"seq":1.5,"state":"success"}]}' ""

# unknown routes, traversal, odd URLs
for p in / /api /api/v1 /api/v2/devices /api/v1/devices/a/b /device/v1/x /tuf /tuf/metadata /tuf/targets/ /api/v1/groups//devices /index.html /%00 /api/v1/devices%00/x; do
	check "unknown route '$p' is 404" srv_is4xx GET "$p" "$AA"
done
check "traversal to a key file via targets" srv_is4xx GET /tuf/targets/../../keys/token.key "$AA" --path-as-is
check "traversal via encoded slashes" srv_is4xx GET /tuf/targets/..%2F..%2Fkeys%2Ftoken.key "$AA"
check "traversal in a device id" srv_is4xx GET /api/v1/devices/..%2F..%2Fetc%2Fpasswd "$AA"
check "traversal in a group name" srv_is4xx POST /api/v1/groups/../devices "$AA" --path-as-is --data-binary '{"add":[]}'
check "a NUL in a device id" srv_is4xx GET /api/v1/devices/a%00b "$AA"
check "an unknown method on an unknown route" srv_is4xx BREW /coffee "$AA"
check "a very long URL" srv_is4xx GET "/api/v1/devices/$(printf 'a%.0s' $(seq 1 3000))" "$AA"
check "a bad Authorization scheme" srv_is4xx GET /api/v1/devices "Authorization: Basic YTpi"
check "an empty bearer token" srv_is4xx GET /api/v1/devices "Authorization: Bearer "
check "a device token on the management API" srv_is4xx GET /api/v1/devices "$DA"
check "an API token on the device API" srv_is4xx POST /device/v1/checkin "$AA" --data-binary '{}'
check "a huge bearer token" srv_is4xx GET /api/v1/devices "Authorization: Bearer flw_$(printf 'x%.0s' $(seq 1 5000))"

# huge headers: ours (431 JSON) up to the connection memory; beyond it the connection is refused
big_header() { srv_is4xx GET /api/v1/devices "$AA" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' 'b')" && jq -e '.error.code == "limit"' "$FLW_TMP/4xx.body"; }
check "20 KB of headers is 431 with a JSON error" big_header
many_headers() { srv_is4xx GET /api/v1/devices "$AA" $(for i in $(seq 1 400); do printf -- '-H X-H%d:%s ' "$i" "$(printf 'v%.0s' $(seq 1 40))"; done); }
check "400 headers are refused" many_headers
huge_header() { # beyond the connection's memory libmicrohttpd itself answers 431 and closes
	printf 'X-Huge: %s\r\n' "$(head -c 300000 /dev/zero | tr '\0' 'h')" >"$FLW_TMP/huge.h"
	local code
	code=$(curl -sS -o /dev/null -w '%{http_code}' -H "@$FLW_TMP/huge.h" "$FLW_URL/healthz" 2>/dev/null)
	[ "$code" = 431 ] || [ "$code" = 000 ] || { echo "HTTP $code"; return 1; }
}
check "300 KB of headers is refused" huge_header
check "server alive after huge headers" srv_alive

# a slow client does not block others; an idle connection is closed
slow_client() {
	exec 3<>"/dev/tcp/127.0.0.1/$FLW_PORT" || return 1
	printf 'POST /api/v1/groups HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n' >&3
	srv_alive
	local rc=$?
	exec 3>&-
	return $rc
}
check "a half-sent request does not block others" slow_client
conn_flood() {
	local i pids=()
	for i in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$FLW_PORT" && printf 'GET /healthz HTTP/1.1\r\n' >&3 && sleep 3) &
		pids+=($!)
	done
	sleep 0.5
	srv_alive
	local rc=$?
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	return $rc
}
check "50 stalled connections do not block others" conn_flood
garbage_request() { # closed by libmicrohttpd (no answer or a 4xx), quickly
	local first
	first=$(printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$FLW_PORT; cat >&3; cat <&3" | head -1)
	[ -z "$first" ] || [[ $first == "HTTP/1.1 4"* ]]
}
check "a non-HTTP request line is refused" garbage_request
check "server alive at the end" srv_alive
server_running() { kill -0 "$FLW_SERVER_PID"; }
check "the server process never exited" server_running
no_5xx() { ! curl -sS "$FLW_URL/metrics" | grep -E 'code="5[0-9][0-9]"'; }
check "no 5xx answer was counted" no_5xx

flw_done
