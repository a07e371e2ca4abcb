#!/bin/bash
# 530_cli_vuln.sh - vulnerabilities through the real CLI against a real fleetwardd: `feed import`
# of every vulndata file (local parse with progress on stderr, upload, the server's numbers), a
# file with a malformed record (reported by id, the rest imported), wrong kinds refused (exit 1),
# findings of devices running SBOM releases (`finding list` as table, --json and --csv),
# accept/revoke round trip in `finding show`, `vuln show`, `feed list`, `model set`, every
# `report NAME` as text, --json and --csv, and the usage errors (exit 2).
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
VD=$FLW_SRC_DIR/../shared/vulndata
[ -f "$VD/nvd_api2_sample.json" ] || flw_skip "no vulnerability data at $VD"
command -v python3 >/dev/null || flw_skip "python3 missing"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
flw_start_server --assess-interval 0

# rc WANT CMD...: the command's exit status is WANT; its output is in out.txt / err.txt
rc() {
	local want=$1 got
	shift
	"$@" >out.txt 2>err.txt
	got=$?
	[ "$got" = "$want" ] || { echo "exit $got, wanted $want: $*"; cat out.txt err.txt | head -20; return 1; }
}
# json FILE / csv FILE [MIN_ROWS]: parse with python3
json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }
csv_rows() { python3 -c 'import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1], newline="")))))' "$1"; }

# ---- two releases with SBOMs, four devices ----------------------------------------------------
"$F" keygen -o root.key >/dev/null 2>&1 && "$F" keygen -o t.key >/dev/null 2>&1
check "repo init" "$F" repo init --root-key root.key --targets-key t.key -o root.json
sbom() { # sbom OPENSSL BUSYBOX DNSMASQ [AX21]: a CycloneDX 1.5 SBOM on stdout
	python3 - "$@" <<'EOF'
import json, sys
o, b, d = sys.argv[1:4]
comps = [
    {"type": "library", "name": "openssl", "version": o, "cpe": "cpe:2.3:a:openssl:openssl:%s:*:*:*:*:*:*:*" % o},
    {"type": "application", "name": "busybox", "version": b, "cpe": "cpe:2.3:a:busybox:busybox:%s:*:*:*:*:*:*:*" % b},
    {"type": "application", "name": "dnsmasq", "version": d, "cpe": "cpe:2.3:a:thekelleys:dnsmasq:%s:*:*:*:*:*:*:*" % d},
]
if len(sys.argv) > 4:
    comps.append({"type": "firmware", "name": "archer_ax21_firmware", "version": sys.argv[4],
                  "cpe": "cpe:2.3:o:tp-link:archer_ax21_firmware:%s:*:*:*:*:*:*:*" % sys.argv[4]})
print(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps}))
EOF
}
sbom 1.0.2zf 1.35.0 2.89 1.1.3 >old.sbom.json
sbom 1.0.2zg 1.36.1 2.90 >new.sbom.json
head -c 20000 /dev/urandom >old.img
head -c 20000 /dev/urandom >new.img
check "release create 1.0 (openssl 1.0.2zf, busybox 1.35.0, dnsmasq 2.89, archer fw 1.1.3)" \
	"$F" release create old.img --name fw/cam-1.0.img --version 1.0 --hardware cam-v2 \
	--sbom old.sbom.json --key t.key -o old.json
check "release upload 1.0" "$F" release upload --metadata old.json old.img old.sbom.json
sleep 1 # 1.1 is the later release (times are in seconds)
check "release create 1.1 (the fixed versions)" "$F" release create new.img --name fw/cam-1.1.img \
	--version 1.1 --hardware cam-v2 --sbom new.sbom.json --key t.key -o new.json
check "release upload 1.1" "$F" release upload --metadata new.json new.img new.sbom.json

srv_dev_keygen d1 || flw_skip "openssl cannot make ed25519 keys"
ETOK=$(flw_api POST /api/v1/enrollment-tokens '{"name":"e","uses":-1}' | jq -r .token)
declare -A DT
for d in cam-01 cam-02 cam-03 cam-04; do
	srv_dev_keygen "$d"
	srv_post /device/v1/enroll "$(srv_enroll_body "$d" "$d" "$ETOK")"
	DT[$d]=$(jq -r .token "$FLW_TMP/srv.body")
