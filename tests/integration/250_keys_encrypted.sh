#!/bin/bash
# 250_keys_encrypted.sh - passphrase-encrypted key files (docs/KEYS.md) through the CLI against a
# real fleetwardd: keygen --encrypt with the passphrase typed on a terminal (no echo, asked
# twice), from $FLEETWARD_KEY_PASSPHRASE and from --passphrase-file; repo init with an encrypted
# root key, release create with an encrypted targets key, the server accepting the release;
# wrong passphrase, damaged file and missing passphrase refused with a clear error.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
command -v python3 >/dev/null || flw_skip "python3 (pty) not installed"
command -v setsid >/dev/null || flw_skip "setsid not installed"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
unset FLEETWARD_KEY_PASSPHRASE FLEETWARD_PKCS11_PIN FLEETWARD_PKCS11_MODULE
PASS='s3cret pass phrase'

# fails_with "text" args...: the CLI exits 1 and stderr has text. Run without a controlling
# terminal (setsid), so that a passphrase prompt cannot wait for a developer's keyboard.
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
# on_tty OUT ARGS...: run the CLI on a pseudo-terminal, answering each passphrase prompt with the
# next line of $TTY_ANSWERS; the terminal's output goes to OUT; exit status is the CLI's
on_tty() {
	local out=$1
	shift
	python3 - "$out" "$F" "$@" <<'PY'
import os, pty, select, signal, sys, time
out, argv = sys.argv[1], sys.argv[2:]
answers = os.environ["TTY_ANSWERS"].split("\n")
env = {k: v for k, v in os.environ.items() if k != "FLEETWARD_KEY_PASSPHRASE"}
pid, fd = pty.fork()
if pid == 0:
    os.execve(argv[0], argv, env)
seen = b""
deadline = time.time() + 60
while True:
    left = deadline - time.time()
    if left <= 0:
        os.kill(pid, signal.SIGKILL)
        seen += b"<timeout>"
        break
    r, _, _ = select.select([fd], [], [], left)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    tail = seen.rstrip()
    if answers and (tail.endswith(b"':") or tail.endswith(b"passphrase:")):
        os.write(fd, (answers.pop(0) + "\n").encode())
        seen += b"<answered>"
_, status = os.waitpid(pid, 0)
open(out, "wb").write(seen)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 99)
PY
}

flw_start_server

# ---- keygen --encrypt ----------------------------------------------------------------------
TTY_ANSWERS=$(printf '%s\n%s' "$PASS" "$PASS") on_tty tty.out keygen -o targets.key --encrypt
check "keygen --encrypt on a terminal exits 0" test $? -eq 0
check "asked for the new passphrase twice" bash -c "grep -q \"new passphrase for 'targets.key'\" tty.out && grep -q 'repeat the passphrase' tty.out"
check "the typed passphrase is not echoed" bash -c "! grep -qF '$PASS' tty.out"
check "the encrypted key file is mode 0600" test "$(stat -c %a targets.key)" = 600
check "the key file is sealed (argon2id, xchacha20poly1305-ietf, version 1), no private key" \
	jq -e '.encrypted.version == 1 and .encrypted.kdf == "argon2id" and .encrypted.cipher == "xchacha20poly1305-ietf" and
	       .encrypted.opslimit >= 3 and .encrypted.memlimit >= 268435456 and (.keyval | has("private") | not) and
	       .keyval.public == input.keyval.public' targets.key targets.key.pub
TTY_ANSWERS=$(printf '%s\n%s' "one" "two") on_tty tty2.out keygen -o mismatch.key --encrypt
check "different passphrases on the terminal: exit 1" test $? -eq 1
check "... named, and no file written" bash -c "grep -q 'passphrases differ' tty2.out && test ! -e mismatch.key && test ! -e mismatch.key.pub"

FLEETWARD_KEY_PASSPHRASE=$PASS check "keygen --encrypt with \$FLEETWARD_KEY_PASSPHRASE" \
	"$F" keygen -o root.key --encrypt
