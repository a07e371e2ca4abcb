#!/bin/bash
# 405_attack_indefinite_freeze.sh - TUF "indefinite freeze" (SECURITY-TESTS.md 2.1, SEC-02,
# SEC-07) against the real agent. The device trusts the current timestamp; then two days pass
# (libfaketime moves the clock of both fleetwardd and the agent: the honest server re-signs its
# expired timestamp) while a man in the middle keeps serving the old, validly signed timestamp.
# The agent refuses it as expired naming the freeze, its trust and slots stay byte-identical,
# and once the attacker stops, the honest update installs.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
. "$FLW_SRC_DIR/tests/integration/lib_attack.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"
FT_LIB=
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -f "$f" ] && FT_LIB=$f && break
done
[ -n "$FT_LIB" ] || flw_skip "libfaketime (Debian package faketime) is not installed"
D=$FLW_TMP/cam-fz

atk_setup cam-fz
atk_new_release frozen
check "the device trusts the current metadata (honest refresh)" \
	"$FLW_BIN_DIR/fleetward-tuf-client" --metadata-dir "$D/state/tuf" --metadata-url "$FLW_URL/tuf/metadata" refresh
atk_meta timestamp.json >"$FLW_TMP/frozen-ts.json"
check "which is the timestamp the attacker keeps" cmp "$FLW_TMP/frozen-ts.json" "$D/state/tuf/timestamp.json"

# two days later, for the server and the device alike
for p in fleetwardd fleetward-agent; do
	printf '#!/bin/sh\nFAKETIME=+2d LD_PRELOAD=%s exec %s "$@"\n' "$FT_LIB" "$FLW_BIN_DIR/$p" >"$FLW_TMP/$p-later"
	chmod +x "$FLW_TMP/$p-later"
done
flw_stop_server
FLWD=$FLW_TMP/fleetwardd-later
FLW_AGENT=$FLW_TMP/fleetward-agent-later
flw_start_server
for _ in $(seq 1 50); do
	atk_meta timestamp.json | cmp -s - "$FLW_TMP/frozen-ts.json" || break
	sleep 0.1
done
check "the honest server has re-signed its expired timestamp" \
	bash -c "! curl -sS -f '$FLW_URL/tuf/metadata/timestamp.json' | cmp -s - '$FLW_TMP/frozen-ts.json'"

atk_attack cam-fz frozen \
	"[{\"path\": \"^/tuf/metadata/timestamp.json\$\", \"action\": \"file\", \"file\": \"$FLW_TMP/frozen-ts.json\"}]" \
	'freeze'
check "the agent names the expired role" grep -q "freeze: timestamp expired at $(jq -r .signed.expires "$FLW_TMP/frozen-ts.json")" "$D/agent.log"
flw_done