done
check "four devices enrolled" test "$SRV_CODE" = 200 -a "${DT[cam-04]}" != null
checkin() { # checkin DEVICE TARGET VERSION
	curl -sSf -X POST -H "Authorization: Bearer ${DT[$1]}" -H 'Content-Type: application/json' \
		--data-binary "{\"installed\":{\"target\":\"$2\",\"version\":\"$3\"}}" \
		"$FLW_URL/device/v1/checkin" >/dev/null
}
running() { checkin cam-01 fw/cam-1.0.img 1.0 && checkin cam-02 fw/cam-1.0.img 1.0 && checkin cam-03 fw/cam-1.1.img 1.1; }
check "cam-01 and cam-02 run 1.0, cam-03 runs 1.1 (cam-04 never says)" running
check "cam-01: safety-critical, internet-exposed" "$F" device set cam-01 --class safety-critical --internet-exposed yes
check "cam-02: non-critical, on a LAN segment" "$F" device set cam-02 --class non-critical --internet-exposed no --segment lab

# ---- usage errors: exit 2, saying what to type ------------------------------------------------
check "feed import without a path: exit 2" rc 2 "$F" feed import
check "feed import --kind nosuch: exit 2" rc 2 "$F" feed import --kind nosuch "$VD/epss_sample.csv"
check "... naming the kinds" grep -q "give nvd, cve5, cve5-jsonl, kev or epss" err.txt
mkdir -p pages
check "a directory with --kind kev: exit 2" rc 2 "$F" feed import --kind kev pages
check "report without a name: exit 2" rc 2 "$F" report
check "report nosuch: exit 2, listing the reports" rc 2 "$F" report nosuch
check "... listing the reports" grep -q "summary, mttp, deadlines, completeness, update-channel, kev-exposure, patch-queue or eol" err.txt
check "report --period 7x: exit 2" rc 2 "$F" report completeness --period 7x
check "report --min-share 2: exit 2" rc 2 "$F" report completeness --min-share 2
check "report --json --csv: exit 2" rc 2 "$F" report summary --json --csv
check "finding list --state closed: exit 2" rc 2 "$F" finding list --state closed
check "finding list --limit 5000: exit 2" rc 2 "$F" finding list --limit 5000
check "finding accept without --reason: exit 2" rc 2 "$F" finding accept cam-01 CVE-2023-0286 openssl --expires +30d
check "finding accept --expires soon: exit 2" rc 2 "$F" finding accept cam-01 CVE-2023-0286 openssl --reason r --expires soon
check "finding accept --expires in the past: exit 2" rc 2 "$F" finding accept cam-01 CVE-2023-0286 openssl --reason r --expires 2020-01-01
check "model set --support-end 2026-02-30: exit 2" rc 2 "$F" model set cam-v2 --support-end 2026-02-30
check "finding show with one argument: exit 2" rc 2 "$F" finding show cam-01
for c in "feed import" "feed list" "vuln show" assess assessment "finding list" "finding show" \
	"finding accept" "finding revoke" "model list" "model set" report; do
	check "'$c --help' exits 0 with its usage" bash -c "'$F' $c --help | head -1 | grep -q '^usage: fleetward $c'"
done

