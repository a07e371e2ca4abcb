#!/bin/bash
# Native device API with requests signed by openssl: enrollment (proof of possession, time
# window, token uses and expiry, idempotence), re-authentication, device tokens, check-in
# (jitter, inventory, last-seen group commit, directed update), status reports (ack after
# commit, resend-safe, ordering) and the deployment's progress as the operator sees it.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_server.sh"
flw_start_server --poll-interval 60 --min-checkin-interval 0 # the floor is tested in 107
A="Authorization: Bearer $FLW_ADMIN_TOKEN"

srv_keygen cam01 || { echo "openssl cannot make ed25519 keys"; exit 77; }
srv_keygen cam02
srv_keygen other

err_is() {
	[ "$SRV_CODE" = "$1" ] && jq -e --arg c "$2" '.error.code == $c' "$FLW_TMP/srv.body" >/dev/null ||
		{ echo "HTTP $SRV_CODE: $(cat "$FLW_TMP/srv.body")"; return 1; }
}
ok200() { [ "$SRV_CODE" = 200 ] || { echo "HTTP $SRV_CODE: $(cat "$FLW_TMP/srv.body")"; return 1; }; }

flw_api POST /api/v1/groups '{"name":"lab"}' >/dev/null
ETOK=$(flw_api POST /api/v1/enrollment-tokens '{"name":"b1","uses":2,"group":"lab"}' | jq -r .token)
ETOK1=$(flw_api POST /api/v1/enrollment-tokens '{"name":"once","uses":1}' | jq -r .token)
ETOKX=$(flw_api POST /api/v1/enrollment-tokens '{"name":"short","uses":5,"expires_in":1}' | jq -r .token)

enroll_body() { srv_enroll_body "$@"; }
enroll() { srv_post /device/v1/enroll "$(enroll_body "$@")"; }

enroll_ok() {
	enroll cam01 cam-01 "$ETOK" && ok200 &&
		jq -e '.device_id == "cam-01" and (.token | length) > 20 and .expires > now + 3600' "$FLW_TMP/srv.body"
}
check "a device enrolls with a signed request" enroll_ok
TOK=$(jq -r .token "$FLW_TMP/srv.body")
uses_left() { flw_api GET /api/v1/enrollment-tokens | jq -e --argjson n "$1" '.items[] | select(.name == "b1") | .uses_left == $n'; }
check "one use of the enrollment token was consumed" uses_left 1
idempotent() { enroll cam01 cam-01 "$ETOK" && ok200; }
check "enrolling again with the same id and key is idempotent" idempotent
check "and consumes no use" uses_left 1
other_key() { enroll cam02 cam-01 "$ETOK"; err_is 409 conflict; }
check "the same id with another key is a conflict" other_key
bad_sig() {
	local body
	body=$(enroll_body cam02 cam-02 "$ETOK" | jq -c --arg p "$(cat "$FLW_TMP/k/other.hex")" '.signed.public_key = $p')
	srv_post /device/v1/enroll "$body"
	err_is 401 auth && grep -q "does not verify" "$FLW_TMP/srv.body"
}
check "a signature by another key (no proof of possession) is 401" bad_sig
old_time() { enroll cam02 cam-02 "$ETOK" -700; err_is 401 auth && grep -q "10 minutes" "$FLW_TMP/srv.body"; }
check "a request 11+ minutes old is refused" old_time
future_time() { enroll cam02 cam-02 "$ETOK" 700; err_is 401 auth; }
check "a request 11+ minutes ahead is refused" future_time
unknown_tok() { enroll cam02 cam-02 fle_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; err_is 401 auth; }
check "an unknown enrollment token is 401" unknown_tok
extra_field() { enroll cam02 cam-02 "$ETOK" 0 '{"admin":true}'; err_is 400 format; }
check "an unknown signed field is refused" extra_field
bad_pk() {
	srv_post /device/v1/enroll "$(enroll_body cam02 cam-02 "$ETOK" | jq -c '.signed.public_key = "zz"')"
	err_is 400 format
}
check "a malformed public key is 400" bad_pk
bad_id() { enroll cam02 ../etc "$ETOK"; err_is 400 format; }
check "a device id with a path is 400" bad_id
once_ok() { enroll cam02 cam-02 "$ETOK1" && ok200; }
check "a single-use token enrolls one device" once_ok
srv_keygen cam03
once_used() { enroll cam03 cam-03 "$ETOK1"; err_is 401 auth; }
check "and no second one" once_used
sleep 2
expired_tok() { enroll cam03 cam-03 "$ETOKX"; err_is 410 expired; }
check "an expired enrollment token is 410" expired_tok
in_group() { flw_api GET /api/v1/groups | jq -e '.items[] | select(.name == "lab") | .devices == 1'; }
check "the device joined the token's group" in_group

