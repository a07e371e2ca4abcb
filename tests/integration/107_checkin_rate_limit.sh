#!/bin/bash
# SRV-10 rate limits: a per-device floor between check-ins (--min-checkin-interval) answered
# with 429 + Retry-After + a JSON error before the body is read; other devices, reports and
# (ranged) artifact downloads are not throttled; after Retry-After the device is served again.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"
FLOOR=3
flw_start_server --poll-interval 60 --min-checkin-interval "$FLOOR"

srv_keygen cam01 || { echo "openssl cannot make ed25519 keys"; exit 77; }
srv_keygen cam02
ETOK=$(flw_api POST /api/v1/enrollment-tokens '{"name":"b1","uses":2}' | jq -r .token)
srv_post /device/v1/enroll "$(srv_enroll_body cam01 cam-01 "$ETOK")"
TOK1=$(jq -r .token "$FLW_TMP/srv.body")
srv_post /device/v1/enroll "$(srv_enroll_body cam02 cam-02 "$ETOK")"
TOK2=$(jq -r .token "$FLW_TMP/srv.body")

# checkin TOKEN [BODY]: status in CODE, headers in $FLW_TMP/h, body in $FLW_TMP/b
checkin() {
	CODE=$(curl -sS -o "$FLW_TMP/b" -D "$FLW_TMP/h" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $1" --data-binary "${2:-{\}}" "$FLW_URL/device/v1/checkin")
}
retry_after() { tr -d '\r' <"$FLW_TMP/h" | sed -n 's/^[Rr]etry-[Aa]fter: *//p'; }
is() { [ "$CODE" = "$1" ] || { echo "HTTP $CODE: $(cat "$FLW_TMP/b")"; return 1; }; }

first() { checkin "$TOK1" && is 200; }
check "a first check-in is served" first
throttled() {
	checkin "$TOK1" && is 429 &&
		jq -e '.error.code == "limit" and (.error.message | test("too many check-ins"))' "$FLW_TMP/b" >/dev/null &&
		ra=$(retry_after) && [ "$ra" -ge 1 ] && [ "$ra" -le "$FLOOR" ] ||
		{ echo "Retry-After '$(retry_after)': $(cat "$FLW_TMP/h")"; return 1; }
}
check "a second check-in at once is 429 with Retry-After and a JSON error" throttled
malformed() { checkin "$TOK1" '{"slot":' && is 429; }
check "the floor applies before the body is read (even a malformed one)" malformed
other() { checkin "$TOK2" && is 200; }
check "another device is not throttled" other
reports_free() {
	local i
	for i in 1 2 3; do
		srv_post /device/v1/reports "{\"reports\":[{\"seq\":$i,\"state\":\"downloading\"}]}" "$TOK1"
		[ "$SRV_CODE" = 200 ] || { echo "report $i: HTTP $SRV_CODE $(cat "$FLW_TMP/srv.body")"; return 1; }
	done
}
check "status reports are not throttled" reports_free

IMG=$FLW_TMP/cam-1.1.img
head -c 200000 /dev/urandom >"$IMG"
check "a release is published" srv_publish "$IMG" fw/cam-1.1.img 1.1.0 cam-v2
URL="$FLW_URL/tuf/targets/fw/$(sha256sum <"$IMG" | cut -d' ' -f1).cam-1.1.img"
ranged() {
	local i from code
	: >"$FLW_TMP/joined"
	for i in $(seq 0 9); do
		from=$((i * 20000))
		code=$(curl -sS -o "$FLW_TMP/part" -w '%{http_code}' -H "Range: bytes=$from-$((from + 19999))" "$URL")
		[ "$code" = 206 ] || { echo "range $i: HTTP $code"; return 1; }
		cat "$FLW_TMP/part" >>"$FLW_TMP/joined"
	done
	cmp "$FLW_TMP/joined" "$IMG"
}
check "ten ranged downloads in a row are all served (206) and give the image" ranged
full_twice() { curl -sS -f "$URL" | cmp - "$IMG" && curl -sS -f "$URL" | cmp - "$IMG"; }
check "whole downloads back to back are served" full_twice

after_wait() {
	checkin "$TOK1"
	[ "$CODE" = 429 ] || checkin "$TOK1" # the first one may have been due: this one is not
	is 429 || return 1
	sleep "$(retry_after)"
	checkin "$TOK1" && is 200
}
check "after Retry-After seconds the device is served again" after_wait
metrics() { curl -sS "$FLW_URL/metrics" | grep -Eq '^fleetward_checkins_throttled_total [1-9]'; }
check "metrics count throttled check-ins" metrics
counted() { curl -sS "$FLW_URL/metrics" | grep -Eq '^fleetward_http_requests_total\{class="device",code="429"\} [1-9]'; }
check "429 answers are counted by status" counted
help() { "$FLWD" --help | grep -q -- '--min-checkin-interval'; }
check "--help documents --min-checkin-interval" help
bad_value() { "$FLWD" --data "$FLW_TMP/x" --min-checkin-interval 99999 2>&1 | grep -q "min-checkin-interval"; }
check "an out-of-range floor is a usage error" bad_value

flw_done
