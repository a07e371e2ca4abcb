#!/bin/bash
# 510_inventory.sh - device inventory through a real fleetwardd: PATCH /api/v1/devices/{id}
# (`fleetward device set`) with its fields read back from the device, the listing, its filters
# and `device show`; bad values refused naming the field; viewers refused; audit rows. Device
# components: a check-in's "components" plus the running release's SBOM components at
# GET /api/v1/devices/{id}/components (`fleetward device components`).
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
flw_start_server
AA="Authorization: Bearer $FLW_ADMIN_TOKEN"

# a release with an SBOM (4 components)
"$F" keygen -o root.key >/dev/null 2>&1 && "$F" keygen -o t.key >/dev/null 2>&1
check "repo init" "$F" repo init --root-key root.key --targets-key t.key -o root.json
cp "$FLW_SRC_DIR/fuzz/corpora/sbom/syft-style.json" sbom.json
head -c 20000 /dev/urandom >img
check "release create --sbom" "$F" release create img --name fw/cam.img --version 1.1 \
	--hardware cam-v2 --sbom sbom.json --key t.key -o rel.json
check "release upload" "$F" release upload --metadata rel.json img sbom.json

# two devices, enrolled with signed requests
srv_dev_keygen d1 || flw_skip "openssl cannot make ed25519 keys"
srv_dev_keygen d2
ETOK=$(flw_api POST /api/v1/enrollment-tokens '{"name":"e","uses":-1}' | jq -r .token)
srv_post /device/v1/enroll "$(srv_enroll_body d1 cam-01 "$ETOK")"
DT1=$(jq -r .token "$FLW_TMP/srv.body")
srv_post /device/v1/enroll "$(srv_enroll_body d2 cam-02 "$ETOK")"
check "two devices enrolled" test "$SRV_CODE" = 200 -a -n "$DT1" -a "$DT1" != null

get() { curl -sS -f -H "$AA" "$FLW_URL$1"; }

# ---- inventory --------------------------------------------------------------------------------
check "fresh device: inventory fields are null" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01' | jq -e '.class == null and .internet_exposed == null and .segment == null and .owner == null and .site == null and .support_end == null'"
check "device set (CLI)" "$F" device set cam-01 --class safety-critical --internet-exposed yes \
	--segment "VLAN 12" --owner "plant ops" --site berlin-1 --support-end 2026-06-30
check "read back: GET /api/v1/devices/cam-01" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01' | jq -e '.class == \"safety-critical\" and .internet_exposed == true and .segment == \"VLAN 12\" and .owner == \"plant ops\" and .site == \"berlin-1\" and .support_end == \"2026-06-30\"'"
check "PATCH with curl: an operator-defined class, not exposed" expect_status 200 PATCH \
	/api/v1/devices/cam-02 '{"class":"lab-rack","internet_exposed":false,"site":"berlin-1"}' -H "$AA"
check "... answers the device with the fields" jq -e '.id == "cam-02" and .class == "lab-rack" and .internet_exposed == false and .owner == null' "$FLW_TMP/raw.body"
check "PATCH changes only the fields it names" bash -c "curl -sSf -H '$AA' -X PATCH --data-binary '{\"owner\":\"noc\"}' '$FLW_URL/api/v1/devices/cam-01' | jq -e '.owner == \"noc\" and .class == \"safety-critical\" and .site == \"berlin-1\"'"
check "null clears a field" bash -c "curl -sSf -H '$AA' -X PATCH --data-binary '{\"segment\":null}' '$FLW_URL/api/v1/devices/cam-01' | jq -e '.segment == null and .owner == \"noc\"'"
check "device show prints the inventory" bash -c "'$F' device show cam-01 | grep -E '^class: +safety-critical' && '$F' device show cam-01 | grep -E '^support end: +2026-06-30' && '$F' device show cam-01 | grep -E '^internet exposed: +yes'"

