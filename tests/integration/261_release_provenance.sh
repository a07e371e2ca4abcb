#!/bin/bash
# 261_release_provenance.sh - release provenance (source commit, builder, build time) in the
# target's custom fields, round trip through a real fleetwardd, and `fleetward release verify`:
# every check on its own line; a flipped image byte, a wrong root, missing provenance and a
# target not signed to the threshold fail it.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
flw_start_server

"$F" keygen -o root.key >/dev/null 2>&1 && "$F" keygen -o t.key >/dev/null 2>&1 && "$F" keygen -o other.key >/dev/null 2>&1
check "repo init" "$F" repo init --root-key root.key --targets-key t.key -o root.json
head -c 100000 /dev/urandom >img
SHA=0123456789abcdef0123456789abcdef01234567
check "release create with provenance" "$F" release create img --name fw/cam.img --version 2.0 \
	--hardware cam-v2 --security-version 4 --source-commit $SHA --builder ci.example/job/7 \
	--build-time 2024-05-01T12:00:00Z --key t.key -o rel.json
check "provenance fields are in the signed custom fields" jq -e --arg c $SHA \
	'.signed.targets["fw/cam.img"].custom | .source_commit == $c and .builder == "ci.example/job/7" and .build_time == "2024-05-01T12:00:00Z" and .security_version == 4' rel.json
check "upload" "$F" release upload --metadata rel.json img
check "the server serves them unchanged" bash -c "curl -sSf -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' '$FLW_URL/api/v1/tuf/targets' | jq -e '.signed.targets[\"fw/cam.img\"].custom.builder == \"ci.example/job/7\"' >/dev/null"
check "release verify --name (server metadata and root) passes" "$F" release verify img --name fw/cam.img
check "release verify --metadata --root (offline files) passes" "$F" release verify img --metadata rel.json --root root.json
"$F" release verify img --name fw/cam.img >v.out
for c in signatures target length sha256 "hardware ids" "security version" "source commit" builder "build time"; do
	check "verify reports '$c' on its own line" grep -q "^ok   $c " v.out
done
check "verify --json" bash -c "'$F' release verify img --name fw/cam.img --json | jq -e '.ok and (.checks | length) == 9' >/dev/null"
# SOURCE_DATE_EPOCH is the default build time
head -c 1000 /dev/urandom >img2
check "release create takes SOURCE_DATE_EPOCH" bash -c "SOURCE_DATE_EPOCH=1700000000 '$F' release create img2 --name fw/b.img --version 1 --hardware cam-v2 --key t.key --targets rel.json -o rel2.json"
check "build_time from SOURCE_DATE_EPOCH" jq -e '.signed.targets["fw/b.img"].custom.build_time == "2023-11-14T22:13:20Z"' rel2.json
# failures
cp img bad.img && printf '\x01' | dd of=bad.img bs=1 seek=500 conv=notrunc 2>/dev/null
cmp -s img bad.img && fail "byte not flipped"
"$F" release verify bad.img --name fw/cam.img >bad.out 2>&1
check "a flipped byte fails release verify (exit 1)" test $? = 1
check "... naming the sha256 check" grep -q '^FAIL sha256 ' bad.out
check "... while the length check passes" grep -q '^ok   length ' bad.out
# a wrong root: another repository's root
"$F" keygen -o r2.key >/dev/null 2>&1
jq --arg k "$(jq -cjS . other.key.pub | sha256sum | cut -d' ' -f1)" --argjson o "$(cat other.key.pub)" \
	'.signed.keys[$k] = $o | .signed.roles.targets.keyids = [$k] | .signatures = []' root.json >wrong-root.json
"$F" release verify img --name fw/cam.img --root wrong-root.json >wr.out 2>&1
check "a wrong root fails release verify" test $? = 1
check "... naming the signature check" grep -q '^FAIL signatures ' wr.out
check "a truncated image fails on length" bash -c "head -c 99999 img >short.img; ! '$F' release verify short.img --name fw/cam.img | grep -q '^ok   length'"
check "release create without provenance options" "$F" release create img2 --name fw/c.img --version 1 --hardware cam-v2 --key t.key --targets rel.json -o rel3.json
"$F" release verify img2 --metadata rel3.json --root root.json --name fw/c.img >np.out 2>&1
check "missing provenance fails release verify" test $? = 1
check "... naming source commit and builder" bash -c "grep -q '^FAIL source commit ' np.out && grep -q '^FAIL builder ' np.out && grep -q '^ok   signatures ' np.out"
# provenance edited after signing: the signature check fails
jq -c '.signed.targets["fw/cam.img"].custom.source_commit = "ffffffffffffffffffffffffffffffffffffffff"' rel.json >rel-edited.json
"$F" release verify img --metadata rel-edited.json --root root.json >ed.out 2>&1
check "an edited source commit fails the signature check" grep -q '^FAIL signatures ' ed.out
"$F" release create img --name fw/x.img --version 1 --hardware h --source-commit XYZ --key t.key --targets rel.json -o x.json >/dev/null 2>&1
check "a bad --source-commit is a usage error" test $? = 2
"$F" release create img --name fw/x.img --version 1 --hardware h --build-time yesterday --key t.key --targets rel.json -o x.json >/dev/null 2>&1
check "a bad --build-time is a usage error" test $? = 2
"$F" release verify img >/dev/null 2>&1
check "release verify without --metadata/--name is a usage error" test $? = 2
flw_done