printf '%s\n' "$PASS" >pass.txt
chmod 600 pass.txt
check "keygen --encrypt --passphrase-file" "$F" keygen -o root2.key --encrypt --passphrase-file pass.txt
fails_with "no terminal to ask the passphrase on" keygen -o nopass.key --encrypt
check "... and no file written" test ! -e nopass.key
printf '\n' >empty.txt
chmod 600 empty.txt
fails_with "empty passphrase" keygen -o empty.key --encrypt --passphrase-file empty.txt
chmod 644 pass.txt
fails_with "must be a regular file of mode 0600" keygen -o open.key --encrypt --passphrase-file pass.txt
chmod 600 pass.txt
check "the same key encrypted twice: different salt and nonce" \
	jq -e -n --slurpfile a root.key --slurpfile b root2.key '$a[0].encrypted.salt != $b[0].encrypted.salt and $a[0].encrypted.nonce != $b[0].encrypted.nonce'

# ---- loading: wrong passphrase, damage ----------------------------------------------------
FLEETWARD_KEY_PASSPHRASE="wrong" fails_with "wrong passphrase or damaged key file" \
	repo init --root-key root.key --targets-key targets.key -o root.json
check "... and no root.json written" test ! -e root.json
fails_with "no terminal to ask the passphrase on" repo init --root-key root.key --targets-key targets.key -o root.json
jq -c '.encrypted.ciphertext |= (.[0:10] + (if .[10:11] == "0" then "1" else "0" end) + .[11:])' root.key >damaged.key
chmod 600 damaged.key
FLEETWARD_KEY_PASSPHRASE=$PASS fails_with "wrong passphrase or damaged key file" \
	repo init --root-key damaged.key --targets-key targets.key -o root.json
jq -c '.encrypted.memlimit = 1099511627776' root.key >greedy.key
chmod 600 greedy.key
FLEETWARD_KEY_PASSPHRASE=$PASS fails_with "Argon2id costs out of range" \
	repo init --root-key greedy.key --targets-key targets.key -o root.json
check "the server still has no root" bash -c "'$F' repo root >/dev/null 2>&1; test \$? -ne 0"

# ---- repo init with an encrypted root key, release with an encrypted targets key -----------
FLEETWARD_KEY_PASSPHRASE=$PASS check "repo init: encrypted root and targets keys, passphrase from env" \
	"$F" repo init --root-key root.key --targets-key targets.key -o root.json
check "root lists the encrypted targets key" jq -e --arg k "$(jq -cjS . targets.key.pub | sha256sum | cut -d' ' -f1)" '.signed.roles.targets.keyids == [$k]' root.json
check "root is signed by the encrypted root key" jq -e --arg k "$(jq -cjS . root.key.pub | sha256sum | cut -d' ' -f1)" '[.signatures[].keyid] == [$k]' root.json
head -c 200000 /dev/urandom >cam-2.0.img
check "release create with the encrypted targets key (--passphrase-file)" "$F" release create cam-2.0.img \
	--name fw/cam-2.0.img --version 2.0.0 --hardware cam-v2 --key targets.key \
	--passphrase-file pass.txt -o v2.json
check "release upload: the server accepts it" "$F" release upload --metadata v2.json cam-2.0.img
check "the server serves targets v2 signed by the encrypted key" bash -c \
	"curl -sSf '$FLW_URL/tuf/metadata/2.targets.json' | jq -e --arg k \"\$(jq -cjS . targets.key.pub | sha256sum | cut -d' ' -f1)\" \
	 '.signatures[0].keyid == \$k and .signed.targets[\"fw/cam-2.0.img\"].length == 200000'"
check "the key files are unchanged by use" jq -e '.encrypted.version == 1' root.key
# the plain format keeps working next to encrypted ones
check "plain keygen still works" "$F" keygen -o plain.key
# (loaded, then refused only because v2.json is signed by the other targets key)
fails_with "not signed by this key" --server http://127.0.0.1:1 release create cam-2.0.img \
	--name fw/cam-2.0.img --version 2.0.0 --hardware cam-v2 --key plain.key --targets v2.json -o never.json
flw_done
