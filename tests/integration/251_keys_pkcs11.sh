#!/bin/bash
# 251_keys_pkcs11.sh - root and targets keys in an HSM (SoftHSM2) through PKCS#11: keygen
# --pkcs11 generates the key pairs on the tokens, repo init and release create sign with them
# (pkcs11: URIs wherever a key is taken), and a real fleetwardd accepts the release; the
# signatures verify with openssl against the public keys read from the token. Wrong PIN, no PIN,
# unknown token/key, a duplicate label and a missing module are refused with clear errors; the
# module is found through --pkcs11-module, $FLEETWARD_PKCS11_MODULE, the URI's module-path and
# p11-kit's proxy (the default). Skipped (77) when softhsm2 is not installed.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
command -v softhsm2-util >/dev/null || flw_skip "softhsm2 not installed (apt-get install softhsm2)"
MOD=
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$m" ] && MOD=$m && break
done
[ -n "$MOD" ] || flw_skip "libsofthsm2.so not found"
command -v setsid >/dev/null || flw_skip "setsid not installed"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME" tokens
unset FLEETWARD_KEY_PASSPHRASE FLEETWARD_PKCS11_PIN FLEETWARD_PKCS11_MODULE

# a private SoftHSM2 token store for this test only
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$FLW_TMP" >softhsm2.conf
export SOFTHSM2_CONF=$FLW_TMP/softhsm2.conf
softhsm2-util --init-token --free --label fw-root --so-pin 1111 --pin 2222 >/dev/null &&
	softhsm2-util --init-token --free --label fw-targets --so-pin 3333 --pin 4444 >/dev/null ||
	{ echo "softhsm2-util cannot initialise a token"; exit 1; }
printf '2222\n' >root.pin
printf '4444\n' >targets.pin
chmod 600 root.pin targets.pin
ROOT_URI="pkcs11:token=fw-root;object=root-1"
TGT_URI="pkcs11:token=fw-targets;object=targets-1?pin-source=file:$FLW_TMP/targets.pin"

