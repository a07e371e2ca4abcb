#!/bin/bash
# fleetwardd start-up: first-run admin token (printed once, works, not replaced on restart),
# option validation, IPv6 listening, health and metrics, clean stop on SIGTERM.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

flw_start_server --poll-interval 60
LOG="$FLW_TMP/fleetwardd.log"

token_printed_once() {
	[ "$(grep -c '^admin token: flw_' "$LOG")" = 1 ] && grep -qx "admin token: $FLW_ADMIN_TOKEN" "$LOG"
}
check "first start prints the admin token once" token_printed_once
check "the token file holds an API token" grep -Eq '^flw_[A-Za-z0-9_-]{43}$' "$FLW_TMP/admin.token"
token_file_private() { [ "$(stat -c %a "$FLW_TMP/admin.token")" = 600 ]; }
check "the token file is mode 0600" token_file_private
check "the admin token works" flw_api GET /api/v1/status
keys_private() {
	for f in snapshot.key timestamp.key token.key; do
		[ "$(stat -c %a "$FLW_DATA/keys/$f")" = 600 ] || return 1
	done
	[ "$(stat -c %s "$FLW_DATA/keys/token.key")" = 32 ]
}
check "server keys exist with mode 0600" keys_private
check "healthz answers ok" expect_status 200 GET /healthz
healthz_body() { curl -sS "$FLW_URL/healthz" | jq -e '.status == "ok"'; }
check "healthz body is {status: ok}" healthz_body
metrics() {
	curl -sS "$FLW_URL/metrics" >"$FLW_TMP/metrics" &&
		grep -q '^fleetward_http_requests_total{class="other",code="200"} [0-9]' "$FLW_TMP/metrics" &&
		grep -q '^fleetward_checkins_total 0' "$FLW_TMP/metrics" &&
		grep -q '^fleetward_devices 0' "$FLW_TMP/metrics"
}
check "metrics in Prometheus text" metrics
unknown_token() { FLW_TOKEN=flw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA expect_status 401 GET /api/v1/status "" -H "Authorization: Bearer flw_nope"; }
check "an unknown token is refused with 401" unknown_token
check "no token is refused with 401" expect_status 401 GET /api/v1/devices
status_fields() { flw_api GET /api/v1/status | jq -e '.version and (.devices == 0)'; }
check "status names the version and counts" status_fields

sigterm_exit() {
	kill -TERM "$FLW_SERVER_PID"
	wait "$FLW_SERVER_PID"
}
check "SIGTERM stops the server with status 0" sigterm_exit
FIRST_TOKEN=$FLW_ADMIN_TOKEN
cp "$FLW_TMP/admin.token" "$FLW_TMP/admin.token.first"

# second start on the same data: no new token
flw_start_server
check "a second start prints no new token" test "$(grep -c '^admin token:' "$LOG")" = 1
check "the token file is left alone" cmp "$FLW_TMP/admin.token" "$FLW_TMP/admin.token.first"
check "the first token still works" flw_api GET /api/v1/status
tokens_one() { flw_api GET /api/v1/tokens | jq -e '(.items | length) == 1 and .items[0].role == "admin"'; }
check "exactly one (admin) token exists" tokens_one
flw_stop_server

# option validation: usage errors exit 2 and say what is wrong
usage_error() { # usage_error "expected text" args...
	local want=$1
	shift
	local rc=0
	"$FLWD" "$@" >"$FLW_TMP/usage.out" 2>&1 || rc=$?
	[ "$rc" = 2 ] && grep -q -- "$want" "$FLW_TMP/usage.out"
}
D="$FLW_TMP/d2"
check "missing --data" usage_error "--data is required"
check "bad --listen" usage_error "is not ADDR:PORT" --data "$D" --listen localhost
check "bad --listen port" usage_error "is not ADDR:PORT" --data "$D" --listen 127.0.0.1:70000
check "bad IPv6 --listen" usage_error "is not ADDR:PORT" --data "$D" --listen '[::1:80'
check "zero --threads" usage_error "not a number in 1..1024" --data "$D" --threads 0
check "bad --poll-interval" usage_error "poll-interval" --data "$D" --poll-interval 5x
check "bad --max-artifact-size" usage_error "max-artifact-size" --data "$D" --max-artifact-size 1T
check "bad --log-level" usage_error "is not one of" --data "$D" --log-level loud
check "unknown option" usage_error "unknown option '--bogus'" --data "$D" --bogus
check "missing value" usage_error "needs a value" --data "$D" --port-file
check "option given twice" usage_error "given twice" --data "$D" --data "$D"
check "stray argument" usage_error "unexpected argument" --data "$D" extra
check "--help" bash -c '"$0" --help | grep -q -- --max-artifact-size' "$FLWD"
check "--version" bash -c '"$0" --version | grep -q "^fleetwardd [0-9]"' "$FLWD"
check_fails "nothing was created by refused starts" test -e "$D"

# a data directory with a world-readable key is refused
bad_key_mode() {
	chmod 644 "$FLW_DATA/keys/token.key"
	local rc=0
	"$FLWD" --listen 127.0.0.1:0 --data "$FLW_DATA" >"$FLW_TMP/badkey.out" 2>&1 || rc=$?
	chmod 600 "$FLW_DATA/keys/token.key"
	[ "$rc" = 1 ] && grep -q "readable by others" "$FLW_TMP/badkey.out"
}
check "a key file readable by others is refused" bad_key_mode

# IPv6 loopback, when the host has it
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	ipv6_start() {
		rm -f "$FLW_TMP/port6"
		"$FLWD" --listen '[::1]:0' --data "$FLW_TMP/d6" --port-file "$FLW_TMP/port6" \
			>"$FLW_TMP/d6.log" 2>&1 &
		local pid=$!
		FLW_PIDS+=("$pid")
		for _ in $(seq 1 100); do [ -s "$FLW_TMP/port6" ] && break; sleep 0.05; done
		curl -sS -g "http://[::1]:$(cat "$FLW_TMP/port6")/healthz" | jq -e '.status == "ok"'
		local rc=$?
		kill "$pid"
		wait "$pid"
		return $rc
	}
	check "listens on [::1] with an ephemeral port" ipv6_start
else
	echo "# no IPv6 loopback: IPv6 check skipped"
fi

flw_done
