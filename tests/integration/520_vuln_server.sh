#!/bin/bash
# 520_vuln_server.sh - the vulnerability API through a real fleetwardd: feeds uploaded with curl
# (kinds told from the bytes, streamed, duplicates, refusals: 400 unknown kind / unsniffable,
# 413 over --feed-max-bytes, 403 for a viewer), findings of an enrolled device running a
# release whose SBOM carries CVE-2023-1389 (TP-Link Archer AX21), the CVE, the assessment,
# risk acceptance and revocation with their audit rows, model support ends and end of life,
# reports (JSON and CSV), a restart that keeps findings and imports, and a policy file
# (a broken one stops start-up naming file:line).
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
V=$FLW_SRC_DIR/../shared/vulndata
[ -r "$V/nvd_api2_sample.json" ] || flw_skip "no vulnerability data in $V"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"

# ---- the policy file --------------------------------------------------------------------------
printf 'class.lab.mission = high\nclass.lab.deadline_days = oops\n' >bad.policy
"$FLWD" --data "$FLW_TMP/d-bad" --listen 127.0.0.1:0 --policy bad.policy >bad.out 2>&1
check "a broken policy file stops start-up" test $? != 0
check "... naming file:line and the key" grep -q "bad.policy:2: class.lab.deadline_days" bad.out
check "--help lists --policy, --assess-interval, --feed-max-bytes" bash -c \
	"'$FLWD' --help | grep -q -- '--policy' && '$FLWD' --help | grep -q -- '--assess-interval' && '$FLWD' --help | grep -q -- '--feed-max-bytes'"
printf '# site policy\nclass.lab.mission = low\nclass.lab.impact = high\nclass.lab.deadline_days = 10\n' >good.policy
flw_start_server --policy "$FLW_TMP/good.policy" --feed-max-bytes 8M --assess-interval 0
AA="Authorization: Bearer $FLW_ADMIN_TOKEN"
get() { curl -sS -f -H "$AA" "$FLW_URL$1"; }
# upload FILE [QUERY] [TOKEN]: status in CODE, answer in up.json
# Expect: 100-continue, as a careful client (and curl above 1 MiB) sends it: a refusal on the
# headers alone (role, unknown kind, declared size) then comes before any body byte is sent;
# without it a refused upload races the server closing the connection (curl: broken pipe).
upload() {
	CODE=$(curl -sS -o up.json -w '%{http_code}' -X POST -H "Authorization: Bearer ${3:-$FLW_ADMIN_TOKEN}" \
		-H 'Expect: 100-continue' -H 'Content-Type: application/octet-stream' \
		--data-binary "@$1" "$FLW_URL/api/v1/feeds?${2:-}")
}
post() { # post PATH BODY [TOKEN]: status in CODE, answer in post.json
	CODE=$(curl -sS -o post.json -w '%{http_code}' -X POST -H "Authorization: Bearer ${3:-$FLW_ADMIN_TOKEN}" \
		-H 'Content-Type: application/json' --data-binary "$2" "$FLW_URL$1")
}

# ---- a release whose SBOM carries the AX21 firmware, and a device running it -----------------
"$F" keygen -o root.key >/dev/null 2>&1 && "$F" keygen -o t.key >/dev/null 2>&1
check "repo init" "$F" repo init --root-key root.key --targets-key t.key -o root.json
cat >sbom.json <<'EOF'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "metadata": {"component": {"type": "firmware", "name": "ax21-fw", "version": "1.1.3"}},
 "components": [
  {"type": "firmware", "name": "archer_ax21_firmware", "version": "1.1.3",
   "cpe": "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*"},
  {"type": "application", "name": "busybox", "version": "1.35.0",
   "purl": "pkg:generic/busybox@1.35.0"}]}
EOF
head -c 30000 /dev/urandom >img
check "release create --sbom" "$F" release create img --name fw/ax21.img --version 1.1.3 \
	--hardware cam-v2 --sbom sbom.json --key t.key -o rel.json
