#!/bin/bash
# 091_datadir_lock.sh - one fleetwardd per data directory: a second one on the same --data is
# refused with an error naming the directory, and the first keeps serving.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
[ -x "$FLWD" ] || flw_skip "fleetwardd not built"

flw_start_server
second() {
	"$FLWD" --listen 127.0.0.1:0 --data "$FLW_DATA" --port-file "$FLW_TMP/port2" >"$FLW_TMP/second.log" 2>&1
}
check_fails "a second fleetwardd on the same data directory exits" second
check "it says the directory is in use" grep -q "is in use by another fleetwardd" "$FLW_TMP/second.log"
check "it never listened" test ! -s "$FLW_TMP/port2"
check "the first still serves" flw_api GET /healthz
flw_stop_server
check "after the first stops, the directory can be used again" flw_start_server
check "and serves" flw_api GET /healthz
flw_done
