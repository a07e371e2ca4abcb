#!/bin/bash
# 201_cli_server.sh - the fleetward CLI against a real fleetwardd: repo init, release create
# (online and offline) + upload, listings (--json parsed with jq), groups, enrollment tokens,
# API tokens and roles, deploy, deployment show/watch (exit 0/3/4) and cancel, audit, and the
# server's errors printed with a hint. Signatures are checked independently with openssl.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
flw_start_server

hex2bin() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")"; }
bin2hex() { od -An -tx1 -v | tr -d ' \n'; }
# verify_sig ENVELOPE PUBFILE: the first signature of ENVELOPE, by the key in PUBFILE, over the
# canonical JSON of "signed" (jq -cjS equals it for ASCII content), checked by openssl.
verify_sig() {
	local env=$1 pub=$2 keyid i sig
	jq -cjS .signed "$env" >"$FLW_TMP/v.msg"
	hex2bin "302a300506032b6570032100$(jq -r .keyval.public "$pub")" >"$FLW_TMP/v.der"
	openssl pkey -pubin -inform DER -in "$FLW_TMP/v.der" -out "$FLW_TMP/v.pem" || return 1
	keyid=$(jq -cjS . "$pub" | sha256sum | cut -d' ' -f1)
	sig=$(jq -r --arg k "$keyid" '.signatures[] | select(.keyid == $k) | .sig' "$env")
	[ -n "$sig" ] || { echo "no signature by $keyid"; return 1; }
	hex2bin "$sig" >"$FLW_TMP/v.sig"
	openssl pkeyutl -verify -pubin -inkey "$FLW_TMP/v.pem" -rawin -in "$FLW_TMP/v.msg" \
		-sigfile "$FLW_TMP/v.sig"
}
# enroll ID HWID ENROLL_TOKEN: enroll a device with an openssl Ed25519 key; prints its token
enroll() {
	local k=$FLW_TMP/dev-$1.pem pk signed sig
	openssl genpkey -algorithm ed25519 -out "$k" 2>/dev/null
	pk=$(openssl pkey -in "$k" -pubout -outform DER | tail -c 32 | bin2hex)
	signed=$(jq -cjS -n --arg d "$1" --arg h "$2" --arg p "$pk" --arg t "$3" \
		--argjson now "$(date +%s)" \
		'{device_id:$d, hardware_id:$h, public_key:$p, enrollment_token:$t, time:$now}')
	printf '%s' "$signed" >"$FLW_TMP/e.msg"
	sig=$(openssl pkeyutl -sign -rawin -inkey "$k" -in "$FLW_TMP/e.msg" | bin2hex)
	curl -sS -X POST --data-binary "{\"signed\":$signed,\"signature\":\"$sig\"}" \
		"$FLW_URL/device/v1/enroll" | jq -re .token
}
# report DEVTOKEN DEPLOYMENT SEQ STATE
report() {
	curl -sSf -o /dev/null -X POST -H "Authorization: Bearer $1" --data-binary \
		"{\"reports\":[{\"seq\":$3,\"deployment\":$2,\"state\":\"$4\",\"detail\":\"from test\",\"time\":$(date +%s)}]}" \
		"$FLW_URL/device/v1/reports"
}
# fails_with "text" args...: the CLI exits 1 and stderr has text
fails_with() {
	local want=$1
	shift
	"$F" "$@" >"$FLW_TMP/f.out" 2>"$FLW_TMP/f.err"
	local rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$want" "$FLW_TMP/f.err"; then
		ok "'fleetward $*' fails with '$want'"
	else
		fail "'fleetward $*' fails (exit 1, got $rc) with '$want'"
		sed 's/^/#   /' "$FLW_TMP/f.err" | head -5
	fi
}

"$F" keygen -o root.key >/dev/null 2>&1
"$F" keygen -o targets.key >/dev/null 2>&1
"$F" keygen -o other.key >/dev/null 2>&1

