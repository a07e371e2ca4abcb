#!/bin/bash
# 090_store_outside_reader.sh - an operator reading the database with the sqlite3 shell while
# fleetwardd runs must not make the server lose acknowledged writes. (Regression for a review
# finding: the store opened and closed the database file on each connection open, which drops
# every POSIX lock the process holds on it - SQLite's included - so an outside reader could
# checkpoint and delete the WAL under the server.)
. "$FLW_SRC_DIR/tests/integration/lib.sh"
[ -x "$FLWD" ] || flw_skip "fleetwardd not built"
command -v sqlite3 >/dev/null || flw_skip "sqlite3 not installed"

flw_start_server
db=$FLW_DATA/fleetward.db
check "group created before the outside read" flw_api POST /api/v1/groups '{"name":"before"}'
check "outside reader sees the committed group" \
	bash -c "sqlite3 '$db' \"select count(*) from device_groups where name='before'\" | grep -qx 1"
check "the WAL is still there while the server runs" test -e "$db-wal"
check "group created after the outside read" flw_api POST /api/v1/groups '{"name":"after"}'
check "outside reader sees the second group" \
	bash -c "sqlite3 '$db' \"select count(*) from device_groups where name='after'\" | grep -qx 1"
flw_stop_server KILL
flw_start_server
check "both acknowledged groups survive SIGKILL and restart" \
	bash -c "'$FLW_CLI' --json group list | jq -e '[.items[].name] | index(\"before\") and index(\"after\")'"
check "database file is private (0600)" test "$(stat -c %a "$db")" = 600
flw_done
