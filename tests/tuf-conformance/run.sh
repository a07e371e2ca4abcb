#!/usr/bin/env bash
# tests/tuf-conformance/run.sh - run theupdateframework/tuf-conformance against
# fleetward-tuf-client (PROTOCOLS.md 4.9; see README.md next to this script).
#
# usage: run.sh [--client PATH] [--suite DIR] [--python-tuf DIR] [--securesystemslib DIR]
#               [-- PYTEST-ARGS...]
#   --client            fleetward-tuf-client binary (default: build/dev/fleetward-tuf-client)
#   --suite             tuf-conformance checkout   (default: $FLW_TUF_CONFORMANCE_DIR)
#   --python-tuf        python-tuf v5.1.0 source    (default: $FLW_PYTHON_TUF_DIR)
#   --securesystemslib  securesystemslib v1.2.0 src (default: $FLW_SSLIB_DIR)
# PYTHON selects the interpreter (default /usr/bin/python3: Debian's, which sees
# python3-pytest, python3-cryptography and python3-requests).
#
# Exit: pytest's status (0 = every test passed or was an expected failure), 77 (skipped)
# when a requirement is missing, 2 on a usage error.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
client="$root/build/dev/fleetward-tuf-client"
suite=${FLW_TUF_CONFORMANCE_DIR:-}
pytuf=${FLW_PYTHON_TUF_DIR:-}
sslib=${FLW_SSLIB_DIR:-}
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

while [ $# -gt 0 ]; do
	case "$1" in
	--client) client=${2:?}; shift 2 ;;
	--suite) suite=${2:?}; shift 2 ;;
	--python-tuf) pytuf=${2:?}; shift 2 ;;
	--securesystemslib) sslib=${2:?}; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

skip() {
	echo "SKIP: tuf-conformance: $*"
	exit 77
}

[ -n "$suite" ] && [ -f "$suite/tuf_conformance/conftest.py" ] ||
	skip "no tuf-conformance checkout (--suite or FLW_TUF_CONFORMANCE_DIR)"
[ -n "$pytuf" ] && [ -f "$pytuf/tuf/ngclient/updater.py" ] ||
	skip "no python-tuf source (--python-tuf or FLW_PYTHON_TUF_DIR)"
[ -n "$sslib" ] && [ -f "$sslib/securesystemslib/signer/__init__.py" ] ||
	skip "no securesystemslib source (--securesystemslib or FLW_SSLIB_DIR)"
[ -x "$client" ] || skip "no client binary at $client (build fleetward-tuf-client)"
command -v "$PYTHON" >/dev/null 2>&1 || skip "no $PYTHON"
command -v faketime >/dev/null 2>&1 || skip "no faketime (Debian package faketime)"
"$PYTHON" -c 'import pytest, cryptography, requests' >/dev/null 2>&1 ||
	skip "$PYTHON lacks pytest, cryptography or requests (python3-pytest ...)"

case "$client" in
/*) ;;
*) client="$(cd "$(dirname "$client")" && pwd)/$(basename "$client")" ;;
esac
suite=$(cd "$suite" && pwd)
pytuf=$(cd "$pytuf" && pwd)
sslib=$(cd "$sslib" && pwd)

# cryptography < 40 names the private-key union PRIVATE_KEY_TYPES; securesystemslib 1.x
# imports PrivateKeyTypes. A sitecustomize in a private directory adds the alias.
site=$(mktemp -d "${TMPDIR:-/tmp}/flw-tufconf.XXXXXX") || exit 1
trap 'rm -rf "$site"' EXIT
cat >"$site/sitecustomize.py" <<'EOF'
try:
    from cryptography.hazmat.primitives.asymmetric import types as _t
    if not hasattr(_t, "PrivateKeyTypes") and hasattr(_t, "PRIVATE_KEY_TYPES"):
        _t.PrivateKeyTypes = _t.PRIVATE_KEY_TYPES
    if not hasattr(_t, "PublicKeyTypes") and hasattr(_t, "PUBLIC_KEY_TYPES"):
        _t.PublicKeyTypes = _t.PUBLIC_KEY_TYPES
except ImportError:
    pass
EOF
export PYTHONPATH="$site:$suite:$pytuf:$sslib${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
"$PYTHON" -c 'import tuf.ngclient, securesystemslib.signer' >/dev/null 2>&1 ||
	skip "python-tuf / securesystemslib do not import with $PYTHON (versions?)"

echo "tuf-conformance: suite $suite ($(git -C "$suite" rev-parse --short HEAD 2>/dev/null || echo 'no git'))"
echo "tuf-conformance: client $client"
cd "$suite" || exit 1
"$PYTHON" -m pytest -p no:cacheprovider -ra tuf_conformance --entrypoint "$client" "$@"
status=$?
echo "tuf-conformance: pytest exit status $status"
exit $status