# ---- repository ----------------------------------------------------------------------------
fails_with "run 'fleetward repo init' first" repo root
check "repo init" "$F" repo init --root-key root.key --targets-key targets.key -o root.json
check "root.json is root v1" jq -e '.signed._type == "root" and .signed.version == 1 and .signed.consistent_snapshot == true' root.json
check "root lists the targets key" jq -e --arg k "$(jq -cjS . targets.key.pub | sha256sum | cut -d' ' -f1)" '.signed.roles.targets.keyids == [$k]' root.json
check "root has online snapshot and timestamp keys" jq -e '(.signed.roles.snapshot.keyids | length) == 1 and (.signed.roles.timestamp.keyids | length) == 1' root.json
check "root.json is signed by the root key (openssl)" verify_sig root.json root.key.pub
fails_with "conflict" repo init --root-key root.key --targets-key targets.key -o root2.json
check "a refused repo init writes no file" test ! -e root2.json
check "repo init refuses an existing -o file" bash -c "'$F' repo init --root-key root.key --targets-key targets.key -o root.json; test \$? -eq 2"
check "repo root -o" "$F" repo root -o got-root.json
check "repo root returns the uploaded root" cmp root.json got-root.json

# ---- releases ------------------------------------------------------------------------------
head -c 3000000 /dev/urandom >cam-1.1.img
head -c 1000000 /dev/urandom >cam-1.2.img
head -c 5000 /dev/urandom >cam-1.3.img
check "release create (current targets from the server)" "$F" release create cam-1.1.img \
	--name fw/cam-1.1.img --version 1.1.0 --hardware cam-v2 --hardware cam-v3 \
	--security-version 3 --key targets.key
M=cam-1.1.img.targets.json
check "default output name" test -s $M
check "targets metadata: version 2, the target with hash, length, custom fields" jq -e \
	--arg h "$(sha256sum cam-1.1.img | cut -d' ' -f1)" '.signed._type == "targets" and .signed.version == 2 and
	 (.signed.targets["fw/cam-1.1.img"] | .length == 3000000 and .hashes.sha256 == $h and
	  .custom.version == "1.1.0" and .custom.hardware_ids == ["cam-v2","cam-v3"] and .custom.security_version == 3)' $M
exp=$(jq -r .signed.expires $M)
days=$(( ($(date -d "$exp" +%s) - $(date +%s) + 3600) / 86400 ))
check "expires in 90 days" test "$days" -eq 90
check "the metadata's signature verifies (openssl)" verify_sig $M targets.key.pub
check "release upload" "$F" release upload --metadata $M cam-1.1.img
grep -q "published targets v2" "$FLW_TMP/last.out" && ok "upload reports the targets version" || fail "upload reports the targets version"
check "release list --json lists it" bash -c "'$F' release list --json | jq -e '.items | map(.name) | index(\"fw/cam-1.1.img\") != null'"
check "release list table" bash -c "'$F' release list | grep -E '^fw/cam-1.1.img +1.1.0 +cam-v2,cam-v3'"
check "release show --json" bash -c "'$F' release show fw/cam-1.1.img --json | jq -e '.version == \"1.1.0\" and .length == 3000000'"
check "release show" bash -c "'$F' release show fw/cam-1.1.img | grep -q 'security version: *3'"
fails_with "notfound" release show fw/none.img

# offline: current targets from a file, the server unreachable
curl -sSf "$FLW_URL/tuf/metadata/2.targets.json" -o cur.json || curl -sSf -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/targets" -o cur.json
check "release create --targets works offline" "$F" --server http://127.0.0.1:1 release create cam-1.2.img \
	--name fw/cam-1.2.img --version 1.2.0 --hardware cam-v2 --key targets.key --targets cur.json -o v3.json
