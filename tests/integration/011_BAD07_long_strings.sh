#!/bin/bash
# 011_BAD07_long_strings.sh - SECURITY-TESTS BAD-07 (classes B3, B4) against a real fleetwardd:
# version strings of 51, 255, 256 and 64 Ki characters (and the same lengths for the other
# strings a device sends: target, health, attribute values, report detail) in check-ins and
# status reports, plus JSON cut short and negative numbers. Every answer is 200 with the
# value stored exactly, or a 4xx with a JSON error; never a 5xx, never a truncated value in
# the inventory, and the server stays up.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"
[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
flw_start_server --min-checkin-interval 0

srv_keygen dev || { echo "openssl cannot make ed25519 keys"; exit 77; }
ETOK=$(flw_api POST /api/v1/enrollment-tokens '{"name":"m","uses":-1}' | jq -r .token)
srv_post /device/v1/enroll "$(srv_dev_env dev "$(jq -nc --arg p "$(cat "$FLW_TMP/k/dev.hex")" --arg t "$ETOK" --argjson n "$(date +%s)" '{device_id:"d1",hardware_id:"hw",public_key:$p,enrollment_token:$t,time:$n}')")"
TOK=$(jq -r .token "$FLW_TMP/srv.body")
check "a device token" test -n "$TOK" -a "$TOK" != null

alive() { curl -sS -f "$FLW_URL/healthz" | jq -e '.status == "ok"' >/dev/null; }
# str N TAG: N characters, starting with a tag unique to this value (so that no value is a
# prefix of another and a stored prefix can be told apart)
str() { printf '%s' "$2-$1-"; head -c "$(($1 - ${#2} - ${#1} - 2))" /dev/zero | tr '\0' 7; }
# ok_or_4xx PATH FILE: 200, or 4xx with a JSON error
ok_or_4xx() {
	SRV_CODE=$(curl -sS -o "$FLW_TMP/srv.body" -w '%{http_code}' -X POST --data-binary "@$2" \
		-H 'Content-Type: application/json' -H "Authorization: Bearer $TOK" "$FLW_URL$1")
	[ "$SRV_CODE" = 200 ] && return 0
	if [ "$SRV_CODE" -ge 400 ] && [ "$SRV_CODE" -lt 500 ] &&
		jq -e '.error.code and .error.message' "$FLW_TMP/srv.body" >/dev/null; then
		return 0
	fi
	echo "HTTP $SRV_CODE: $(head -c 200 "$FLW_TMP/srv.body")"
	return 1
}
# the device as the operator sees it: no field holds a proper prefix of the long value
not_truncated() {
	local v=$1
	flw_api GET /api/v1/devices/d1 >"$FLW_TMP/dev.json" || return 1
	jq -e --arg v "$v" '[.. | strings | select(. as $s | length >= 40 and length < ($v | length) and ($v | startswith($s)))] | length == 0' \
		"$FLW_TMP/dev.json" >/dev/null || { echo "truncated copy stored: $(head -c 300 "$FLW_TMP/dev.json")"; return 1; }
}
stored_or_refused() {
	local v=$1
	[ "$SRV_CODE" != 200 ] && return 0
	flw_api GET /api/v1/devices/d1 | jq -e --arg v "$v" '[.. | strings | select(. == $v)] | length >= 1' >/dev/null ||
		{ echo "200 but the value is not stored exactly"; return 1; }
}

for n in 51 255 256 65536; do
	for field in version target; do
		v=$(str "$n" "$field")
		jq -nc --arg v "$v" --arg f "$field" '{installed:({target:"fw/a.img",version:"1.0"} + {($f):$v})}' >"$FLW_TMP/body.json"
		check "check-in with installed.$field of $n chars: 200 or 4xx" ok_or_4xx /device/v1/checkin "$FLW_TMP/body.json"
		check "... stored exactly or refused ($field, $n)" stored_or_refused "$v"
		check "... never stored truncated ($field, $n)" not_truncated "$v"
	done
	v=$(str "$n" health)
	jq -nc --arg v "$v" '{health:$v}' >"$FLW_TMP/body.json"
	check "check-in with health of $n chars: 200 or 4xx" ok_or_4xx /device/v1/checkin "$FLW_TMP/body.json"
	v=$(str "$n" attr)
	jq -nc --arg v "$v" '{attributes:{serial:$v}}' >"$FLW_TMP/body.json"
	check "check-in with an attribute of $n chars: 200 or 4xx" ok_or_4xx /device/v1/checkin "$FLW_TMP/body.json"
	check "... stored exactly or refused (attribute, $n)" stored_or_refused "$v"
	check "... never stored truncated (attribute, $n)" not_truncated "$v"
	jq -nc --arg v "$v" '{attributes:{($v):"x"}}' >"$FLW_TMP/body.json"
	check "check-in with an attribute name of $n chars: 200 or 4xx" ok_or_4xx /device/v1/checkin "$FLW_TMP/body.json"
	jq -nc --arg v "$v" --argjson s "$n" '{reports:[{seq:$s,deployment:1,state:"downloading",detail:$v,time:1700000000}]}' >"$FLW_TMP/body.json"
	check "report with a detail of $n chars: 200 or 4xx" ok_or_4xx /device/v1/reports "$FLW_TMP/body.json"
	check "server alive after $n-char strings" alive
done

# B4: cut short at every byte of a check-in body; negative numbers where sizes/ids go
jq -jc '{installed:{target:"fw/a.img",version:"1.0"},slot:{active:"A",trial:false},health:"ok",attributes:{os:"x"}}' >"$FLW_TMP/full.json"
len=$(stat -c %s "$FLW_TMP/full.json")
cuts_ok=1
for ((i = 1; i < len; i++)); do
	head -c "$i" "$FLW_TMP/full.json" >"$FLW_TMP/cut.json"
	ok_or_4xx /device/v1/checkin "$FLW_TMP/cut.json" >/dev/null && [ "$SRV_CODE" != 200 ] || { cuts_ok=0; echo "cut at $i: HTTP $SRV_CODE"; break; }
done
check "a check-in body cut at every byte is a 4xx" test "$cuts_ok" = 1
for body in '{"reports":[{"seq":-1,"deployment":1,"state":"success","detail":"","time":1}]}' \
	'{"reports":[{"seq":1,"deployment":-9223372036854775808,"state":"success","detail":"","time":1}]}' \
	'{"reports":[{"seq":18446744073709551616,"deployment":1,"state":"success","detail":"","time":1}]}' \
	'{"reports":[{"seq":1,"deployment":1,"state":"success","detail":"","time":-1}]}'; do
	printf '%s' "$body" >"$FLW_TMP/neg.json"
	neg() { ok_or_4xx /device/v1/reports "$FLW_TMP/neg.json" && [ "$SRV_CODE" != 200 ]; }
	check "report with a negative/overflowing number is a 4xx: ${body:13:50}" neg
done
check "server alive at the end" alive
flw_done
