#!/bin/bash
# 260_repo_ceremony.sh - TUF key management with thresholds against a real fleetwardd (SC-01,
# SC-02): a 2-of-3 root and 2-of-3 targets made by three keyholders who sign separately and
# merge; uploads below the threshold and with one key counted twice refused; root rotation
# 1 -> 2 -> 3 replacing keys, walked by the C TUF client (fleetward-tuf-client) from root v1;
# a targets key revoked and targets re-signed; online timestamp key rotation with fast-forward
# recovery on a client; repo status; usage errors.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
TUFC=$FLW_BIN_DIR/fleetward-tuf-client
[ -x "$TUFC" ] || flw_skip "fleetward-tuf-client not built"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
flw_start_server

# fails_with "text" args...: the CLI exits non-zero and its stderr has text
fails_with() {
	local want=$1
	shift
	"$F" "$@" >"$FLW_TMP/f.out" 2>"$FLW_TMP/f.err"
	local rc=$?
	if [ $rc -ne 0 ] && grep -qF -- "$want" "$FLW_TMP/f.err"; then
		ok "'fleetward $*' refused: '$want'"
	else
		fail "'fleetward $*' refused (got exit $rc) with '$want'"
		sed 's/^/#   /' "$FLW_TMP/f.err" | head -5
	fi
}
keyid() { jq -cjS . "$1" | sha256sum | cut -d' ' -f1; }
root_ver() { curl -sSf -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/root" | jq -r .signed.version; }
tgt_ver() { curl -sSf -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/targets" | jq -r .signed.version; }
# client DIR refresh: the C TUF client against the served repository
client() { "$TUFC" --metadata-dir "$1" --metadata-url "$FLW_URL/tuf/metadata" refresh; }

# ---- three keyholders, each with a root key and a targets key --------------------------------
for h in 1 2 3; do
	"$F" keygen -o "r$h.key" >/dev/null 2>&1 && "$F" keygen -o "t$h.key" >/dev/null 2>&1 || { fail keygen; flw_done; }
done

# keyholder 1 makes root v1 (2-of-3 root, 2-of-3 targets) signing with its own keys only
check "repo init with 2-of-3 root and targets writes partly signed files" \
	"$F" repo init --root-key r1.key --root-key r2.key.pub --root-key r3.key.pub --root-threshold 2 \
	--targets-key t1.key --targets-key t2.key.pub --targets-key t3.key.pub --targets-threshold 2 \
	-o root1.json --targets-output targets1.json
check "root v1 was not uploaded yet" expect_status 404 GET /api/v1/tuf/root "" -H "Authorization: Bearer $FLW_ADMIN_TOKEN"
check "root v1 lists 3 root keys, threshold 2, and the server's director key" \
	jq -e --arg d "$(curl -sS -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/online-keys" | jq -cjS .director | sha256sum | cut -d' ' -f1)" \
	'.signed.roles.root.threshold == 2 and (.signed.roles.root.keyids | length) == 3 and .signed.roles.targets.threshold == 2 and .signed["x-fleetward-director"].keyids == [$d] and (.signatures | length) == 1' root1.json
fails_with "signature" repo root upload root1.json
# the same key twice counts once
jq -c '.signatures += .signatures' root1.json >root1-dup.json
fails_with "signature" repo root upload root1-dup.json
# keyholders 2 and 3 sign their copies separately
cp root1.json root1-k2.json && cp root1.json root1-k3.json
check "keyholder 2 signs root v1" "$F" repo sign root1-k2.json --key r2.key
check "keyholder 3 signs root v1 into another file" "$F" repo sign root1-k3.json --key r3.key -o root1-k3s.json
check "merge: union of three signatures" "$F" repo merge root1.json root1-k2.json root1-k3s.json -o root1-all.json
check "merged root has 3 distinct signatures sorted by keyid" \
	jq -e '(.signatures | length) == 3 and ([.signatures[].keyid] | . == (sort | unique))' root1-all.json
jq '.signed.expires = "2099-01-01T00:00:00Z"' root1-k2.json >root1-other.json
fails_with "first differ at signed.expires" repo merge root1-k2.json root1-other.json -o x.json
check "merge of keyholders 1+2 (2 of 3) uploads" "$F" repo merge root1.json root1-k2.json -o root1-2of3.json
check "root v1 (2 of 3) accepted" "$F" repo root upload root1-2of3.json
cp root1-2of3.json trusted-root-v1.json
# targets v1: 1 of 2 refused, 2 of 3 published
fails_with "signature" release upload --metadata targets1.json
check "keyholder 3 signs targets v1" "$F" repo sign targets1.json --key t3.key -o targets1-k3.json
check "merged targets v1 published" bash -c "'$F' repo merge targets1.json targets1-k3.json -o targets1-ok.json && '$F' release upload --metadata targets1-ok.json"
check "targets is v1" test "$(tgt_ver)" = 1

# a release needs two targets signatures too
head -c 5000 /dev/urandom >img1
check "release create (keyholder 1)" "$F" release create img1 --name fw/a.img --version 1.0 --hardware hw --key t1.key -o rel2.json
fails_with "signature" release upload --metadata rel2.json img1
check "keyholder 2 signs, release published" bash -c "'$F' repo sign rel2.json --key t2.key && '$F' release upload --metadata rel2.json img1"
check "a client starting at root v1 refreshes" bash -c "'$TUFC' --metadata-dir c1 init trusted-root-v1.json && '$TUFC' --metadata-dir c1 --metadata-url '$FLW_URL/tuf/metadata' refresh"

# ---- root rotation 1 -> 2 -> 3 ----------------------------------------------------------------
"$F" keygen -o r4.key >/dev/null 2>&1 && "$F" keygen -o r5.key >/dev/null 2>&1
# v2: replace root key 3 by key 4
check "root new v2: replace root key 3 by 4" \
	"$F" repo root new --remove-key "root=$(keyid r3.key.pub)" --add-key root=r4.key.pub -o root2.json
check "root v2 is v2, unsigned, keeps the director field" \
	jq -e '.signed.version == 2 and .signatures == [] and .signed["x-fleetward-director"].threshold == 1 and (.signed.roles.root.keyids | length) == 3' root2.json
# signed only by new keys 1+4: lacks the threshold of v1's keys (1 of 2: key 4 is not in v1)
"$F" repo sign root2.json --key r1.key -o root2-a.json >/dev/null && "$F" repo sign root2-a.json --key r4.key >/dev/null
fails_with "current root" repo root upload root2-a.json
check "root v2 signed by 1, 2 (old and new) and 4 (new) accepted" \
	bash -c "'$F' repo sign root2-a.json --key r2.key >/dev/null && '$F' repo root upload root2-a.json"
# v3: replace keys 1 and 2 by 5 (root 2-of-2: keys 4, 5), threshold of v2 (1,2,4) and v3 (4,5)
check "root new v3: keys 4+5 only" \
	"$F" repo root new --remove-key "root=$(keyid r1.key.pub)" --remove-key "root=$(keyid r2.key.pub)" --add-key root=r5.key.pub -o root3.json
check "root v3 key 1 object dropped, root keys 4 and 5" \
	jq -e --arg a "$(keyid r1.key.pub)" '(.signed.keys | has($a) | not) and (.signed.roles.root.keyids | length) == 2' root3.json
for k in r4 r5; do cp root3.json "root3-$k.json"; "$F" repo sign "root3-$k.json" --key "$k.key" >/dev/null; done
"$F" repo merge root3-r4.json root3-r5.json -o root3-new.json >/dev/null
fails_with "current root" repo root upload root3-new.json
check "root v3 with old key 1 added accepted" \
	bash -c "'$F' repo sign root3-new.json --key r1.key -o root3-ok.json >/dev/null && '$F' repo root upload root3-ok.json"
check "root is v3" test "$(root_ver)" = 3
fails_with "threshold" repo root new --threshold root=3 -o bad.json
fails_with "threshold" repo root new --remove-key "targets=$(keyid t1.key.pub)" --remove-key "targets=$(keyid t2.key.pub)" -o bad.json
check "a client at root v1 walks to v3 and refreshes" client c1
check "the client trusts root v3" test "$(jq -r .signed.version c1/root.json)" = 3
check "a new client from root v1 walks to v3" bash -c "'$TUFC' --metadata-dir c2 init trusted-root-v1.json && '$TUFC' --metadata-dir c2 --metadata-url '$FLW_URL/tuf/metadata' refresh && jq -e '.signed.version == 3' c2/root.json"

# ---- revoke a compromised targets key (2) and re-sign targets --------------------------------
"$F" keygen -o t4.key >/dev/null 2>&1
check "root new v4: targets key 2 revoked, key 4 added" \
	"$F" repo root new --remove-key "targets=$(keyid t2.key.pub)" --add-key targets=t4.key.pub -o root4.json
for k in r4 r5; do "$F" repo sign root4.json --key "$k.key" >/dev/null; done
check "root v4 accepted" "$F" repo root upload root4.json
check "status warns that targets no longer verify" bash -c "'$F' repo status | grep -q 'not verifiable under the current root'"
# an attacker with key 2 alone cannot publish
check "attacker (key 2) makes targets" "$F" release create img1 --name fw/evil.img --version 6.6 --hardware hw --key t2.key -o evil.json
fails_with "signature" release upload --metadata evil.json
fails_with "none of the given keys signed" repo targets-resign --key t4.key -o x.json
check "targets-resign with keys 1 and 4" "$F" repo targets-resign --key t1.key --key t4.key -o resigned.json
check "re-signed targets published without an image" "$F" release upload --metadata resigned.json
check "targets is v3" test "$(tgt_ver)" = 3
check "status: no verification warning now" bash -c "! '$F' repo status | grep -q 'not verifiable'"
check "client refreshes to targets v3" bash -c "'$TUFC' --metadata-dir c1 --metadata-url '$FLW_URL/tuf/metadata' refresh && jq -e '.signed.version == 3' c1/targets.json"

# ---- online timestamp key rotation: fast-forward recovery on clients --------------------------
old_ts=$(curl -sS -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/online-keys" | jq -cjS .timestamp | sha256sum | cut -d' ' -f1)
check "rotate needs admin-only JSON roles" expect_status 400 POST /api/v1/tuf/online-keys/rotate '{"roles":["root"]}' -H "Authorization: Bearer $FLW_ADMIN_TOKEN"
check "rotate timestamp key: pending key returned" bash -c "curl -sSf -X POST -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' --data-binary '{\"roles\":[\"timestamp\"]}' '$FLW_URL/api/v1/tuf/online-keys/rotate' | jq -e '.pending.timestamp.keytype == \"ed25519\"' >/dev/null"
check "pending key file is 0600" test "$(stat -c %a "$FLW_DATA/keys/timestamp.pending.key")" = 600
new_ts=$(curl -sS -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/online-keys" | jq -cjS .pending.timestamp | sha256sum | cut -d' ' -f1)
check "the server still signs with the old key until a root lists the new one" \
	bash -c "curl -sSf '$FLW_URL/tuf/metadata/timestamp.json' | jq -e --arg k '$old_ts' '.signatures[0].keyid == \$k' >/dev/null"
check "root new --online-keys takes the pending key" "$F" repo root new --online-keys -o root5.json
check "root v5 lists the pending timestamp key" jq -e --arg k "$new_ts" '.signed.roles.timestamp.keyids == [$k]' root5.json
for k in r4 r5; do "$F" repo sign root5.json --key "$k.key" >/dev/null; done
ts_before=$(curl -sSf "$FLW_URL/tuf/metadata/timestamp.json" | jq .signed.version)
check "root v5 accepted" "$F" repo root upload root5.json
check "the server switched to the new timestamp key and re-signed" \
	bash -c "curl -sSf '$FLW_URL/tuf/metadata/timestamp.json' | jq -e --arg k '$new_ts' --argjson v '$ts_before' '.signatures[0].keyid == \$k and .signed.version > \$v' >/dev/null"
check "no pending key file left" test ! -e "$FLW_DATA/keys/timestamp.pending.key"
check "online-keys lists the new key as current" bash -c "curl -sS -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' '$FLW_URL/api/v1/tuf/online-keys' | jq -e 'has(\"pending\") | not' >/dev/null"
check "client refresh after the key rotation succeeds (fast-forward recovery)" client c1
check "client trusts the new timestamp" bash -c "jq -e --arg k '$new_ts' '.signatures[0].keyid == \$k' c1/timestamp.json"
check "a client from root v1 follows all five roots" bash -c "'$TUFC' --metadata-dir c3 init trusted-root-v1.json && '$TUFC' --metadata-dir c3 --metadata-url '$FLW_URL/tuf/metadata' refresh && jq -e '.signed.version == 5' c3/root.json"
# a restart keeps the switched key
flw_stop_server
flw_start_server
check "after a restart the server signs with the new timestamp key" \
	bash -c "curl -sSf '$FLW_URL/tuf/metadata/timestamp.json' | jq -e --arg k '$new_ts' '.signatures[0].keyid == \$k' >/dev/null"
check "metrics: expiry gauges and re-sign failures" bash -c "curl -sSf '$FLW_URL/metrics' | grep -q 'fleetward_tuf_expires_seconds{role=\"timestamp\"}' && curl -sSf '$FLW_URL/metrics' | grep -q '^fleetward_tuf_resign_failures_total 0'"
check "repo status shows every role" bash -c "'$F' repo status >st.txt && grep -q '^root  *5 ' st.txt && grep -q '^director ' st.txt && grep -q '^targets  *3 ' st.txt"

# ---- usage errors -----------------------------------------------------------------------------
"$F" repo root new --add-key bogus=x -o x.json >/dev/null 2>&1
check "root new with an unknown role is a usage error" test $? = 2
"$F" repo root new --remove-key root=abc -o x.json >/dev/null 2>&1
check "root new --remove-key with a short keyid is a usage error" test $? = 2
for c in "repo sign" "repo merge" "repo root new" "repo root upload" "repo status" "repo targets-resign" "release verify"; do
	check "'$c --help'" bash -c "'$F' $c --help | grep -q '^usage: fleetward $c'"
done
check "help --list has the new commands" bash -c "'$F' help --list | grep -qx 'repo root new'"
flw_done