check "offline metadata: version 3 with both targets" jq -e '.signed.version == 3 and (.signed.targets | keys) == ["fw/cam-1.1.img","fw/cam-1.2.img"]' v3.json
check "offline metadata signature verifies (openssl)" verify_sig v3.json targets.key.pub
check "the server accepts the offline metadata" "$F" release upload --metadata v3.json cam-1.2.img
fails_with "release create' again without --targets" release upload --metadata v3.json
fails_with "not signed by this key" release create cam-1.3.img --name fw/cam-1.3.img --version 1.3.0 --hardware cam-v2 --key other.key
check "release create for an image not uploaded" "$F" release create cam-1.3.img --name fw/cam-1.3.img --version 1.3.0 --hardware cam-v2 --key targets.key -o v4.json
head -c 4000 /dev/urandom >stray.img
fails_with "is not a target of v4.json" release upload --metadata v4.json stray.img
fails_with "hash" release upload --metadata v4.json
jq '.signatures[0].sig |= (.[0:2] as $c | (if $c == "00" then "11" else "00" end) + .[2:])' v4.json >v4bad.json
fails_with "signature" release upload --metadata v4bad.json cam-1.3.img

# ---- groups, enrollment tokens, devices ----------------------------------------------------
check "group create" "$F" group create lab
fails_with "conflict" group create lab
check "group list --json" bash -c "'$F' group list --json | jq -e '.items | map(.name) | index(\"lab\") != null'"
et=$("$F" enroll-token create et1 --uses 2 --expires-in 1h --group lab 2>/dev/null)
check "enroll-token create prints the token once" grep -q '^fle_' <<<"$et"
check "enroll-token list --json" bash -c "'$F' enroll-token list --json | jq -e '.items[] | select(.name == \"et1\") | .uses_left == 2'"
t1=$(enroll cam-01 cam-v2 "$et")
t2=$(enroll cam-02 cam-v2 "$et")
check "two devices enrolled with the token" test -n "$t1" -a -n "$t2"
check "enroll-token list shows the uses spent" bash -c "'$F' enroll-token list --json | jq -e '.items[] | select(.name == \"et1\") | .uses_left == 0'"
check "enroll-token list table" bash -c "'$F' enroll-token list | grep -E '^et1 +0 +lab'"
check "enroll-token revoke" "$F" enroll-token revoke et1
et2=$("$F" enroll-token create et2 --uses -1 2>/dev/null)
check "enroll-token --uses -1 is unlimited" bash -c "'$F' enroll-token list | grep -E '^et2 +unlimited'"
check "enroll-token revoke et2" "$F" enroll-token revoke et2
check_fails "a revoked enrollment token does not enroll" enroll cam-03 cam-v2 "$et2"
fails_with "notfound" enroll-token revoke nosuch
check "device list --json" bash -c "'$F' device list --json | jq -e '.total == 2 and (.items | map(.id)) == [\"cam-01\",\"cam-02\"]'"
check "device list --group lab" bash -c "'$F' device list --group lab | grep -c '^cam-0' | grep -qx 2"
check "device list --limit 1 says there are more" bash -c "'$F' device list --limit 1 2>&1 | grep -q '1 of 2 shown'"
check "device show --json" bash -c "'$F' device show cam-01 --json | jq -e '.id == \"cam-01\" and (.groups | index(\"lab\") != null)'"
check "device show" bash -c "'$F' device show cam-01 | grep -q 'groups: *lab'"
fails_with "notfound" device show cam-99
check "group create g2" "$F" group create g2
check "group add" "$F" group add g2 cam-01 cam-02
check "group list counts members" bash -c "'$F' group list --json | jq -e '.items[] | select(.name == \"g2\") | .devices == 2'"
check "group remove" "$F" group remove g2 cam-02
check "group list after remove" bash -c "'$F' group list | grep -E '^g2 +1$'"
fails_with "notfound" group add g2 ghost
check "group delete" "$F" group delete g2
check "group is gone" bash -c "! '$F' group list | grep -q '^g2 '"