# bad values: 4xx JSON naming the field
bad() { # bad BODY FIELD [STATUS]
	expect_status "${3:-400}" PATCH /api/v1/devices/cam-01 "$1" -H "$AA" &&
		jq -e --arg f "$2" '.error.field == $f' "$FLW_TMP/raw.body" >/dev/null ||
		{ cat "$FLW_TMP/raw.body"; return 1; }
}
check "class with capitals is refused, naming class" bad '{"class":"Safety"}' class
check "class over 32 characters: 413 naming class" bad '{"class":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}' class 413
check "internet_exposed must be a boolean" bad '{"internet_exposed":"yes"}' internet_exposed
check "support_end must be a real date" bad '{"support_end":"2027-02-29"}' support_end
check "support_end format" bad '{"support_end":"30.06.2026"}' support_end
check "segment without control characters" bad '{"segment":"a\u0007b"}' segment
check "unknown field refused" bad '{"hostname":"x"}' hostname
check "empty patch refused" expect_status 400 PATCH /api/v1/devices/cam-01 '{}' -H "$AA"
check "a refused patch changed nothing" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01' | jq -e '.class == \"safety-critical\" and .support_end == \"2026-06-30\"'"
check "unknown device: 404" expect_status 404 PATCH /api/v1/devices/cam-99 '{"owner":"x"}' -H "$AA"
check "the CLI shows the server's refusal and exits 1" bash -c "'$F' device set cam-01 --support-end 2026-13-01 2>&1 | grep -q support_end; [ \${PIPESTATUS[0]} = 1 ]"
check "the CLI refuses --internet-exposed maybe (usage, exit 2)" bash -c "'$F' device set cam-01 --internet-exposed maybe; [ \$? = 2 ]"

# roles and audit
VT=$("$F" token create viewer1 --role viewer)
check "a viewer cannot PATCH (403)" expect_status 403 PATCH /api/v1/devices/cam-01 '{"owner":"me"}' -H "Authorization: Bearer $VT"
check "a viewer can read the inventory" bash -c "curl -sSf -H 'Authorization: Bearer $VT' '$FLW_URL/api/v1/devices/cam-01' | jq -e '.owner == \"noc\"'"
get "/api/v1/audit?limit=100" >audit.json
check "audit: the successful change with its detail" jq -e '[.items[] | select(.action == "device.inventory" and .object == "device:cam-02" and .result == 0 and (.detail | fromjson | .class == "lab-rack"))] | length == 1' audit.json
check "audit: the viewer's refused PATCH" jq -e '[.items[] | select(.action == "device.inventory" and .actor == "token:viewer1" and .result != 0)] | length == 1' audit.json
check "audit: the refused bad value" jq -e '[.items[] | select(.action == "device.inventory" and .object == "device:cam-01" and .result != 0)] | length >= 7' audit.json

