#!/bin/bash
# 200_cli_offline.sh - the fleetward CLI without a server: keygen, help for every command in the
# command table, usage errors (exit 2 with what to type), config file handling, and transport
# errors that say what to check.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

F=$FLW_CLI
cd "$FLW_TMP" || exit 1
export HOME=$FLW_TMP/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
unset FLEETWARD_SERVER FLEETWARD_TOKEN

# ---- keygen ----------------------------------------------------------------------------------
keyid=$($F keygen -o k1 2>"$FLW_TMP/keygen.err")
check "keygen exits 0" test $? -eq 0
check "keygen prints a 64-hex keyid" grep -Eq '^[0-9a-f]{64}$' <<<"$keyid"
check "private key file has mode 0600" test "$(stat -c %a k1)" = 600
check "public key file exists" test -s k1.pub
check "public key is a TUF ed25519 key object" \
	jq -e '.keytype == "ed25519" and .scheme == "ed25519" and (.keyval.public | test("^[0-9a-f]{64}$")) and (.keyval | has("private") | not)' k1.pub
check "private key file holds the seed" jq -e '.keyval.private | test("^[0-9a-f]{64}$")' k1
before=$(sha256sum k1 k1.pub)
$F keygen -o k1 >/dev/null 2>"$FLW_TMP/over.err"
check "keygen refuses to overwrite (exit 1)" test $? -eq 1
check "refusal names the file" grep -q "'k1' already exists" "$FLW_TMP/over.err"
check "the key files are unchanged" test "$before" = "$(sha256sum k1 k1.pub)"
echo x >only.pub
$F keygen -o only >/dev/null 2>&1
check "keygen refuses when only PATH.pub exists" test $? -eq 1 -a ! -e only
$F keygen -o k2 >/dev/null 2>&1
check "a second key has another keyid" test "$(jq -r .keyval.public k2.pub)" != "$(jq -r .keyval.public k1.pub)"
kj=$($F keygen -o k3 --json 2>/dev/null)
check "keygen --json names the files" jq -e '.private == "k3" and .public == "k3.pub" and (.keyid | length) == 64' <<<"$kj"

# ---- help for every command in the table ------------------------------------------------------
list=$($F help --list)
check "help --list names the commands" test "$(wc -l <<<"$list")" -ge 25
for want in keygen "repo init" "repo root" "release create" "release upload" "release list" \
	"release show" "device list" "device show" "group create" "group list" "group add" \
	"group remove" "group delete" "enroll-token create" "enroll-token list" \
	"enroll-token revoke" deploy "deployment list" "deployment show" "deployment watch" \
	"deployment cancel" "token create" "token list" "token revoke" audit; do
	grep -qx "$want" <<<"$list" || fail "docs/CLI.md command '$want' is in the table"
done
bad=0
while read -r cmd; do
	# shellcheck disable=SC2086
	out=$($F $cmd --help 2>&1) || { echo "# '$cmd --help' exited $?"; bad=1; continue; }
	head -1 <<<"$out" | grep -q "^usage: fleetward $cmd" || { echo "# '$cmd --help': $out" | head -3; bad=1; }
	# shellcheck disable=SC2086
	$F help $cmd | head -1 | grep -q "^usage: fleetward $cmd" || { echo "# 'help $cmd' differs"; bad=1; }
	# shellcheck disable=SC2086
	$F -h $cmd >/dev/null 2>&1 || { echo "# '-h $cmd' failed"; bad=1; }
done <<<"$list"
check "every command and subcommand has --help (exit 0, usage line)" test $bad -eq 0
check "'fleetward help' lists commands" bash -c "'$F' help | grep -q 'deployment watch'"
check "'fleetward --help' exits 0" "$F" --help
check "'fleetward release --help' lists the subcommands" bash -c "'$F' release --help | grep -q 'release upload'"
check "--help of a listing documents --json" bash -c "'$F' release list --help | grep -q -- '--json'"