check "release upload" "$F" release upload --metadata rel.json img sbom.json
srv_dev_keygen d1 || flw_skip "openssl cannot make ed25519 keys"
srv_dev_keygen d2
ETOK=$(curl -sS -H "$AA" -d '{"name":"e","uses":-1}' "$FLW_URL/api/v1/enrollment-tokens" | jq -r .token)
srv_post /device/v1/enroll "$(srv_enroll_body d1 ax-01 "$ETOK")"
DT1=$(jq -r .token "$FLW_TMP/srv.body")
srv_post /device/v1/enroll "$(srv_enroll_body d2 ax-02 "$ETOK")"
DT2=$(jq -r .token "$FLW_TMP/srv.body")
check "two devices enrolled" test "$SRV_CODE" = 200 -a -n "$DT1" -a "$DT1" != null
CI='{"installed":{"target":"fw/ax21.img","version":"1.1.3"},"attributes":{"hardware_cpe":"cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*"}}'
check "ax-01 checks in running the release (its hardware CPE as an attribute)" bash -c "curl -sSf -o /dev/null -H 'Authorization: Bearer $DT1' --data-binary '$CI' '$FLW_URL/device/v1/checkin'"
check "ax-02 checks in running it too, without its firmware version" bash -c "curl -sSf -o /dev/null -H 'Authorization: Bearer $DT2' --data-binary '{\"installed\":{\"target\":\"fw/ax21.img\"}}' '$FLW_URL/device/v1/checkin'"
check "ax-01: safety-critical, internet-exposed" bash -c "curl -sSf -o /dev/null -X PATCH -H '$AA' --data-binary '{\"class\":\"safety-critical\",\"internet_exposed\":true}' '$FLW_URL/api/v1/devices/ax-01'"
check "ax-02: the policy's own class 'lab'" bash -c "curl -sSf -o /dev/null -X PATCH -H '$AA' --data-binary '{\"class\":\"lab\",\"internet_exposed\":false,\"segment\":\"VLAN 7\"}' '$FLW_URL/api/v1/devices/ax-02'"

# ---- before any feed ----------------------------------------------------------------------------
check "an assessment exists from start-up" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/assessment' | jq -e '.findings == 0 and .incremental == false'"
check "no feeds yet" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/feeds' | jq -e '.items == [] and .total == 0 and .cves == 0'"

# ---- feeds --------------------------------------------------------------------------------------
upload "$V/nvd_api2_sample.json" "name=nvd_api2_sample.json"
check "NVD upload: 200" test "$CODE" = 200
check "... told to be nvd, 12 records added, complete" jq -e '.import.kind == "nvd" and .stats.records == 12 and .stats.added == 12 and .complete == true and .error == null and .duplicate == false and .changed == 12' up.json
check "... the sha256 of the bytes, and the answer carries the assessment" jq -e --arg s "$(sha256sum <"$V/nvd_api2_sample.json" | cut -d' ' -f1)" \
	'.import.sha256 == $s and .assessment.findings > 0 and .assessment.devices == 2' up.json
check "... kept at DATA/feeds/<sha256>" test -s "$FLW_DATA/feeds/$(sha256sum <"$V/nvd_api2_sample.json" | cut -d' ' -f1)"
upload "$V/kev/known_exploited_vulnerabilities.json" "name=kev.json"
check "KEV upload (sniffed)" jq -e '.import.kind == "kev" and .stats.records > 1000' up.json
upload "$V/epss_sample.csv" "kind=epss&name=epss.csv"
check "EPSS upload (kind given)" jq -e '.import.kind == "epss" and .stats.added > 1000' up.json
upload "$V/cve5_iot_sample.jsonl" "name=cve5.jsonl"
check "CVE 5 JSON lines (6 MB, streamed)" jq -e '.import.kind == "cve5-jsonl" and .stats.records == 1975' up.json
check "... the records the matcher refused in part are listed (first 100) with their ids" jq -e \
	'.errors_total == (.stats.refused + .stats.failed) and (.errors | length) == ([.errors_total, 100] | min) and (.errors[0].id | startswith("CVE-")) and .errors[0].record_kept == true' up.json
