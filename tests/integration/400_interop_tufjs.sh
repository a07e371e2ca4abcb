#!/bin/bash
# 400_interop_tufjs.sh - an independent TUF client, tuf-js 5.0.1 (PROTOCOLS.md 4.7; pinned by
# tests/interop/package-lock.json), verifies the repository fleetwardd serves under /tuf/ and
# downloads a release through it; the bytes equal the image. Then each of these makes tuf-js
# refuse (exit 1): a target byte changed on the server's disk; the client's clock two days on
# (libfaketime: the timestamp has expired); an older snapshot replayed under the current name
# and an older timestamp replayed to a client that trusts a newer one (lib_attack.sh's proxy);
# a wrong trust anchor (a root with other keys). Needs node and npm (skipped without them);
# the packages come from `npm ci` (offline from npm's cache when it has them).
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
command -v node >/dev/null && command -v npm >/dev/null || flw_skip "node and npm are not installed"

# tuf-js: the committed lock file, installed into this test's own directory
IJ=$FLW_TMP/interop
mkdir -p "$IJ"
cp "$FLW_SRC_DIR"/tests/interop/{package.json,package-lock.json,check-repo.js} "$IJ/"
if ! (cd "$IJ" && npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1); then
	grep -Eq 'ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ENETUNREACH' "$IJ/npm.log" &&
		flw_skip "npm ci: the registry is unreachable and npm's cache lacks tuf-js 5.0.1"
	fail "npm ci"
	sed 's/^/#   /' "$IJ/npm.log" | tail -20
	flw_done
fi
check "tuf-js 5.0.1 is installed" jq -e '.version == "5.0.1"' "$IJ/node_modules/tuf-js/package.json"
tufjs() { node "$IJ/check-repo.js" "$@"; }
# refused DESC COMMAND...: check_fails, keeping the output in refusal.out for the next check
refused() {
	check_fails "$@"
	cp "$FLW_TMP/last.out" "$FLW_TMP/refusal.out"
	sed 's/^/#   /' "$FLW_TMP/refusal.out" | head -3
}
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"

flw_start_server
agent_repo_init
agent_image "$FLW_TMP/a.img" 1500000
check "release fw/a.img" agent_release "$FLW_TMP/a.img" fw/a.img 1.0.0
TUF=$FLW_URL/tuf

check "tuf-js verifies the repository and downloads fw/a.img" tufjs "$TUF" "$ROOT_JSON" fw/a.img "$FLW_TMP/out-a" "$FLW_TMP/c1"
check "the download equals the image" cmp "$FLW_TMP/a.img" "$FLW_TMP/out-a"
check "tuf-js stored the repository's exact timestamp bytes" \
	bash -c "curl -sS '$TUF/metadata/timestamp.json' | cmp - '$FLW_TMP/c1/metadata/timestamp.json'"
check_fails "tuf-js does not know a target the repository does not list" \
	tufjs "$TUF" "$ROOT_JSON" fw/nope.img "$FLW_TMP/out-nope"
agent_image "$FLW_TMP/b.img" 700000
check "a second release" agent_release "$FLW_TMP/b.img" fw/b.img 1.1.0
check "the client that trusts the first state follows to the second" \
	tufjs "$TUF" "$ROOT_JSON" fw/b.img "$FLW_TMP/out-b" "$FLW_TMP/c1"
check "fw/b.img verified" cmp "$FLW_TMP/b.img" "$FLW_TMP/out-b"

# a target byte changed on the server's disk
art=$(artifact_path "$FLW_TMP/a.img")
cp "$art" "$FLW_TMP/a.saved"
printf '\x00' | dd of="$art" bs=1 seek=777777 conv=notrunc status=none
refused "tampered target: tuf-js refuses it" tufjs "$TUF" "$ROOT_JSON" fw/a.img "$FLW_TMP/out-t"
check "tuf-js names the hash mismatch" grep -Eiq 'hash|digest' "$FLW_TMP/refusal.out"
check "and keeps no file" test ! -e "$FLW_TMP/out-t"
cp "$FLW_TMP/a.saved" "$art"
check "restored: tuf-js accepts it again" tufjs "$TUF" "$ROOT_JSON" fw/a.img "$FLW_TMP/out-a2"

# the client's clock two days on: the timestamp (1 day) has expired
FT_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
if [ -n "$FT_LIB" ]; then
	refused "expired timestamp: tuf-js refuses it" \
		env FAKETIME=+2d LD_PRELOAD="$FT_LIB" node "$IJ/check-repo.js" "$TUF" "$ROOT_JSON" fw/a.img "$FLW_TMP/out-e"
	check "tuf-js names the expiry" grep -Eiq 'expired' "$FLW_TMP/refusal.out"
else
	echo "# no libfaketime (Debian package faketime): expired-timestamp case skipped"
fi

# replays through a man in the middle
atk_proxy_start mitm
P=$(atk_url mitm)/tuf
sv=$(atk_meta timestamp.json | jq -r '.signed.meta["snapshot.json"].version')
atk_meta "$((sv - 1)).snapshot.json" >"$FLW_TMP/old-snapshot.json"
atk_rules mitm "[{\"path\": \"^/tuf/metadata/$sv.snapshot.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/old-snapshot.json\"}]"
refused "replayed old snapshot: tuf-js refuses it" tufjs "$P" "$ROOT_JSON" fw/a.img "$FLW_TMP/out-s"
check "the proxy served the old snapshot" test "$(atk_hits mitm file)" = 1
check "tuf-js names the mismatch with the timestamp" grep -Eiq 'length|hash|digest|version' "$FLW_TMP/refusal.out"
cp "$FLW_TMP/c1/metadata/timestamp.json" "$FLW_TMP/c1-ts.json"
agent_image "$FLW_TMP/c.img" 300000
check "a third release" agent_release "$FLW_TMP/c.img" fw/c.img 1.2.0
check "the client follows to it" tufjs "$P" "$ROOT_JSON" fw/c.img "$FLW_TMP/out-c" "$FLW_TMP/c1"
atk_rules mitm "[{\"path\": \"^/tuf/metadata/timestamp.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/c1-ts.json\"}]"
refused "replayed older timestamp: tuf-js refuses it" tufjs "$P" "$ROOT_JSON" fw/c.img "$FLW_TMP/out-r" "$FLW_TMP/c1"
check "tuf-js names the version" grep -Eiq 'version' "$FLW_TMP/refusal.out"
atk_rules mitm '[]'

# a wrong trust anchor: a self-consistent root whose root and timestamp keys are others
"$FLW_CLI" keygen -o "$FLW_TMP/other.key" >/dev/null 2>&1 && atk_key_pem "$FLW_TMP/other.key" "$FLW_TMP/other.pem"
okid=$(atk_keyid "$FLW_TMP/other.pem")
atk_resign "$ROOT_JSON" ".keys[\"$okid\"] = $(jq -cS . "$FLW_TMP/other.key.pub")
	| .roles.root.keyids = [\"$okid\"] | .roles.timestamp.keyids = [\"$okid\"]" "$FLW_TMP/other.pem" >"$FLW_TMP/wrong-root.json"
refused "wrong trust anchor: tuf-js refuses the repository" tufjs "$TUF" "$FLW_TMP/wrong-root.json" fw/a.img "$FLW_TMP/out-w"
check "tuf-js names the signatures" grep -Eiq 'sign' "$FLW_TMP/refusal.out"
flw_done