# ---- API tokens and roles ------------------------------------------------------------------
ops=$("$F" token create ops --role operator 2>/dev/null)
view=$("$F" token create look --role viewer 2>/dev/null)
check "token create prints flw_ tokens" test "${ops:0:4}" = flw_ -a "${view:0:4}" = flw_
check "token list --json shows roles" bash -c "'$F' token list --json | jq -e '[.items[] | select(.name == \"ops\" or .name == \"look\") | .role] | sort == [\"operator\",\"viewer\"]'"
check "token list table" bash -c "'$F' token list | grep -E '^look +viewer'"
check "a viewer can list" env FLEETWARD_TOKEN="$view" "$F" group list
FLEETWARD_TOKEN=$view fails_with "perm" group create nope
grep -q "hint: .*token create" "$FLW_TMP/f.err" && ok "perm error hints at a token with another role" || fail "perm error hints at a token with another role"
FLEETWARD_TOKEN=$view fails_with "perm" token list
check "token revoke" "$F" token revoke look
FLEETWARD_TOKEN=$view fails_with "auth" group list
grep -q "hint: check FLEETWARD_TOKEN" "$FLW_TMP/f.err" && ok "401 hints at FLEETWARD_TOKEN" || fail "401 hints at FLEETWARD_TOKEN"
fails_with "check FLEETWARD_TOKEN" --token flw_bogus group list
FLEETWARD_TOKEN= fails_with "no API token given" group list

# ---- deployments ---------------------------------------------------------------------------
export FLEETWARD_TOKEN=$ops
d1=$("$F" deploy fw/cam-1.1.img --group lab 2>/dev/null)
check "deploy prints the deployment id" grep -Eq '^[0-9]+$' <<<"$d1"
check "deployment show --json: two pending devices" bash -c "'$F' deployment show $d1 --json | jq -e '(.devices | length) == 2 and all(.devices[]; .state == \"pending\")'"
check "deployment show table" bash -c "'$F' deployment show $d1 | grep -E '^cam-01 +pending'"
check "deployment list --json" bash -c "'$F' deployment list --json | jq -e --argjson d $d1 '.items | map(.id) | index(\$d) != null'"
start=$(date +%s)
"$F" deployment watch "$d1" --timeout 2 >watch4.out 2>&1
rc=$?
check "watch exits 4 on --timeout" test $rc -eq 4
check "watch honours --timeout promptly" test $(($(date +%s) - start)) -le 5
report "$t1" "$d1" 1 downloading
report "$t1" "$d1" 2 success
report "$t2" "$d1" 1 failure
"$F" deployment watch "$d1" --timeout 20 >watch3.out 2>&1
rc=$?
check "watch exits 3 when a device failed" test $rc -eq 3
check "watch prints plain lines when not a terminal" grep -q '^cam-02: failure' watch3.out
d2=$("$F" deploy fw/cam-1.1.img --device cam-01 2>/dev/null)
(sleep 1.5; report "$t1" "$d2" 3 installing; sleep 1; report "$t1" "$d2" 4 success) &
rp=$!
"$F" deployment watch "$d2" --timeout 20 >watch0.out 2>&1
rc=$?
wait $rp
check "watch exits 0 when every device succeeded" test $rc -eq 0
check "watch followed the states" grep -q '^cam-01: installing' watch0.out
fails_with "notfound" deploy fw/cam-1.1.img --device ghost
fails_with "notfound" deploy fw/none.img --group lab
d3=$("$F" deploy fw/cam-1.2.img --device cam-02 2>/dev/null)
check "deployment cancel" "$F" deployment cancel "$d3"
check "canceled deployment shows canceled" bash -c "'$F' deployment show $d3 --json | jq -e '.devices[0].state == \"canceled\"'"
fails_with "notfound" deployment show 999999

# ---- audit, server gone --------------------------------------------------------------------
export FLEETWARD_TOKEN=$FLW_ADMIN_TOKEN
check "audit --json has entries" bash -c "'$F' audit --json --limit 500 | jq -e '(.items | length) > 5'"
check "audit table" bash -c "'$F' audit --limit 5 | head -1 | grep -q '^ID '"
flw_stop_server
fails_with "is fleetwardd running at $FLW_URL" group list

flw_done