upload "$V/nvd_api2_sample.json" "name=again.json"
check "the same bytes again: duplicate, nothing imported" jq -e '.duplicate == true and .stats.records == 0 and .changed == 0 and .import.name == "nvd_api2_sample.json"' up.json
check "feed list: 4 imports, newest first, counts" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/feeds' | jq -e '.total == 4 and .items[0].kind == \"cve5-jsonl\" and .cves > 3000 and .kev > 1000 and .epss > 1000 and .items[3].stats.records == 12'"
head -c 20000 "$V/nvd_api2_sample.json" >cut.json
upload cut.json "kind=nvd&name=cut.json"
check "a truncated file: 200, partial, the error said, recorded" jq -e '.complete == false and .error.code == "format" and .stats.records > 0 and .import.stats.complete == false' up.json

# refusals
check "unknown kind: 400 naming it" bash -c "[ \$(curl -sS -o r.json -w '%{http_code}' -H '$AA' --data-binary @'$V/epss_sample.csv' '$FLW_URL/api/v1/feeds?kind=osv') = 400 ] && jq -e '.error.code == \"format\" and .error.field == \"kind\"' r.json"
printf 'hello, world\n' >junk.txt
upload junk.txt
check "a body whose kind cannot be told: 400" bash -c "[ $CODE = 400 ] && jq -e '.error.field == \"kind\"' up.json"
printf '{' >brace.json
upload brace.json "kind=nvd"
check "a file without a single record: 400, not recorded" bash -c "[ $CODE = 400 ] && curl -sSf -H '$AA' '$FLW_URL/api/v1/feeds' | jq -e '.total == 5'"
head -c $((9 * 1024 * 1024)) /dev/zero >big.bin
upload big.bin "kind=nvd"
check "over --feed-max-bytes: 413 limit" bash -c "[ $CODE = 413 ] && jq -e '.error.code == \"limit\"' up.json"
chunked413() {
	local code
	code=$(curl -sS -o ch.json -w '%{http_code}' -H "$AA" -H 'Transfer-Encoding: chunked' --data-binary @big.bin "$FLW_URL/api/v1/feeds?kind=nvd")
	[ "$code" = 413 ] && jq -e '.error.code == "limit"' ch.json >/dev/null
}
check "... chunked too (streamed: refused while reading)" chunked413
check "nothing left in DATA/feeds/tmp" bash -c "[ -z \"\$(ls -A '$FLW_DATA/feeds/tmp')\" ]"
VT=$(curl -sSf -H "$AA" -d '{"name":"viewer1","role":"viewer"}' "$FLW_URL/api/v1/tokens" | jq -r .token)
upload "$V/epss_sample.csv" "" "$VT"
check "a viewer cannot import (403)" bash -c "[ $CODE = 403 ] && jq -e '.error.code == \"perm\"' up.json"
get "/api/v1/audit?limit=200" >audit.json
check "audit: feed.import rows (stored with the import, and the refused ones)" jq -e \
	'([.items[] | select(.action == "feed.import" and .result == 0)] | length) >= 5 and ([.items[] | select(.action == "feed.import" and .actor == "token:viewer1" and .result != 0)] | length) == 1' audit.json
check "... the detail names kind and name" jq -e '[.items[] | select(.action == "feed.import" and .result == 0 and (.detail // "" | fromjson? | .kind == "kev"))] | length == 1' audit.json

# ---- findings -----------------------------------------------------------------------------------
get /api/v1/devices/ax-01/findings >f1.json
check "ax-01 carries CVE-2023-1389 on the AX21 firmware" jq -e \
	'[.items[] | select(.cve == "CVE-2023-1389" and .component == "archer_ax21_firmware" and .component_version == "1.1.3" and .release == "fw/ax21.img")] | length == 1' f1.json
check "... act: KEV, internet-exposed, safety-critical; overdue at once" jq -e \
	'.items[0].cve == "CVE-2023-1389" and .items[0].decision == "act" and .items[0].state == "open" and .items[0].overdue == true and .items[0].kev == true and .items[0].due == 1684713600' f1.json
