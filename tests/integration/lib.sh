# tests/integration/lib.sh - shared helpers for integration tests (sourced, not run).
#
# Each test starts its own fleetwardd on 127.0.0.1 with an ephemeral port and a temporary data
# directory, records every PID it starts and stops only those. Tests print "ok"/"not ok" lines
# and finish with a plain "N passed, N failed" line; exit status 0 only if nothing failed.
#
#   . "$FLW_SRC_DIR/tests/integration/lib.sh"
#   flw_start_server            # sets FLW_URL, FLW_DATA, FLW_ADMIN_TOKEN, FLW_SERVER_PID
#   check "devices list is empty" flw_api GET /api/v1/devices
#   flw_done

set -u
: "${FLW_SRC_DIR:?set FLW_SRC_DIR (ctest does)}"
: "${FLW_BIN_DIR:?set FLW_BIN_DIR (ctest does)}"
FLWD="$FLW_BIN_DIR/fleetwardd"
FLW_CLI="$FLW_BIN_DIR/fleetward"
FLW_AGENT="$FLW_BIN_DIR/fleetward-agent"

FLW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/flwtest.XXXXXX")
FLW_PASSED=0
FLW_FAILED=0
FLW_PIDS=()

flw_cleanup() {
	local p
	for p in "${FLW_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${FLW_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ "${FLW_KEEP_TMP:-0}" = 1 ] || [ "$FLW_FAILED" -gt 0 ]; then
		echo "# kept $FLW_TMP"
	else
		rm -rf "$FLW_TMP"
	fi
}
trap flw_cleanup EXIT

ok() { FLW_PASSED=$((FLW_PASSED + 1)); echo "ok - $*"; }
fail() { FLW_FAILED=$((FLW_FAILED + 1)); echo "not ok - $*"; }
# check "description" command...: passes when the command exits 0
check() {
	local what=$1
	shift
	if "$@" >"$FLW_TMP/last.out" 2>&1; then ok "$what"; else fail "$what"; sed 's/^/#   /' "$FLW_TMP/last.out" | head -20; fi
}
# check_fails "description" command...: passes when the command exits non-zero
check_fails() {
	local what=$1
	shift
	if "$@" >"$FLW_TMP/last.out" 2>&1; then fail "$what (unexpectedly succeeded)"; sed 's/^/#   /' "$FLW_TMP/last.out" | head -20; else ok "$what"; fi
}
flw_done() {
	echo "$FLW_PASSED passed, $FLW_FAILED failed"
	[ "$FLW_FAILED" -eq 0 ]
	exit $?
}
flw_skip() { echo "# skip: $*"; exit 77; }

# Start fleetwardd. Optional: FLW_DATA (reuse a data dir, e.g. after a restart), extra args.
flw_start_server() {
	FLW_DATA=${FLW_DATA:-$FLW_TMP/data}
	rm -f "$FLW_TMP/port"
	# tests check in back to back; 107 tests the check-in floor itself
	local floor=(--min-checkin-interval 0)
	case " $* " in *" --min-checkin-interval "*) floor=() ;; esac
	"$FLWD" --listen 127.0.0.1:0 --data "$FLW_DATA" --port-file "$FLW_TMP/port" \
		--init-token-file "$FLW_TMP/admin.token" "${floor[@]}" "$@" >>"$FLW_TMP/fleetwardd.log" 2>&1 &
	FLW_SERVER_PID=$!
	FLW_PIDS+=("$FLW_SERVER_PID")
	local i
	for i in $(seq 1 100); do
		[ -s "$FLW_TMP/port" ] && break
		kill -0 "$FLW_SERVER_PID" 2>/dev/null || { cat "$FLW_TMP/fleetwardd.log"; echo "fleetwardd exited"; exit 1; }
		sleep 0.05
	done
	[ -s "$FLW_TMP/port" ] || { cat "$FLW_TMP/fleetwardd.log"; echo "fleetwardd did not start"; exit 1; }
	FLW_PORT=$(cat "$FLW_TMP/port")
	FLW_URL="http://127.0.0.1:$FLW_PORT"
	FLW_ADMIN_TOKEN=$(cat "$FLW_TMP/admin.token")
	export FLEETWARD_SERVER="$FLW_URL" FLEETWARD_TOKEN="$FLW_ADMIN_TOKEN"
}
# Stop the server we started (SIGTERM, or the signal given).
flw_stop_server() {
	kill "-${1:-TERM}" "$FLW_SERVER_PID" 2>/dev/null
	wait "$FLW_SERVER_PID" 2>/dev/null
	return 0
}

# flw_api METHOD PATH [BODY]: management API call with the admin token; prints the body,
# fails on HTTP >= 400. FLW_HTTP_CODE holds the status.
flw_api() {
	local method=$1 path=$2 body=${3:-}
	local args=(-sS -o "$FLW_TMP/api.body" -w '%{http_code}' -X "$method"
		-H "Authorization: Bearer ${FLW_TOKEN:-$FLW_ADMIN_TOKEN}")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	FLW_HTTP_CODE=$(curl "${args[@]}" "$FLW_URL$path")
	cat "$FLW_TMP/api.body"
	[ "$FLW_HTTP_CODE" -lt 400 ]
}
# expect_status CODE METHOD PATH [BODY] [extra curl args...]: raw request, checks the status
# and that an error answer is JSON with error.code.
expect_status() {
	local want=$1 method=$2 path=$3 body=${4:-}
	shift 4 2>/dev/null || shift $#
	local args=(-sS -o "$FLW_TMP/raw.body" -w '%{http_code}' -X "$method")
	[ -n "$body" ] && args+=(--data-binary "$body")
	local got
	got=$(curl "${args[@]}" "$@" "$FLW_URL$path")
	if [ "$got" != "$want" ]; then
		echo "$method $path: HTTP $got, wanted $want: $(head -c 300 "$FLW_TMP/raw.body")"
		return 1
	fi
	if [ "$got" -ge 400 ] && ! jq -e '.error.code and .error.message' "$FLW_TMP/raw.body" >/dev/null 2>&1; then
		echo "$method $path: HTTP $got without a JSON error body: $(head -c 300 "$FLW_TMP/raw.body")"
		return 1
	fi
}
