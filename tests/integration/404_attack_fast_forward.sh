#!/bin/bash
# 404_attack_fast_forward.sh - TUF "fast-forward" (SECURITY-TESTS.md 2.1, SEC-02; TUF spec
# 5.3.11) against the real agent. The attacker holds the server's online timestamp key (a
# compromised server) and serves a validly signed timestamp with an inflated version. TUF cannot
# tell that from an honest one, so the device trusts it; from then on the honest timestamps
# look like rollbacks and are refused (trust and slots unchanged). Recovery is the one TUF
# prescribes: the root key holders rotate the timestamp key (root v2, signed by both root keys),
# the client drops its trusted timestamp and snapshot because their keys changed, and the next
# honest update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
D=$FLW_TMP/cam-ff

atk_setup cam-ff
# 1. the inflated timestamp (signed with the stolen key) reaches the device with an update
atk_new_release ff1
atk_meta timestamp.json >"$FLW_TMP/ts.json"
big=$(($(jq .signed.version "$FLW_TMP/ts.json") + 1000000))
atk_resign "$FLW_TMP/ts.json" ".version = $big" "$(atk_online_pem timestamp)" >"$FLW_TMP/ff-ts.json"
atk_rules mitm "[{\"path\": \"^/tuf/metadata/timestamp.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/ff-ts.json\"}]"
dep=$(agent_deploy fw/ff1.img cam-ff)
agent_once_cycle cam-ff
check "the stolen timestamp key fast-forwards the device's timestamp to version $big" \
	cmp "$FLW_TMP/ff-ts.json" "$D/state/tuf/timestamp.json"
atk_rules mitm '[]'

# 2. from now on the honest repository looks like a rollback: refused, nothing changes
atk_new_release ff2
before=$(atk_state cam-ff)
dep=$(agent_deploy fw/ff2.img cam-ff)
check_fails "the honest timestamp (a lower version) is refused" agent_once_cycle cam-ff
check "the error names it" grep -Eq "(rollback|fast-forward): timestamp version [0-9]+ < trusted $big" "$D/agent.cycle"
check "server shows failure" test "$(deploy_state "$dep" cam-ff)" = failure
check "trusted metadata, boot selection and slots are byte-identical" test "$(atk_state cam-ff)" = "$before"

# 3. recovery: rotate the timestamp key (the server gets a new one, the root holders sign
#    root v2 listing it), then publish: the device drops the inflated timestamp and updates
flw_stop_server
"$FLW_CLI" keygen -o "$FLW_TMP/ts2.key" >/dev/null 2>&1
install -m 0600 "$FLW_TMP/ts2.key" "$FLW_DATA/keys/timestamp.key"
flw_start_server
atk_key_pem "$FLW_TMP/root1.key" "$FLW_TMP/root1.pem" && atk_key_pem "$FLW_TMP/root2.key" "$FLW_TMP/root2.pem"
old=$(jq -r '.signed.roles.timestamp.keyids[0]' "$ROOT_JSON")
new=$(jq -cS . "$FLW_TMP/ts2.key.pub" | tr -d '\n' | sha256sum | cut -d' ' -f1)
atk_resign "$ROOT_JSON" "(.version = 2) | (.expires = \"$(date -u -d '+300 days' +%Y-%m-%dT%H:%M:%SZ)\")
	| (.keys |= (del(.[\"$old\"]) + {\"$new\": $(jq -cS . "$FLW_TMP/ts2.key.pub")}))
	| (.roles.timestamp.keyids = [\"$new\"])" "$FLW_TMP/root1.pem" "$FLW_TMP/root2.pem" >"$FLW_TMP/root2.json"
check "root v2 with the new timestamp key is accepted by the server" \
	flw_api POST /api/v1/tuf/root "$(cat "$FLW_TMP/root2.json")"
atk_new_release ff3 # publishes a timestamp signed with the new key
atk_honest cam-ff ff3
check "the device trusts root v2" jq -e '.signed.version == 2' "$D/state/tuf/root.json"
check "and the honest timestamp signed with the new key" \
	bash -c "curl -sS '$FLW_URL/tuf/metadata/timestamp.json' | cmp - '$D/state/tuf/timestamp.json'"
flw_done