check "... explained: reasons with codes, the match" jq -e \
	'(.items[0].reasons | map(.code) | index("kev") != null and index("decision") != null) and (.items[0].match[0] == "version in range") and .items[0].cvss == 8.8 and .items[0].epss > 0.9' f1.json
check "ax-02 (class lab from the policy, LAN): same CVE, another decision" bash -c \
	"curl -sSf -H '$AA' '$FLW_URL/api/v1/findings?device=ax-02&cve=CVE-2023-1389' | jq -e '.total == 1 and .items[0].decision != \"act\" and ([.items[0].reasons[] | select(.code == \"class\")][0].text | startswith(\"lab\"))'"
check "filters: decision=act, overdue=true, class, min_score" bash -c \
	"curl -sSf -H '$AA' '$FLW_URL/api/v1/findings?decision=act' | jq -e '[.items[].device] | unique == [\"ax-01\"]' && curl -sSf -H '$AA' '$FLW_URL/api/v1/findings?overdue=true&class=safety-critical&min_score=80' | jq -e '.total >= 1'"
check "listing order: open first, decision, score" bash -c \
	"curl -sSf -H '$AA' '$FLW_URL/api/v1/findings?limit=1000' | jq -e '.items[0].decision == \"act\" and (.items | length) == .total and ([.items[].state] | index(\"fixed\")) == null'"
check "?limit=1&offset=1 pages" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/findings?limit=1&offset=1' | jq -e '(.items | length) == 1 and .total > 1'"
check "bad filters: 400 naming the argument" bash -c \
	"for q in state=closed decision=now overdue=maybe min_score=101 limit=5000 device=a%2Fb; do curl -sS -o q.json -w '%{http_code}' -H '$AA' \"$FLW_URL/api/v1/findings?\$q\" | grep -q 400 || { echo \$q; exit 1; }; done"
check "unknown device: 404" expect_status 404 GET /api/v1/devices/nobody/findings "" -H "$AA"
check "a viewer may read findings" bash -c "curl -sSf -H 'Authorization: Bearer $VT' '$FLW_URL/api/v1/findings' | jq -e '.total > 0'"

# ---- the CVE and the assessment -----------------------------------------------------------------
check "GET /api/v1/vulns/CVE-2023-1389" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/vulns/CVE-2023-1389' | jq -e '.severity == \"HIGH\" and .cvss.score == 8.8 and .cvss.version == \"3.1\" and .kev.date_added == 1682899200 and .epss.score > 0.9 and .devices == 2 and (.description | length) > 20'"
check "unknown CVE: 404" expect_status 404 GET /api/v1/vulns/CVE-1999-99999 "" -H "$AA"
check "not a CVE id: 400" expect_status 400 GET /api/v1/vulns/xyz "" -H "$AA"
post /api/v1/assessment '{}'
check "POST /api/v1/assessment {}: run now" bash -c "[ $CODE = 200 ] && jq -e '.incremental == true and .devices == 2 and .releases == 1 and .findings > 0 and .open > 0 and .cves > 0 and (.seconds | type) == \"number\"' post.json"
post /api/v1/assessment '{"full":true}'
check "... anything but {} is 400" test "$CODE" = 400
post /api/v1/assessment '{}' "$VT"
check "... not for a viewer (403)" test "$CODE" = 403

