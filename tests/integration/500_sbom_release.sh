#!/bin/bash
# 500_sbom_release.sh - a release's CycloneDX SBOM through a real fleetwardd: `release create
# --sbom` signs its sha256 and length into custom.sbom, `release upload` uploads it with the
# image, publication stores the components (GET /api/v1/releases/{name}/components); a release
# whose SBOM is missing, differs from the signed one or is not a valid SBOM is refused.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
flw_start_server
auth=(-H "Authorization: Bearer $FLW_ADMIN_TOKEN")

"$F" keygen -o root.key >/dev/null 2>&1 && "$F" keygen -o t.key >/dev/null 2>&1
check "repo init" "$F" repo init --root-key root.key --targets-key t.key -o root.json
cp "$FLW_SRC_DIR/fuzz/corpora/sbom/syft-style.json" sbom.json
head -c 50000 /dev/urandom >img
check "release create --sbom" "$F" release create img --name fw/cam.img --version 1.1 \
	--hardware cam-v2 --sbom sbom.json --key t.key -o rel.json
SHA=$(sha256sum sbom.json | cut -d' ' -f1)
LEN=$(stat -c %s sbom.json)
check "custom.sbom holds the SBOM's sha256 and length" jq -e --arg s "$SHA" --argjson l "$LEN" \
	'.signed.targets["fw/cam.img"].custom.sbom == {"sha256": $s, "length": $l}' rel.json

# missing: only the image uploaded
"$F" release upload --metadata rel.json img >miss.out 2>&1
check "a release whose SBOM was not uploaded is refused" test $? = 1
check "... naming the SBOM and the target" grep -q "target 'fw/cam.img': its SBOM (sha256 $SHA" miss.out
check "... and nothing was published" bash -c "'$F' release list --json | jq -e '.items | length == 0' >/dev/null"

# mismatch: another SBOM file given to upload
jq '.components[0].version = "1.36.2"' sbom.json >other.json
"$F" release upload --metadata rel.json img other.json >mm.out 2>&1
check "an SBOM other than the signed one is refused by release upload" test $? = 1
check "... saying it is not part of the metadata" grep -q "'other.json'.*is not a target of rel.json" mm.out
# ... and by the server when uploaded behind the CLI's back
curl -sSf "${auth[@]}" -X PUT --data-binary @other.json "$FLW_URL/api/v1/artifacts" >/dev/null
code=$(curl -sS -o srv.out -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/json' \
	--data-binary @rel.json "$FLW_URL/api/v1/releases")
check "the server refuses it too (422 hash)" bash -c "[ $code = 422 ] && jq -e '.error.code == \"hash\"' srv.out >/dev/null"

# round trip
check "release upload with the SBOM" "$F" release upload --metadata rel.json img sbom.json
check "components API" bash -c "curl -sSf -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' '$FLW_URL/api/v1/releases/fw/cam.img/components' >comp.json"
check "... lists the 4 components, nested ones included, in SBOM order" jq -e \
	'[.items[].name] == ["busybox", "dropbear", "linux", "openssl"]' comp.json
check "... with version, purl, cpe and the vendor derived from the CPE" jq -e \
	'.items[3] == {"name": "openssl", "version": "3.0.13", "purl": "pkg:deb/debian/openssl@3.0.13-1~deb12u1?arch=arm64", "cpe": "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "vendor": "openssl"} and .items[2].vendor == null and .items[2].cpe == null' comp.json
check "URL-encoded release name" bash -c "curl -sSf -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' '$FLW_URL/api/v1/releases/fw%2Fcam.img/components' | jq -e '.items | length == 4' >/dev/null"
check "the release itself is still served" bash -c "curl -sSf -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' '$FLW_URL/api/v1/releases/fw/cam.img' | jq -e '.name == \"fw/cam.img\"' >/dev/null"
check "unknown release: 404 JSON" expect_status 404 GET /api/v1/releases/fw/none.img/components "" "${auth[@]}"
check "viewer may read components" bash -c "T=\$('$F' token create v1 --role viewer) && curl -sSf -H \"Authorization: Bearer \$T\" '$FLW_URL/api/v1/releases/fw/cam.img/components' >/dev/null"

# a release without an SBOM has no components
head -c 1000 /dev/urandom >img2
check "release without --sbom" "$F" release create img2 --name fw/plain.img --version 1 --hardware cam-v2 --key t.key -o plain.json
check "... uploads" "$F" release upload --metadata plain.json img2
check "... and has an empty component list" bash -c "curl -sSf -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' '$FLW_URL/api/v1/releases/fw/plain.img/components' | jq -e '.items == []' >/dev/null"

# the CLI refuses a bad SBOM before signing
printf '{"bomFormat":"CycloneDX","specVersion":"1.3","components":[]}' >old.json
"$F" release create img2 --name fw/b.img --version 1 --hardware cam-v2 --sbom old.json --key t.key -o b.json >bad.out 2>&1
check "release create refuses an SBOM of CycloneDX 1.3" test $? = 1
check "... naming specVersion" grep -q "specVersion" bad.out
# the server refuses a signed reference to an SBOM that does not parse
printf '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"x","cpe":"cpe:/a:x:x:1"}]}' >badcpe.json
check "release create (then pointed at a bad SBOM and re-signed)" "$F" release create img2 --name fw/b.img --version 1 --hardware cam-v2 --sbom sbom.json --key t.key -o b.json
jq --arg s "$(sha256sum badcpe.json | cut -d' ' -f1)" --argjson l "$(stat -c %s badcpe.json)" \
	'.signed.targets["fw/b.img"].custom.sbom = {"sha256": $s, "length": $l}' b.json >b2.json
check "repo sign" "$F" repo sign b2.json --key t.key
"$F" release upload --metadata b2.json img2 badcpe.json >bc.out 2>&1
check "a signed but invalid SBOM is refused at publication" test $? = 1
check "... naming the component's field" grep -q "SBOM refused: components\[0\].cpe" bc.out
check "... and storing nothing" bash -c "curl -sS -H 'Authorization: Bearer $FLW_ADMIN_TOKEN' '$FLW_URL/api/v1/releases/fw/b.img' | jq -e '.error.code == \"notfound\"' >/dev/null"
flw_done