# ---- feed import: every vulndata file ---------------------------------------------------------
check "feed import NVD sample" rc 0 "$F" feed import "$VD/nvd_api2_sample.json"
check "... the local parse on stderr (records, malformed, rate)" grep -qE "^parsed .*nvd_api2_sample.json as nvd: 68.3 KiB, 12 records, 0 malformed, 0 parts the matcher skipped \(records kept\), [0-9.]+ s \([0-9]+ records/s\)" err.txt
check "... the server's numbers on stdout" grep -qE "nvd_api2_sample.json: imported as feed #1 \(nvd, 68.3 KiB, sha256 [0-9a-f]{16}...\)" out.txt
check "... 12 added" grep -qE "^  12 records: 12 added, 0 replaced, 0 unchanged, 0 malformed" out.txt
check "... and the assessment" grep -qE "^  assessment: [0-9]+ open findings" out.txt
check "feed import CVE 5 JSON lines (kind told from the first bytes)" rc 0 "$F" feed import "$VD/cve5_iot_sample.jsonl"
check "... parsed as cve5-jsonl, 1975 records" grep -qE "as cve5-jsonl: 6.0 MiB, 1975 records, 0 malformed, 39 parts the matcher skipped \(records kept\)" err.txt
check "... the entries the matcher skipped, by CVE id and field" grep -q "record kept: CVE-2023-38469 (line 293): 'cpe:/o:redhat:enterprise_linux:6': a CPE 2.2 URI.*(field 'containers.cna.affected\[1\].cpes\[0\]')" err.txt
check "... imported" grep -qE "^  1975 records: 1975 added" out.txt
check "feed import KEV and EPSS in one call, --json" rc 0 "$F" feed import --json "$VD/kev/known_exploited_vulnerabilities.json" "$VD/epss_sample.csv"
cp out.txt import.json
check "... --json is a JSON array of the server's two answers" python3 -c '
import json; a = json.load(open("import.json"))
assert isinstance(a, list) and len(a) == 2, a
assert [x["import"]["kind"] for x in a] == ["kev", "epss"], a
assert a[0]["stats"]["records"] == 1404 and a[1]["stats"]["records"] == 3377, [x["stats"] for x in a]'
check "... progress still on stderr" grep -q "as kev: 1.2 MiB, 1404 records" err.txt
check "the same file again: a duplicate, exit 0" rc 0 "$F" feed import "$VD/nvd_api2_sample.json"
check "... said so" grep -q "already imported as feed #1 (same sha256); nothing changed" out.txt

# an NVD page with one broken record: reported by id, the other 11 imported
python3 - "$VD/nvd_api2_sample.json" <<'EOF' >broken.json
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["vulnerabilities"]:
    v["cve"]["lastModified"] = "2026-09-01T00:00:00.000"
d["vulnerabilities"][3]["cve"]["published"] = "the day before yesterday"
json.dump(d, sys.stdout, indent=1)
EOF
BROKEN=$(jq -r '.vulnerabilities[3].cve.id' broken.json)
check "an NVD page with a malformed record is imported (exit 0)" rc 0 "$F" feed import broken.json
check "... the record named with its id, index and reason" grep -qE "^  malformed: $BROKEN \(record 3\): .*published" err.txt
check "... counted in the local pass" grep -qE "as nvd: .*12 records, 1 malformed" err.txt
check "... and by the server: 11 replaced, 1 malformed" grep -qE "^  12 records: 0 added, 11 replaced, 0 unchanged, 1 malformed" out.txt

# directory: every *.json in name order, as NVD pages
jq '.vulnerabilities |= .[0:6] | .vulnerabilities[].cve.lastModified = "2026-10-01T00:00:00.000"' broken.json >pages/b.json
jq '.vulnerabilities |= .[6:] | .vulnerabilities[].cve.lastModified = "2026-10-01T00:00:00.000"' broken.json >pages/a.json
echo "not json" >pages/notes.txt
check "feed import DIR: every *.json, in name order" rc 0 "$F" feed import pages
check "... a.json before b.json" bash -c "grep -o 'pages/[ab].json: imported' out.txt | tr '\n' ' ' | grep -q 'pages/a.json: imported pages/b.json: imported'"
check "... notes.txt left alone" bash -c "! grep -q notes.txt out.txt err.txt"