# ---- risk acceptance ----------------------------------------------------------------------------
EXP=$(($(date +%s) + 30 * 86400))
ACC="{\"device\":\"ax-02\",\"cve\":\"CVE-2023-1389\",\"component\":\"archer_ax21_firmware\",\"reason\":\"isolated lab VLAN\",\"expires\":$EXP}"
post /api/v1/findings/accept "$ACC" "$VT"
check "a viewer cannot accept (403)" test "$CODE" = 403
post /api/v1/findings/accept "$ACC"
check "accept: 200 with the finding, accepted" bash -c "[ $CODE = 200 ] && jq -e '.state == \"accepted\" and .accept.reason == \"isolated lab VLAN\" and .accept.approver == \"admin\" and .accept.expires == $EXP and .decision != null' post.json"
post /api/v1/findings/accept "$ACC"
check "accept again: 409 state" bash -c "[ $CODE = 409 ] && jq -e '.error.code == \"state\"' post.json"
post /api/v1/findings/accept "${ACC/$EXP/$(($(date +%s) + 400 * 86400))}"
check "an expiry more than 365 days ahead: 400" bash -c "[ $CODE = 400 ] && jq -e '.error.field == \"expires\"' post.json"
post /api/v1/findings/accept "${ACC/CVE-2023-1389/CVE-2023-0286}"
check "no such finding: 404" test "$CODE" = 404
check "the listing shows it accepted" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/findings?state=accepted' | jq -e '.total == 1 and .items[0].device == \"ax-02\"'"
get "/api/v1/audit?limit=300" >audit.json
check "audit: finding.accept with the body as detail" jq -e \
	'[.items[] | select(.action == "finding.accept" and .result == 0 and .object == "finding:ax-02/CVE-2023-1389/archer_ax21_firmware" and (.detail | fromjson | .reason == "isolated lab VLAN"))] | length == 1' audit.json
check "... and the refused ones" jq -e '[.items[] | select(.action == "finding.accept" and .result != 0)] | length >= 3' audit.json