# ---- usage errors: exit 2 and say what to type instead ----------------------------------------
usage_case() { # usage_case "expected text" args...
	local want=$1
	shift
	"$F" "$@" >"$FLW_TMP/u.out" 2>"$FLW_TMP/u.err"
	local rc=$?
	if [ $rc -ne 2 ]; then
		fail "'fleetward $*' exits 2 (got $rc)"
		sed 's/^/#   /' "$FLW_TMP/u.err"
	elif ! grep -qF -- "$want" "$FLW_TMP/u.err"; then
		fail "'fleetward $*' says '$want'"
		sed 's/^/#   /' "$FLW_TMP/u.err"
	else
		ok "'fleetward $*' exits 2 with a hint"
	fi
}
usage_case "give --device ID or --group NAME; see 'fleetward deploy --help'" deploy fw/a.img
usage_case "not both" deploy fw/a.img --device d1 --group g
usage_case "unknown command 'frobnicate'; see 'fleetward help'" frobnicate
usage_case "unknown option '--colour'; see 'fleetward group list --help'" group list --colour
usage_case "give a subcommand; see 'fleetward release --help'" release
usage_case "unknown subcommand" release frob
usage_case "give a command"
usage_case "missing --output PATH" keygen
usage_case "missing --name PATH" release create img --version 1 --hardware h --key k1
usage_case "missing arguments; type: fleetward release create IMAGE" release create --name a --version 1 --hardware h --key k1
usage_case "too many arguments" group create a b
usage_case "--key needs a value" release create img --name a --version 1 --hardware h --key
usage_case "--version given twice" release create img --name a --version 1 --version 2 --hardware h --key k1
usage_case "--name '../x' is not a valid target name" release create img --name ../x --version 1 --hardware h --key k1
usage_case "--name 'fw//x' is not a valid target name" release create img --name fw//x --version 1 --hardware h --key k1
usage_case "--hardware 'a b'" release create img --name fw/x --version 1 --hardware 'a b' --key k1
usage_case "--security-version wants a whole number" release create img --name fw/x --version 1 --hardware h --key k1 --security-version -3
usage_case "--expires-in '3 weeks'" enroll-token create t1 --expires-in '3 weeks'
usage_case "--uses 0 would make a useless token" enroll-token create t1 --uses 0
usage_case "give --role admin, operator or viewer" token create t1 --role root
usage_case "missing --role ROLE" token create t1
usage_case "'seven' is not a deployment id" deployment show seven
usage_case "--timeout wants a whole number" deployment watch 1 --timeout soon
usage_case "name 'bad/name' is not valid" token create bad/name --role viewer
usage_case "group name '-x' is not valid" group create -- -x
usage_case "--limit wants a whole number from 1 to 1000" device list --limit 0
usage_case "--root-threshold wants a whole number from 1 to 1" repo init --root-key k1 --targets-key k2 --root-threshold 2

# ---- configuration --------------------------------------------------------------------------
mkdir -p "$HOME/.config/fleetward"
printf '# test\nserver = http://127.0.0.1:1\ncolour = yes\n' >"$HOME/.config/fleetward/cli.conf"
"$F" group list >/dev/null 2>"$FLW_TMP/c.err"
check "an unknown config key exits 2" test $? -eq 2
check "the config error names file and line" grep -q "cli.conf:3: unknown key 'colour'" "$FLW_TMP/c.err"
printf 'server = http://127.0.0.1:1\n' >"$HOME/.config/fleetward/cli.conf"
"$F" group list >/dev/null 2>"$FLW_TMP/c.err"
check "connection refused exits 1" test $? -eq 1
check "connection refused uses the config file's server" grep -q "cannot connect to http://127.0.0.1:1" "$FLW_TMP/c.err"
check "connection refused asks whether fleetwardd runs there" grep -q "is fleetwardd running at http://127.0.0.1:1" "$FLW_TMP/c.err"
FLEETWARD_SERVER=http://127.0.0.1:2 "$F" group list >/dev/null 2>"$FLW_TMP/c.err"
check "\$FLEETWARD_SERVER overrides the config file" grep -q "127.0.0.1:2" "$FLW_TMP/c.err"
FLEETWARD_SERVER=http://127.0.0.1:2 "$F" --server http://127.0.0.1:3 group list >/dev/null 2>"$FLW_TMP/c.err"
check "--server overrides \$FLEETWARD_SERVER" grep -q "127.0.0.1:3" "$FLW_TMP/c.err"
"$F" group list --server http://127.0.0.1:4 >/dev/null 2>"$FLW_TMP/c.err"
check "global options work after the command" grep -q "127.0.0.1:4" "$FLW_TMP/c.err"
rm "$HOME/.config/fleetward/cli.conf"
"$F" keygen -o k4 >/dev/null 2>&1
check "offline commands need no server" test -s k4.pub

flw_done