# wrong kinds are refused with exit 1 and say why
check "--kind kev on an NVD response: exit 1" rc 1 "$F" feed import --kind kev "$VD/nvd_api2_sample.json"
check "... not the KEV catalogue" grep -q "refused: not the CISA KEV catalogue: " err.txt
check "... with the hint" grep -q "hint: the kind was kev (from --kind)" err.txt
check "--kind cve5-jsonl on a KEV catalogue: exit 1" rc 1 "$F" feed import --kind cve5-jsonl "$VD/kev/known_exploited_vulnerabilities.json"
check "... none of its records is a CVE 5 record" grep -q "refused: none of its .* records is a CVE JSON 5 record" err.txt
check "--kind epss on an NVD response: exit 1" rc 1 "$F" feed import --kind epss "$VD/nvd_api2_sample.json"
check "... not an EPSS CSV" grep -q "refused: not a FIRST EPSS CSV: line 1: expected the header" err.txt
check "--kind nvd on CVE 5 JSON lines: exit 1" rc 1 "$F" feed import --kind nvd "$VD/cve5_iot_sample.jsonl"
printf 'hello\n' >hello.txt
check "a file of no known kind: exit 1" rc 1 "$F" feed import hello.txt
check "... cannot tell the kind" grep -q "cannot tell the kind of feed from its first bytes" err.txt
check "a missing file: exit 1" rc 1 "$F" feed import nosuch.json
check "one refused file among good ones: exit 1, the good one imported" rc 1 "$F" feed import hello.txt "$VD/epss_sample.csv"
check "... the good one answered" grep -q "epss_sample.csv: already imported" out.txt
check "--no-local-parse --kind epss on an NVD response: the server refuses it, exit 1" rc 1 "$F" feed import --no-local-parse --kind epss "$VD/nvd_api2_sample.json"
check "... with the server's reason" grep -qE "format: .*header" err.txt
jq '.vulnerabilities[].cve.lastModified = "2026-10-02T00:00:00.000"' broken.json >broken2.json
check "--no-local-parse: the server parses" rc 0 "$F" feed import --no-local-parse broken2.json
check "... no local pass" bash -c "! grep -q '^parsed ' err.txt"
check "... the server's malformed record shown by id" grep -qE "^  malformed: $BROKEN \(record 3\): .*published" err.txt
check "... and its numbers" grep -qE "^  12 records: 0 added, 11 replaced, 0 unchanged, 1 malformed" out.txt

# ---- feed list, vuln show ---------------------------------------------------------------------
check "feed list" rc 0 "$F" feed list
check "... a table of the imports" grep -qE "^ID +KIND +NAME +RECORDS" out.txt
check "... and the CVE counts" grep -qE "^[0-9]+ CVEs known: 1404 on CISA KEV, 3377 with an EPSS score" out.txt
check "feed list --json" bash -c "'$F' feed list --json >fl.json && jq -e '.items | length >= 7' fl.json >/dev/null"
check "vuln show CVE-2023-1389" rc 0 "$F" vuln show CVE-2023-1389
check "... CVSS, KEV and EPSS" bash -c "grep -qE '^cvss score: +8.8' out.txt && grep -qE '^kev added: +2023-05-01' out.txt && grep -qE '^epss: ' out.txt"
check "vuln show --json" bash -c "'$F' vuln show CVE-2023-0286 --json >v.json && jq -e '.id == \"CVE-2023-0286\" and .cvss.score != null' v.json >/dev/null"
check "vuln show of an unknown CVE: exit 1" rc 1 "$F" vuln show CVE-1999-99999

# ---- assessment and findings ------------------------------------------------------------------
check "assess" rc 0 "$F" assess
check "... prints the numbers" grep -qE "^open: +[1-9]" out.txt
check "assessment --json" bash -c "'$F' assessment --json >a.json && jq -e '.devices == 4 and .open > 0' a.json >/dev/null"
check "finding list" rc 0 "$F" finding list
check "... cam-01's openssl finding" grep -qE "^cam-01 +CVE-2023-0286 +openssl +1.0.2zf +open" out.txt
check "... cam-03 runs the fixed versions: none of their CVEs" bash -c "! grep -qE '^cam-03 +(CVE-2023-0286|CVE-2022-30065|CVE-2023-28450|CVE-2023-1389) ' out.txt"
check "finding list --json parses" bash -c "'$F' finding list --json >fl.json && python3 -c 'import json; d = json.load(open(\"fl.json\")); assert d[\"total\"] == len(d[\"items\"]) > 0'"
TOTAL=$(jq .total fl.json)
check "finding list --csv parses: a header and one row per finding" bash -c "'$F' finding list --csv >fl.csv && [ \"\$(python3 -c 'import csv; r = list(csv.DictReader(open(\"fl.csv\", newline=\"\"))); assert r[0][\"device\"] and r[0][\"cve\"].startswith(\"CVE-\"); print(len(r))')\" = $TOTAL ]"
check "... with the reasons as 'code: text'" python3 -c 'import csv; r = list(csv.DictReader(open("fl.csv", newline=""))); assert all(x["reasons"].split("; ")[0].count(": ") >= 1 for x in r if x["state"] == "open"), r[0]["reasons"]'
check "finding list --device cam-02 --cve CVE-2023-0286 --json" bash -c "'$F' finding list --device cam-02 --cve CVE-2023-0286 --json | jq -e '[.items[] | .device + \" \" + .cve] == [\"cam-02 CVE-2023-0286\"]' >/dev/null"
check "finding list --overdue (KEV CVE-2023-1389 is past its KEV due date)" bash -c "'$F' finding list --overdue --json | jq -e '[.items[] | select(.cve == \"CVE-2023-1389\")] | length == 2' >/dev/null"
check "finding list --json --csv: exit 2" rc 2 "$F" finding list --json --csv
check "finding show cam-01 CVE-2023-0286" rc 0 "$F" finding show cam-01 CVE-2023-0286
check "... state, decision and deadline" bash -c "grep -qE '^state: +open' out.txt && grep -qE '^decision: +(act|attend|track\\*|track)' out.txt && grep -qE '^due: +20[0-9]{2}-' out.txt"
check "... reasons as 'code: text'" bash -c "grep -q '^reasons:' out.txt && grep -qE '^  (kev|epss|exploitation|automatable|technical-impact|exposure|class|cvss|match|decision|score|deadline|eol): .+' out.txt"
check "... the fix: release 1.1" grep -qE '^fix release: +fw/cam-1.1.img' out.txt
check "finding show of no finding: exit 1" rc 1 "$F" finding show cam-03 CVE-2023-0286

