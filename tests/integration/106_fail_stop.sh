#!/bin/bash
# Fail-stop on storage errors (SECURITY-TESTS SRV-03): the database's files stop growing
# (RLIMIT_FSIZE on the running server, so writes fail with EFBIG); the server must stop
# acknowledging at the first failure, exit non-zero, and after a restart everything it did
# acknowledge is there.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
command -v prlimit >/dev/null || flw_skip "prlimit (util-linux) not installed"
flw_start_server

created=()
check "a group is created before the fault" flw_api POST /api/v1/groups '{"name":"before"}'
created+=(before)
wal=$(stat -c %s "$FLW_DATA/fleetward.db-wal" 2>/dev/null || echo 0)
db=$(stat -c %s "$FLW_DATA/fleetward.db")
limit=$(((wal > db ? wal : db) + 65536))
check "limit the server's file size" prlimit --pid "$FLW_SERVER_PID" --fsize="$limit"

first_fail=0
late_ok=0
for i in $(seq 1 200); do
	code=$(curl -sS -o "$FLW_TMP/b" -w '%{http_code}' -H "Authorization: Bearer $FLW_ADMIN_TOKEN" \
		-d "{\"name\":\"g$i\"}" "$FLW_URL/api/v1/groups" 2>/dev/null)
	if [ "$code" = 201 ]; then
		[ "$first_fail" = 0 ] || late_ok=$((late_ok + 1))
		created+=("g$i")
	elif [ "$first_fail" = 0 ]; then
		first_fail=$i
		echo "# first failure at request $i: HTTP $code"
	fi
	kill -0 "$FLW_SERVER_PID" 2>/dev/null || break
done
check "the fault was hit" test "$first_fail" -gt 0
check "no acknowledgement after the first failure" test "$late_ok" = 0
server_exit() {
	local rc=0
	for _ in $(seq 1 100); do kill -0 "$FLW_SERVER_PID" 2>/dev/null || break; sleep 0.05; done
	wait "$FLW_SERVER_PID" || rc=$?
	[ "$rc" = 1 ] || { echo "exit status $rc"; return 1; }
}
check "the server exits with status 1" server_exit
check "it logs why" grep -q "storage failure" "$FLW_TMP/fleetwardd.log"

flw_start_server
all_there() {
	flw_api GET /api/v1/groups >"$FLW_TMP/groups.json" || return 1
	local g
	for g in "${created[@]}"; do
		jq -e --arg g "$g" '[.items[].name] | index($g)' "$FLW_TMP/groups.json" >/dev/null ||
			{ echo "acknowledged group '$g' is missing"; return 1; }
	done
}
check "after a restart every acknowledged change is there" all_there
check "and the server works again" flw_api POST /api/v1/groups '{"name":"after"}'
flw_done