# ---- re-authentication ----
auth_body() { srv_dev_env "$1" "$(jq -nc --arg d "$2" --argjson t "$(date +%s)" '{device_id:$d,time:$t}')"; }
reauth() { srv_post /device/v1/auth "$(auth_body cam01 cam-01)" && ok200 && jq -e '.device_id == "cam-01" and .token' "$FLW_TMP/srv.body"; }
check "a device re-authenticates with its key" reauth
TOK2=$(jq -r .token "$FLW_TMP/srv.body")
reauth_wrong() { srv_post /device/v1/auth "$(auth_body other cam-01)"; err_is 401 auth; }
check "re-authentication with another key is 401" reauth_wrong
reauth_unknown() { srv_post /device/v1/auth "$(auth_body other ghost)"; err_is 401 auth; }
check "re-authentication of an unknown device is 401" reauth_unknown

# ---- check-in ----
checkin() { srv_post /device/v1/checkin "${2:-{\}}" "$1"; }
jitter() {
	local i p
	for i in $(seq 1 20); do
		checkin "$TOK" && ok200 || return 1
		p=$(jq -e '.poll_after' "$FLW_TMP/srv.body") || return 1
		[ "$p" -ge 48 ] && [ "$p" -le 72 ] || { echo "poll_after $p outside 60 +-20%"; return 1; }
		echo "$p"
	done | sort -u | wc -l | { read -r n; [ "$n" -ge 3 ]; }
}
check "check-in answers poll_after with +-20% jitter" jitter
first_checkin() { checkin "$TOK" && ok200 && jq -e '.acked_seq == 0 and (has("update") | not)' "$FLW_TMP/srv.body"; }
check "no update and acked_seq 0 at first" first_checkin
check "the re-issued token works too" checkin "$TOK2"
no_tok() { checkin ""; err_is 401 auth; }
check "check-in without a token is 401" no_tok
bad_tok() { checkin "garbage.token"; err_is 401 auth; }
check "a garbage token is 401" bad_tok
forged() {
	# same MAC, payload naming another device
	local mac=${TOK#*.} payload
	payload=$(printf 'v1|cam-02|%s' "$(($(date +%s) + 3600))" | base64 -w0 | tr '+/' '-_' | tr -d '=')
	checkin "$payload.$mac"
	err_is 401 auth
}
check "a token with a changed payload is 401" forged
INV='{"installed":{"target":"fw/cam-1.0.img","version":"1.0.0"},"slot":{"active":"A","trial":false},"health":"ok","attributes":{"os":"FleetOS 2024.11","kernel":"6.1.0"}}'
inventory() {
	checkin "$TOK" "$INV" && ok200 &&
		flw_api GET /api/v1/devices/cam-01 | jq -e '.installed == "fw/cam-1.0.img" and .installed_version == "1.0.0" and .slot_active == "A" and .health == "ok" and .attributes.os == "FleetOS 2024.11" and .groups == ["lab"]'
}
check "check-in inventory shows on the device" inventory
bad_slot() { checkin "$TOK" '{"slot":{"active":"C"}}'; err_is 400 format; }
check "a bad slot name is 400" bad_slot
bad_attr() { checkin "$TOK" '{"attributes":{"os":5}}'; err_is 400 format; }
check "a non-string attribute is 400" bad_attr
many_attrs() { checkin "$TOK" "{\"attributes\":$(jq -nc '[range(0;101)] | map({key:"a\(.)",value:"x"}) | from_entries')}"; err_is 413 limit; }
check "more than 100 attributes is 413" many_attrs
last_seen() {
	sleep 3 # the scheduler's group commit runs every 2 s
	flw_api GET /api/v1/devices | jq -e --argjson t "$(($(date +%s) - 30))" '.items[] | select(.id == "cam-01") | .last_seen >= $t'
}
check "last_seen is written by the group commit" last_seen

# ---- a directed update ----
IMG=$FLW_TMP/cam-1.1.img
head -c 100000 /dev/urandom >"$IMG"
SHA=$(sha256sum <"$IMG" | cut -d' ' -f1)
check "a release is published" srv_publish "$IMG" fw/cam-1.1.img 1.1.0 cam-v2
DEP=$(flw_api POST /api/v1/deployments '{"release":"fw/cam-1.1.img","devices":["cam-01"]}' | jq -r .id)
check "a deployment is created" test "$DEP" -ge 1
update() {
	checkin "$TOK" && ok200 &&
		jq -e --arg s "$SHA" --argjson d "$DEP" '.update.deployment == $d and .update.target == "fw/cam-1.1.img" and .update.version == "1.1.0" and .update.length == 100000 and .update.sha256 == $s and .update.security_version == 3' "$FLW_TMP/srv.body"
}
check "check-in directs the update" update
download() { curl -sS -f "$FLW_URL$(jq -r .update.url "$FLW_TMP/srv.body")" | cmp - "$IMG"; }
check "the update URL serves the image" download
other_not() { checkin "$(jq -r .token <<<'{}' 2>/dev/null || true)" >/dev/null; srv_post /device/v1/auth "$(auth_body cam02 cam-02)" && T2=$(jq -r .token "$FLW_TMP/srv.body") && checkin "$T2" && jq -e 'has("update") | not' "$FLW_TMP/srv.body"; }
check "another device gets no update" other_not

# ---- reports ----
rep() { jq -nc --argjson s "$1" --argjson d "$DEP" --arg st "$2" '{seq:$s,deployment:$d,state:$st,detail:"",time:now|floor}'; }
reports() { srv_post /device/v1/reports "{\"reports\":[$1]}" "$TOK"; }
two() { reports "$(rep 1 downloading),$(rep 2 downloaded)" && ok200 && jq -e '.acked_seq == 2' "$FLW_TMP/srv.body"; }
check "reports are acknowledged up to the last seq" two
resend() { reports "$(rep 1 downloading),$(rep 2 downloaded)" && ok200 && jq -e '.acked_seq == 2' "$FLW_TMP/srv.body"; }
check "resending is harmless" resend
unordered() { reports "$(rep 4 installing),$(rep 3 downloading)"; err_is 400 format; }
check "seq must increase within a request" unordered
bad_state() { reports "$(rep 5 exploded)"; err_is 400 format; }
check "an unknown state is 400" bad_state
canceled() { reports "$(rep 5 canceled)"; err_is 400 format; }
check "devices cannot report canceled" canceled
too_many() { reports "$(for i in $(seq 10 74); do rep "$i" downloading; done | paste -sd,)"; [ "$SRV_CODE" -ge 400 ] && [ "$SRV_CODE" -lt 500 ] && jq -e .error.code "$FLW_TMP/srv.body"; }
check "more than 64 reports is refused" too_many
no_seq() { reports '{"deployment":1,"state":"success"}'; err_is 400 format; }
check "a report without seq is 400" no_seq
stale() { reports "$(rep 1 failure)" && ok200 && jq -e '.acked_seq == 2' "$FLW_TMP/srv.body"; }
check "a stale report is acknowledged but ignored" stale
success() { reports "$(rep 3 installing),$(rep 4 installed),$(rep 5 booted),$(rep 6 success)" && ok200 && jq -e '.acked_seq == 6' "$FLW_TMP/srv.body"; }
check "the device reports success" success
progress() {
	flw_api GET "/api/v1/deployments/$DEP" | jq -e '.devices[0].device == "cam-01" and .devices[0].state == "success" and .done == true'
}
check "the operator sees the device succeed" progress
after() { checkin "$TOK" && ok200 && jq -e '.acked_seq == 6 and (has("update") | not)' "$FLW_TMP/srv.body"; }
check "no update after success; acked_seq 6" after
history() { flw_api GET /api/v1/devices/cam-01 | jq -e '(.history | length) >= 6 and .last_seq == 6'; }
check "the device history holds the reports" history
no_regress() { reports "$(rep 7 downloading)" && ok200 && flw_api GET "/api/v1/deployments/$DEP" | jq -e '.devices[0].state == "success"'; }
check "a terminal state never changes" no_regress
metrics() { curl -sS "$FLW_URL/metrics" | grep -Eq '^fleetward_checkins_total [1-9]'; }
check "metrics count check-ins" metrics
audit_enroll() { flw_api GET /api/v1/audit | jq -e '[.items[] | select(.action == "device.enroll" and .actor == "device:cam-01")] | length == 1'; }
check "enrollment is audited" audit_enroll

flw_done