# accept / revoke round trip
REASON='isolated by firewall rule 12, "dmz" only'
check "finding accept" rc 0 "$F" finding accept cam-01 CVE-2023-0286 openssl --reason "$REASON" --expires +30d
check "... says until when" grep -qE "^accepted CVE-2023-0286 on 'cam-01' \(openssl\) until 20[0-9-]+ \(in (29|30)d\)" out.txt
show_accepted() {
	"$F" finding show cam-01 CVE-2023-0286 openssl >s.txt && grep -qE '^state: +accepted' s.txt &&
		grep -qE '^accepted by: +admin' s.txt && grep -E '^accept reason: ' s.txt | grep -qF "$REASON"
}
show_accepted_json() {
	"$F" finding show cam-01 CVE-2023-0286 openssl --json |
		jq -e --arg r "$REASON" '.items[0].state == "accepted" and .items[0].accept.reason == $r' >/dev/null
}
check "finding show: accepted, by whom (the token's name), why" show_accepted
check "finding show --json: the acceptance" show_accepted_json
"$F" finding list --state accepted --csv >acc.csv
check "finding list --state accepted --csv: the reason's comma and quotes survive the CSV" python3 -c '
import csv, sys
r = list(csv.DictReader(open("acc.csv", newline="")))
assert [(x["device"], x["cve"], x["accept_reason"]) for x in r] == [("cam-01", "CVE-2023-0286", sys.argv[1])], r' "$REASON"
check "... quoted with the quotes doubled" grep -qF '"isolated by firewall rule 12, ""dmz"" only"' acc.csv
check "accepting it again: exit 1 (409 state) with a hint" rc 1 "$F" finding accept cam-01 CVE-2023-0286 openssl --reason again --expires +5d
check "... hint" grep -q "^hint: " err.txt
check "accepting a finding that does not exist: exit 1" rc 1 "$F" finding accept cam-03 CVE-2023-0286 openssl --reason r --expires +5d
check "accepting for more than a year: exit 1 (the server's limit)" rc 1 "$F" finding accept cam-02 CVE-2023-0286 openssl --reason r --expires +400d
check "finding revoke" rc 0 "$F" finding revoke cam-01 CVE-2023-0286 openssl
check "... open again" grep -q "it is open again" out.txt
check "finding show: open, no acceptance" bash -c "'$F' finding show cam-01 CVE-2023-0286 openssl >s.txt && grep -qE '^state: +open' s.txt && ! grep -q '^accepted by:' s.txt"
check "revoking again: exit 1" rc 1 "$F" finding revoke cam-01 CVE-2023-0286 openssl
VT=$("$F" token create viewer1 --role viewer 2>/dev/null)
check "a viewer cannot accept: exit 1 with the role hint" rc 1 env FLEETWARD_TOKEN="$VT" "$F" finding accept cam-01 CVE-2023-0286 openssl --reason r --expires +5d
check "... hint names the role" grep -q "token's role" err.txt
check "a viewer can list findings" rc 0 env FLEETWARD_TOKEN="$VT" "$F" finding list

