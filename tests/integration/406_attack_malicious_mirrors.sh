#!/bin/bash
# 406_attack_malicious_mirrors.sh - TUF "malicious mirrors" (SECURITY-TESTS.md 2.1, SEC-02)
# against the real agent: a mirror that misbehaves must not keep the device from updating
# through another, and nothing it served may stick. The device's mirror (lib_attack.sh's proxy)
# (1) serves one corrupted timestamp, then behaves; (2) serves another repository's timestamp
# (a second fleetwardd with its own keys); (3) withholds the metadata altogether (404), and the
# device is pointed at a second, honest mirror. Each time the agent refuses, its trust and slots
# stay byte-identical, and the next update, from a good mirror, installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
ATK_UNNAMED="corrupt-once other-repo withheld"
D=$FLW_TMP/cam-mm

atk_setup cam-mm
WHAT='mirror'

# 1. one corrupted answer (a bit flipped in the signed part), then honest answers
atk_new_release corrupt-once
atk_attack cam-mm corrupt-once \
	'[{"path": "^/tuf/metadata/timestamp.json$", "action": "flip", "offset": 60, "times": 1}]' "$WHAT"

# 2. another repository's (validly signed, by other keys) timestamp
mkdir -p "$FLW_TMP/other"
"$FLWD" --listen 127.0.0.1:0 --data "$FLW_TMP/other/data" --port-file "$FLW_TMP/other/port" \
	--init-token-file "$FLW_TMP/other/admin.token" >"$FLW_TMP/other/fleetwardd.log" 2>&1 &
FLW_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$FLW_TMP/other/port" ] && break; sleep 0.05; done
other=http://127.0.0.1:$(cat "$FLW_TMP/other/port")
(cd "$FLW_TMP/other" && "$FLW_CLI" --server "$other" --token "$(cat admin.token)" keygen -o r.key &&
	"$FLW_CLI" keygen -o t.key &&
	"$FLW_CLI" --server "$other" --token "$(cat admin.token)" repo init --root-key r.key --targets-key t.key -o root.json) \
	>>"$FLW_TMP/cli.log" 2>&1
check "the other repository serves a timestamp" curl -sS -f -o "$FLW_TMP/other-ts.json" "$other/tuf/metadata/timestamp.json"
atk_new_release other-repo
atk_attack cam-mm other-repo \
	"[{\"path\": \"^/tuf/metadata/timestamp.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/other-ts.json\"}]" "$WHAT"

# 3. the mirror withholds the metadata; the device is pointed at another (honest) mirror
atk_new_release withheld
before=$(atk_state cam-mm)
dep=$(agent_deploy fw/withheld.img cam-mm)
atk_rules mitm '[{"path": "^/tuf/", "action": "status", "status": 404}]'
check_fails "withheld: the agent cannot update through the blocking mirror" agent_once_cycle cam-mm
check "withheld: the attacker's answers were served" test "$(atk_hits mitm status)" -gt 0
atk_refused cam-mm "$dep" withheld "$WHAT" "$before"
atk_proxy_start good
sed -i "s|^server = .*|server = $(atk_url good)|" "$D/agent.conf"
atk_honest cam-mm withheld
check "withheld: the update came through the good mirror" grep -q '^GET /tuf/targets/' "$FLW_TMP/proxy-good.log"
flw_done