hex2bin() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")"; }
# verify_sig ENVELOPE PUBFILE: the signature by the key in PUBFILE over the canonical "signed"
verify_sig() {
	local env=$1 pub=$2 keyid sig
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
keyid_of() { jq -cjS . "$1" | sha256sum | cut -d' ' -f1; }
# fails_with "text" args...: the CLI exits 1 and stderr has text (no controlling terminal)
fails_with() {
	local want=$1
	shift
	setsid -w "$F" "$@" >"$FLW_TMP/f.out" 2>"$FLW_TMP/f.err" </dev/null
	local rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$want" "$FLW_TMP/f.err"; then
		ok "'fleetward $*' fails with '$want'"
	else
		fail "'fleetward $*' fails (exit 1, got $rc) with '$want'"
		sed 's/^/#   /' "$FLW_TMP/f.err" | head -5
	fi
}

flw_start_server
# SoftHSM 2.6 leaks an OpenSSL ASN1 string per EdDSA signature inside C_Sign: under the asan
# preset, LeakSanitizer ignores the module's memory (slow unwinding to see its frames).
printf 'leak:libsofthsm2.so\nleak:p11-kit-proxy.so\nleak:libp11-kit.so\n' >lsan.supp
export LSAN_OPTIONS="suppressions=$FLW_TMP/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

# ---- keys generated on the tokens ----------------------------------------------------------
check "keygen --pkcs11 (root key on token fw-root, --pkcs11-module, --pin-file)" \
	"$F" keygen --pkcs11 "$ROOT_URI" --pkcs11-module "$MOD" --pin-file root.pin -o root
cp "$FLW_TMP/last.out" keygen.out
check "only the public key is written" bash -c "test -s root.pub && test ! -e root"
check "keygen prints the keyid of the token's key" grep -qx "$(keyid_of root.pub)" keygen.out
FLEETWARD_PKCS11_MODULE=$MOD check "keygen --pkcs11 (targets key, \$FLEETWARD_PKCS11_MODULE, pin-source in the URI)" \
	"$F" keygen --pkcs11 "$TGT_URI" -o targets --json
check "--json names the key" jq -e --arg k "$(keyid_of targets.pub)" '.keyid == $k and .public == "targets.pub"' "$FLW_TMP/last.out"
if command -v pkcs11-tool >/dev/null; then # (opensc) an independent look at the token
	check "the token holds the pair: private key sensitive, never extractable" bash -c \
		"pkcs11-tool --module '$MOD' --token-label fw-targets --login --pin 4444 -O 2>/dev/null |
		 grep -A8 'Private Key Object' | grep -q 'Access: *sensitive, always sensitive, never extractable, local'"
else
	echo "# pkcs11-tool (opensc) not installed: token attribute check skipped"
fi
export FLEETWARD_PKCS11_MODULE=$MOD
FLEETWARD_PKCS11_PIN=2222 fails_with "already holds a key 'root-1'" keygen --pkcs11 "$ROOT_URI"
FLEETWARD_PKCS11_PIN=9999 fails_with "wrong PIN" keygen --pkcs11 "pkcs11:token=fw-root;object=x"
fails_with "needs a PIN" keygen --pkcs11 "pkcs11:token=fw-root;object=x"
FLEETWARD_PKCS11_PIN=2222 fails_with "no initialized PKCS#11 token 'nope'" keygen --pkcs11 "pkcs11:token=nope;object=x"
FLEETWARD_PKCS11_PIN=2222 fails_with "cannot load the PKCS#11 module" keygen --pkcs11 "pkcs11:token=fw-root;object=x" \
	--pkcs11-module "$FLW_TMP/nothing.so"
fails_with "unsupported path attribute 'slot-id'" keygen --pkcs11 "pkcs11:token=fw-root;slot-id=1;object=x"
check "keygen --pkcs11 --encrypt is a usage error (exit 2)" bash -c "'$F' keygen --pkcs11 '$ROOT_URI' --encrypt 2>&1 >/dev/null | grep -q 'encrypt is for key files'; test \${PIPESTATUS[0]} -eq 2"
check "keygen -o PATH (file) still refuses without -o" bash -c "'$F' keygen >/dev/null 2>&1; test \$? -eq 2"

# ---- repo init and a release signed in the HSM ---------------------------------------------
FLEETWARD_PKCS11_PIN=0000 fails_with "wrong PIN" repo init --root-key "$ROOT_URI" --targets-key "$TGT_URI" -o root.json
fails_with "no Ed25519 private key 'root-2'" repo init --root-key "pkcs11:token=fw-root;object=root-2" \
	--targets-key "$TGT_URI" --pin-file root.pin -o root.json
check "no root.json after refusals" test ! -e root.json
check "repo init with root and targets keys on the tokens" \
	"$F" repo init --root-key "$ROOT_URI" --pin-file root.pin --targets-key "$TGT_URI" -o root.json
check "root lists the token's targets key" jq -e --arg k "$(keyid_of targets.pub)" '.signed.roles.targets.keyids == [$k]' root.json
check "root lists the token's root key" jq -e --arg k "$(keyid_of root.pub)" '.signed.roles.root.keyids == [$k]' root.json
check "root.json's signature by the HSM root key verifies (openssl)" verify_sig root.json root.pub
check "the server serves that root" bash -c "curl -sSf '$FLW_URL/tuf/metadata/1.root.json' | cmp - root.json"
head -c 300000 /dev/urandom >cam-3.0.img
check "release create --key pkcs11:... (targets key in the HSM)" "$F" release create cam-3.0.img \
	--name fw/cam-3.0.img --version 3.0.0 --hardware cam-v2 --key "$TGT_URI" -o v2.json
check "the metadata's signature verifies (openssl)" verify_sig v2.json targets.pub
check "release upload: the server accepts the HSM-signed release" "$F" release upload --metadata v2.json cam-3.0.img
check "the server lists the release" bash -c "'$F' release list --json | jq -e '.items | map(.name) | index(\"fw/cam-3.0.img\") != null'"
check "the served targets v2 are the HSM-signed bytes" bash -c "curl -sSf '$FLW_URL/tuf/metadata/2.targets.json' | cmp - v2.json"

# ---- the module through p11-kit's proxy (the default) and through the URI ------------------
unset FLEETWARD_PKCS11_MODULE
head -c 1000 /dev/urandom >cam-3.1.img
if [ -r /usr/share/p11-kit/modules/softhsm2.module ] && ls /usr/lib/*/p11-kit-proxy.so >/dev/null 2>&1; then
	check "release create via p11-kit-proxy.so (no module given)" "$F" release create cam-3.1.img \
		--name fw/cam-3.1.img --version 3.1.0 --hardware cam-v2 --key "$TGT_URI" -o v3.json
	check "... signed by the same token key" verify_sig v3.json targets.pub
	rm -f v3.json
else
	echo "# p11-kit proxy or its softhsm2 module registration is missing; proxy check skipped"
fi
check "release create with module-path in the URI" "$F" release create cam-3.1.img \
	--name fw/cam-3.1.img --version 3.1.0 --hardware cam-v2 --key "$TGT_URI&module-path=$MOD" -o v3.json
check "release upload of the second HSM-signed release" "$F" release upload --metadata v3.json cam-3.1.img

# ---- SC-03: no private key material on the server side -------------------------------------
check "the token store is not under the server's data dir" bash -c "! grep -rlq 'fw-targets' '$FLW_DATA'"
flw_done