# listing and filters
check "device list JSON carries the fields" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices' | jq -e '.items[0].class == \"safety-critical\" and .items[1].internet_exposed == false and (.items[0] | has(\"support_end\"))'"
check "?class=" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices?class=lab-rack' | jq -e '[.items[].id] == [\"cam-02\"] and .total == 1'"
check "?site=" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices?site=berlin-1' | jq -e '[.items[].id] == [\"cam-01\",\"cam-02\"]'"
check "?internet_exposed=true" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices?internet_exposed=true' | jq -e '[.items[].id] == [\"cam-01\"]'"
check "?internet_exposed=false&site=berlin-1" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices?internet_exposed=false&site=berlin-1' | jq -e '[.items[].id] == [\"cam-02\"]'"
check "?internet_exposed=maybe is 400" expect_status 400 GET '/api/v1/devices?internet_exposed=maybe' "" -H "$AA"
check "device list --class (CLI)" bash -c "'$F' device list --class safety-critical --json | jq -e '[.items[].id] == [\"cam-01\"]'"
check "device list --internet-exposed no (CLI)" bash -c "'$F' device list --internet-exposed no --json | jq -e '[.items[].id] == [\"cam-02\"]'"
check "device list --site (CLI)" bash -c "'$F' device list --site nowhere --json | jq -e '.items == []'"

# ---- components -------------------------------------------------------------------------------
checkin() { # checkin TOKEN BODY: status in SRV_CODE
	SRV_CODE=$(curl -sS -o "$FLW_TMP/ci.body" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data-binary "$2" "$FLW_URL/device/v1/checkin")
	[ "$SRV_CODE" = 200 ] || { cat "$FLW_TMP/ci.body"; return 1; }
}
check "no components before a release or a report" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01/components' | jq -e '.items == [] and .release == null'"
C2='{"name":"myapp","version":"2.4.1","purl":"pkg:generic/myapp@2.4.1"},{"name":"dnsmasq","version":"2.89","cpe":"cpe:2.3:a:thekelleys:dnsmasq:2.89:*:*:*:*:*:*:*"}'
check "check-in with the running release and 2 components" checkin "$DT1" \
	"{\"installed\":{\"target\":\"fw/cam.img\",\"version\":\"1.1\"},\"components\":[$C2]}"
get /api/v1/devices/cam-01/components >comp.json
check "components: 4 from the release SBOM, then 2 from the device" jq -e \
	'.release == "fw/cam.img" and [.items[] | .source] == ["release","release","release","release","device","device"] and [.items[].name] == ["busybox","dropbear","linux","openssl","myapp","dnsmasq"]' comp.json
check "... the device's with version, purl, cpe and the vendor from the CPE" jq -e \
	'.items[5] == {"name":"dnsmasq","version":"2.89","purl":null,"cpe":"cpe:2.3:a:thekelleys:dnsmasq:2.89:*:*:*:*:*:*:*","vendor":"thekelleys","source":"device"} and .items[4].vendor == null' comp.json
check "a check-in without components leaves them alone" checkin "$DT1" '{"health":"ok"}'
check "... still 2 device components" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01/components' | jq -e '[.items[] | select(.source == \"device\")] | length == 2'"
check "a changed list replaces the stored one" checkin "$DT1" '{"health":"ok","components":[{"name":"myapp","version":"2.5.0"}]}'
check "... 1 device component, the new version" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01/components' | jq -e '[.items[] | select(.source == \"device\") | .version] == [\"2.5.0\"]'"
check "the same list again (another body) is accepted" checkin "$DT1" '{"health":"failing","components":[{"name":"myapp","version":"2.5.0"}]}'
check "[] empties the device's own list; the release's stay" checkin "$DT1" '{"components":[]}'
check "... only release components left" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01/components' | jq -e '[.items[].source] | unique == [\"release\"]'"
badci() { # badci BODY FIELD_PREFIX
	! checkin "$DT1" "$1" >/dev/null && [ "$SRV_CODE" = 400 ] &&
		jq -e --arg f "$2" '.error.code == "format" and (.error.field | startswith($f))' "$FLW_TMP/ci.body" >/dev/null ||
		{ cat "$FLW_TMP/ci.body"; return 1; }
}
check "a component with a bad CPE is refused naming it" badci '{"components":[{"name":"a","version":"1"},{"name":"b","version":"1","cpe":"cpe:/a:b:b:1"}]}' 'components[1]'
check "... and the message names .cpe" jq -e '.error.message | contains("components[1].cpe")' "$FLW_TMP/ci.body"
check "a component without a version is refused" badci '{"components":[{"name":"a"}]}' 'components[0]'
check "an unknown component field is refused" badci '{"components":[{"name":"a","version":"1","sha":"x"}]}' 'components[0]'
python3 -c 'import json; print(json.dumps({"components":[{"name":"c%d" % i,"version":"1"} for i in range(513)]}))' >many.json
check "513 components: 413 limit" bash -c "[ \$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer $DT1' --data-binary @many.json '$FLW_URL/device/v1/checkin') = 413 ]"
python3 -c 'import json; print(json.dumps({"components":[{"name":"c%d" % i,"version":"1"} for i in range(512)]}))' >max.json
check "512 components are accepted" checkin "$DT1" "@max.json"
check "... and listed in their order" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/devices/cam-01/components' | jq -e '[.items[] | select(.source == \"device\")] | length == 512 and .[511].name == \"c511\"'"
check "device components (CLI table)" bash -c "'$F' device components cam-01 | grep -E '^busybox +1\.36\.1 +release'"
check "device components --json" bash -c "'$F' device components cam-01 --json | jq -e '.items | length == 516'"
check "a viewer can read components" bash -c "curl -sSf -H 'Authorization: Bearer $VT' '$FLW_URL/api/v1/devices/cam-02/components' | jq -e '.items == []'"
check "unknown device: 404" expect_status 404 GET /api/v1/devices/cam-99/components "" -H "$AA"
flw_done