# ---- models ---------------------------------------------------------------------------------
check "model set cam-v2 --support-end 2024-01-31 (past)" rc 0 "$F" model set cam-v2 --support-end 2024-01-31
check "model list" bash -c "'$F' model list | grep -E '^cam-v2 +2024-01-31 +4'"
check "model list --json" bash -c "'$F' model list --json | jq -e '.items[] | select(.hwid == \"cam-v2\") | .support_end == \"2024-01-31\"' >/dev/null"
check "assess (picks up the support end)" rc 0 "$F" assess

# ---- reports ----------------------------------------------------------------------------------
for r in summary mttp deadlines completeness update-channel kev-exposure patch-queue eol; do
	check "report $r" rc 0 "$F" report "$r"
	cp out.txt "r-$r.txt"
	check "report $r --json is valid JSON" bash -c "'$F' report $r --json >r.json && python3 -c 'import json; json.load(open(\"r.json\"))'"
	check "report $r --csv parses with a header row" bash -c "'$F' report $r --csv >r.csv && python3 -c 'import csv; r = list(csv.reader(open(\"r.csv\", newline=\"\"))); assert len(r) >= 1 and all(len(x) == len(r[0]) for x in r), r'"
done
check "summary: open findings by decision" grep -qE "^open findings: +[1-9][0-9]* \(act [0-9]+, attend [0-9]+, track\* [0-9]+, track [0-9]+\)" r-summary.txt
check "summary: shares in percent with one decimal" grep -qE "^devices overdue: +[0-9]+ \([0-9]+\.[0-9]%\)" r-summary.txt
check "summary: time to patch in days with one decimal" grep -qE "^time to patch: +mean ([0-9]+\.[0-9]|-) d, median ([0-9]+\.[0-9]|-) d" r-summary.txt
check "summary --csv: the server's one row" bash -c "'$F' report summary --csv | python3 -c 'import csv,sys; r = list(csv.DictReader(sys.stdin)); assert len(r) == 1 and r[0][\"devices\"] == \"4\" and \"by_decision_track_star\" in r[0], r'"
check "completeness: cam-04 never reported a firmware version" grep -qE "^cam-04 +.*firmware_version" r-completeness.txt
check "completeness under the minimum share: a WARNING line" bash -c "'$F' report completeness --min-share 1 | grep -q '^WARNING: the inventory is complete for only'"
check "... also in the summary" bash -c "'$F' report completeness --json | jq -e '.flagged' >/dev/null && grep -q '^WARNING: ' r-summary.txt"
check "completeness --period 1d --json: the period passed" bash -c "'$F' report completeness --period 1d --json | jq -e '.period == 86400' >/dev/null"
check "deadlines: the KEV finding overdue with days" grep -qE "^cam-0[12] +CVE-2023-1389 +archer_ax21_firmware .* [0-9]+\.[0-9]$" r-deadlines.txt
check "kev-exposure: CVE-2023-1389, publication to KEV in days" grep -qE "^CVE-2023-1389 +2023-03-1[0-9] +2023-05-01 +[0-9]+\.[0-9] +2" r-kev-exposure.txt
check "patch-queue: fw/cam-1.1.img fixes openssl" bash -c "grep -E '^fw/cam-1.1.img +2 ' r-patch-queue.txt | grep -q CVE-2023-0286"
check "patch-queue --csv: one row per fix" bash -c "'$F' report patch-queue --csv | python3 -c 'import csv,sys; r = list(csv.DictReader(sys.stdin)); assert {x[\"release\"] for x in r} == {\"fw/cam-1.1.img\"} and \"CVE-2023-0286\" in [x[\"cve\"] for x in r], r'"
check "eol: the devices of cam-v2 past 2024-01-31 with an action" grep -qE "^cam-01 +cam-v2 +2024-01-31 +[0-9]+ +[a-z*]+ +(isolate|replace|compensating-control)" r-eol.txt
check "mttp: a group table with days" grep -qE "^CLASS +SEVERITY +FINDINGS +OPEN +TTP MEAN d" r-mttp.txt
check "update-channel: share line" grep -qE "^update channel works: [0-9]+ of 4 devices" r-update-channel.txt
flw_done