# ---- models, end of life ------------------------------------------------------------------------
put() { CODE=$(curl -sS -o put.json -w '%{http_code}' -X PUT -H "Authorization: Bearer ${3:-$FLW_ADMIN_TOKEN}" --data-binary "$2" "$FLW_URL$1"); }
put /api/v1/models/cam-v2 '{"support_end":"2020-01-01"}'
check "PUT /api/v1/models/cam-v2" bash -c "[ $CODE = 200 ] && jq -e '. == {\"hwid\":\"cam-v2\",\"support_end\":\"2020-01-01\"}' put.json"
put /api/v1/models/cam-v2 '{"support_end":"2020-02-30"}'
check "... a date that does not exist: 400" test "$CODE" = 400
put /api/v1/models/cam-v2 '{"support_end":"2020-01-01"}' "$VT"
check "... not for a viewer (403)" test "$CODE" = 403
check "GET /api/v1/models" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/models' | jq -e '.items == [{\"hwid\":\"cam-v2\",\"support_end\":\"2020-01-01\",\"devices\":2}]'"
post /api/v1/assessment '{}'
check "after a run: eol report recommends replacing ax-01" bash -c \
	"curl -sSf -H '$AA' '$FLW_URL/api/v1/reports/eol' | jq -e '.items[0].device == \"ax-01\" and .items[0].action == \"replace\" and .items[0].support_end == \"2020-01-01\" and .items[0].worst == \"act\" and (.items[0].reasons | length) > 0'"
check "audit: model.support_end" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/audit?limit=50' | jq -e '[.items[] | select(.action == \"model.support_end\" and .result == 0 and .object == \"model:cam-v2\")] | length == 1'"

# ---- reports ------------------------------------------------------------------------------------
for r in summary mttp deadlines completeness update-channel kev-exposure patch-queue eol; do
	check "report $r (JSON, viewer)" bash -c "curl -sSf -H 'Authorization: Bearer $VT' '$FLW_URL/api/v1/reports/$r' | jq -e '.at > 0'"
	check "report $r (CSV)" bash -c "curl -sSf -D h.txt -H '$AA' '$FLW_URL/api/v1/reports/$r?format=csv' >r.csv && grep -qi '^content-type: text/csv' h.txt && [ \$(head -1 r.csv | tr ',' '\n' | wc -l) -ge 2 ]"
done
check "summary figures" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/reports/summary' | jq -e '.devices == 2 and .findings_open > 0 and .by_decision.act == 1 and .devices_overdue >= 1 and .eol_devices == 2 and .completeness.share == 0.5 and .completeness.flagged == true'"
check "completeness ?period=&min_share=: ax-02 never reported its firmware version" bash -c \
	"curl -sSf -H '$AA' '$FLW_URL/api/v1/reports/completeness?period=3600&min_share=0.4' | jq -e '.period == 3600 and .min_share == 0.4 and .flagged == false and .items == [{\"device\":\"ax-02\",\"missing\":[\"firmware_version\"]}]'"
check "kev-exposure: CVE-2023-1389, open on one device (the other accepted)" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/reports/kev-exposure' | tee kev.json | jq -e '[.items[] | select(.cve == \"CVE-2023-1389\")][0] | .devices == 1 and .days == 46.03'"
check "deadlines CSV" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/reports/deadlines?format=csv' >d.csv && head -1 d.csv | grep -q '^device,cve,component,decision,score,due,days_overdue$' && grep -q '^ax-01,CVE-2023-1389,archer_ax21_firmware,act,88,1684713600,' d.csv"
check "unknown report: 404" expect_status 404 GET /api/v1/reports/top10 "" -H "$AA"
check "bad report arguments: 400" bash -c "for q in period=0 min_share=2 format=xml; do curl -sS -o q.json -w '%{http_code}' -H '$AA' \"$FLW_URL/api/v1/reports/summary?\$q\" | grep -q 400 || { echo \$q; exit 1; }; done"

# ---- revoke, then a restart keeps everything ---------------------------------------------------
REV='{"device":"ax-02","cve":"CVE-2023-1389","component":"archer_ax21_firmware"}'
post /api/v1/findings/revoke "$REV"
check "revoke: open again" bash -c "[ $CODE = 200 ] && jq -e '.state == \"open\" and .reopen_count == 1 and .accept == null' post.json"
post /api/v1/findings/revoke "$REV"
check "revoke again: 409 state" test "$CODE" = 409
check "audit: finding.revoke" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/audit?limit=50' | jq -e '[.items[] | select(.action == \"finding.revoke\" and .result == 0)] | length == 1'"
post /api/v1/findings/accept "$ACC"
check "accepted once more (kept over the restart)" test "$CODE" = 200
keyset() { curl -sSf -H "$AA" "$FLW_URL/api/v1/findings?limit=1000" | jq -c '[.items[] | {device, cve, component, state, first_seen, opened, reopen_count, decision, score, due, accept}] | sort_by(.device, .cve, .component)'; }
keyset >before.json
get /api/v1/feeds | jq -c '[.items[] | {id, kind, sha256}]' >feeds-before.json
flw_stop_server
flw_start_server --policy "$FLW_TMP/good.policy" --feed-max-bytes 8M --assess-interval 0
check "the restart replayed the recorded imports" grep -q "vulnerability data: 5 feed imports replayed" "$FLW_TMP/fleetwardd.log"
keyset >after.json
check "after a restart: the same findings, states and history" cmp before.json after.json
check "... the same imports (none recorded twice)" bash -c "curl -sSf -H '$AA' '$FLW_URL/api/v1/feeds' | jq -c '[.items[] | {id, kind, sha256}]' | cmp - feeds-before.json"
upload "$V/cve5_iot_sample.jsonl" "name=again"
check "... and a known file is still a duplicate" jq -e '.duplicate == true' up.json
check "the server never answered 5xx" bash -c "! curl -sS '$FLW_URL/metrics' | grep -E 'code=\"5[0-9][0-9]\"'"

# ---- periodic re-assessment picks up inventory changes -----------------------------------------
flw_stop_server
flw_start_server --policy "$FLW_TMP/good.policy" --assess-interval 1
AT0=$(get /api/v1/assessment | jq .at)
check "ax-02 reports its firmware version" bash -c "curl -sSf -o /dev/null -H 'Authorization: Bearer $DT2' --data-binary '{\"installed\":{\"target\":\"fw/ax21.img\",\"version\":\"1.1.3\"}}' '$FLW_URL/device/v1/checkin'"
periodic() {
	local i
	for i in $(seq 1 40); do
		get /api/v1/reports/completeness | jq -e --argjson t "$AT0" '.at > $t and .complete == 2' >/dev/null && return 0
		sleep 0.25
	done
	get /api/v1/reports/completeness
	return 1
}
check "--assess-interval 1: a new assessment without a request, seeing the check-in" periodic
flw_done
