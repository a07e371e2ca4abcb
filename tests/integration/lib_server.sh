# tests/integration/lib_server.sh - helpers for the server tests (1NN_*.sh); sourced after lib.sh.
#
# Signs TUF metadata and device requests with openssl + jq only, so that the server's checks are
# tested independently of the CLI and the agent (which have their own tests, 2NN/3NN).
# Canonical JSON here is `jq -cS` (sorted keys, no whitespace): identical to the OLPC form for
# the ASCII strings and integers these tests use.
#
#   srv_keygen NAME                 $FLW_TMP/k/NAME.{pem,hex,keyid,json}
#   srv_sign_env SIGNED_FILE KEY…   prints the envelope {"signatures":[…],"signed":…}
#   srv_root VERSION EXPIRES ROOTKEY TARGETSKEY > root.json (online keys from the server)
#   srv_targets VERSION EXPIRES TARGETS_OBJ KEY… > targets.json
#   srv_target_obj LENGTH SHA256 VERSION HWID SECVER: one target's description
#   srv_dev_keygen DEV              device key (like srv_keygen)
#   srv_dev_env DEV SIGNED_JSON     prints {"signed":…,"signature":…} signed by DEV's key
#   srv_enroll_body KEY ID TOKEN [TIME_OFFSET] [EXTRA_JSON]: a signed enrollment request body
#   srv_publish IMG NAME VERSION HWID: root v1 (first call), upload IMG, publish targets with it
#   srv_post PATH BODY [TOKEN]      POST; status in SRV_CODE, body in $FLW_TMP/srv.body
mkdir -p "$FLW_TMP/k"

srv_hex() { od -An -tx1 -v | tr -d ' \n'; }

srv_keygen() {
	local k=$FLW_TMP/k/$1
	openssl genpkey -algorithm ed25519 -out "$k.pem" 2>/dev/null || return 1
	openssl pkey -in "$k.pem" -pubout -outform DER | tail -c 32 | srv_hex >"$k.hex"
	jq -ncS --arg p "$(cat "$k.hex")" '{keytype:"ed25519",scheme:"ed25519",keyval:{public:$p}}' >"$k.json"
	jq -cS . "$k.json" | tr -d '\n' | sha256sum | cut -d' ' -f1 >"$k.keyid"
}
srv_dev_keygen() { srv_keygen "$1"; }

# raw signature (hex) of stdin with key NAME
srv_sig() {
	local f=$FLW_TMP/k/msg.$$
	cat >"$f"
	openssl pkeyutl -sign -inkey "$FLW_TMP/k/$1.pem" -rawin -in "$f" | srv_hex
	rm -f "$f"
}

srv_sign_env() {
	local signed=$1
	shift
	local canon sigs='[]' k
	canon=$(jq -cS . "$signed" | tr -d '\n')
	for k in "$@"; do
		sigs=$(jq -c --arg id "$(cat "$FLW_TMP/k/$k.keyid")" \
			--arg s "$(printf '%s' "$canon" | srv_sig "$k")" '. + [{keyid:$id,sig:$s}]' <<<"$sigs")
	done
	jq -cS --argjson s "$sigs" '{signatures:$s,signed:.}' "$signed"
}

srv_expires() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }

# srv_root VERSION EXPIRES_IN_SECONDS ROOTKEY TARGETSKEY [ROOTKEY_SIGNING…]
srv_root() {
	local ver=$1 exp=$2 rk=$3 tk=$4
	shift 4
	local ok=$FLW_TMP/online-keys.json
	curl -sS -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/online-keys" >"$ok" || return 1
	local sk_id tk_id dk_id
	sk_id=$(jq -cS .snapshot "$ok" | tr -d '\n' | sha256sum | cut -d' ' -f1)
	tk_id=$(jq -cS .timestamp "$ok" | tr -d '\n' | sha256sum | cut -d' ' -f1)
	dk_id=$(jq -cS .director "$ok" | tr -d '\n' | sha256sum | cut -d' ' -f1)
	jq -n --argjson v "$ver" --arg e "$(srv_expires "$exp")" \
		--arg rid "$(cat "$FLW_TMP/k/$rk.keyid")" --argjson rkey "$(cat "$FLW_TMP/k/$rk.json")" \
		--arg tid "$(cat "$FLW_TMP/k/$tk.keyid")" --argjson tkey "$(cat "$FLW_TMP/k/$tk.json")" \
		--arg sid "$sk_id" --argjson skey "$(jq -c .snapshot "$ok")" \
		--arg mid "$tk_id" --argjson mkey "$(jq -c .timestamp "$ok")" \
		--arg did "$dk_id" --argjson dkey "$(jq -c .director "$ok")" \
		'{_type:"root",spec_version:"1.0.31",version:$v,expires:$e,consistent_snapshot:true,
		  keys:{($rid):$rkey,($tid):$tkey,($sid):$skey,($mid):$mkey,($did):$dkey},
		  "x-fleetward-director":{keyids:[$did],threshold:1},
		  roles:{root:{keyids:[$rid],threshold:1},targets:{keyids:[$tid],threshold:1},
		         snapshot:{keyids:[$sid],threshold:1},timestamp:{keyids:[$mid],threshold:1}}}' \
		>"$FLW_TMP/root.signed.json"
	srv_sign_env "$FLW_TMP/root.signed.json" "${@:-$rk}"
}

srv_target_obj() {
	jq -nc --argjson l "$1" --arg h "$2" --arg v "$3" --arg hw "$4" --argjson sv "$5" \
		'{length:$l,hashes:{sha256:$h},custom:{version:$v,hardware_ids:[$hw],security_version:$sv}}'
}

# srv_targets VERSION EXPIRES_IN_SECONDS TARGETS_OBJECT KEY...
srv_targets() {
	local ver=$1 exp=$2 tobj=$3
	shift 3
	jq -n --argjson v "$ver" --arg e "$(srv_expires "$exp")" --argjson t "$tobj" \
		'{_type:"targets",spec_version:"1.0.31",version:$v,expires:$e,targets:$t}' \
		>"$FLW_TMP/targets.signed.json"
	srv_sign_env "$FLW_TMP/targets.signed.json" "$@"
}

srv_dev_env() {
	local signed
	signed=$(jq -cS . <<<"$2" | tr -d '\n')
	jq -cn --argjson s "$signed" --arg sig "$(printf '%s' "$signed" | srv_sig "$1")" \
		'{signed:$s,signature:$sig}'
}

# srv_post PATH BODY [TOKEN]: SRV_CODE gets the status, $FLW_TMP/srv.body the answer
srv_post() {
	local args=(-sS -o "$FLW_TMP/srv.body" -w '%{http_code}' -X POST --data-binary "$2"
		-H 'Content-Type: application/json')
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	SRV_CODE=$(curl "${args[@]}" "$FLW_URL$1")
}

# srv_enroll_body KEY DEVICE_ID TOKEN [TIME_OFFSET] [EXTRA_JSON]
srv_enroll_body() {
	local signed
	signed=$(jq -nc --arg d "$2" --arg p "$(cat "$FLW_TMP/k/$1.hex")" --arg t "$3" \
		--argjson now "$(($(date +%s) + ${4:-0}))" --argjson x "${5:-{\}}" \
		'{device_id:$d,hardware_id:"cam-v2",public_key:$p,enrollment_token:$t,time:$now} + $x')
	srv_dev_env "$1" "$signed"
}

# srv_publish IMG NAME VERSION HWID: the first call creates keys "root" and "targets" and root
# v1; each call uploads IMG and publishes the next targets version listing it as NAME.
SRV_TARGETS_VERSION=0
srv_publish() {
	local img=$1 name=$2 sha len
	if [ "$SRV_TARGETS_VERSION" = 0 ]; then
		srv_keygen root && srv_keygen targets || return 1
		srv_root 1 86400 root targets >"$FLW_TMP/root.json" || return 1
		srv_post /api/v1/tuf/root "@$FLW_TMP/root.json" "$FLW_ADMIN_TOKEN"
		[ "$SRV_CODE" = 201 ] || { cat "$FLW_TMP/srv.body"; return 1; }
	fi
	sha=$(sha256sum <"$img" | cut -d' ' -f1)
	len=$(stat -c %s "$img")
	curl -sS -f -X PUT -H "Authorization: Bearer $FLW_ADMIN_TOKEN" --data-binary "@$img" \
		"$FLW_URL/api/v1/artifacts" >/dev/null || return 1
	SRV_TARGETS_VERSION=$((SRV_TARGETS_VERSION + 1))
	srv_targets "$SRV_TARGETS_VERSION" 86400 "{\"$name\":$(srv_target_obj "$len" "$sha" "$3" "$4" 3)}" \
		targets >"$FLW_TMP/t$SRV_TARGETS_VERSION.json"
	srv_post /api/v1/releases "@$FLW_TMP/t$SRV_TARGETS_VERSION.json" "$FLW_ADMIN_TOKEN"
	[ "$SRV_CODE" = 201 ] || { cat "$FLW_TMP/srv.body"; return 1; }
}

# ---- shared by the tests that walk every route (010, 103) ----------------------------------
# srv_device_token: enroll device m1 with key "dev"; sets DEVTOK (exits 77 without ed25519)
srv_device_token() {
	# ETOK (the enrollment token) stays set for tests that enroll more devices
	srv_keygen dev || { echo "openssl cannot make ed25519 keys"; exit 77; }
	ETOK=$(flw_api POST /api/v1/enrollment-tokens '{"name":"m","uses":-1}' | jq -r .token)
	srv_post /device/v1/enroll "$(srv_dev_env dev "$(jq -nc --arg p "$(cat "$FLW_TMP/k/dev.hex")" \
		--arg t "$ETOK" --argjson n "$(date +%s)" \
		'{device_id:"m1",hardware_id:"hw",public_key:$p,enrollment_token:$t,time:$n}')")"
	DEVTOK=$(jq -r .token "$FLW_TMP/srv.body")
	check "a device token for the device routes" test -n "$DEVTOK" -a "$DEVTOK" != null
}
# srv_routes: ROUTES=("METHOD PATTERN AUTH" ...) read from the daemon's route table, lines like
# R("GET", "/api/v1/devices/{}", VIEWER, ...
srv_routes() {
	mapfile -t ROUTES < <(grep -oE '^[[:space:]]*R\("[A-Z]+", "[^"]+", [A-Z]+' \
		"$FLW_SRC_DIR/src/daemon/http.c" |
		sed -E 's/^[[:space:]]*R\("([A-Z]+)", "([^"]+)", ([A-Z]+)/\1 \2 \3/')
	check "the route table was read (>= 30 routes)" test "${#ROUTES[@]}" -ge 30
}
# srv_auth_for AUTH-CLASS: the header a request of that class needs
srv_auth_for() {
	case $1 in
	DEVICE) printf 'Authorization: Bearer %s' "$DEVTOK" ;;
	NONE) printf 'X-None: 1' ;;
	*) printf 'Authorization: Bearer %s' "$FLW_ADMIN_TOKEN" ;;
	esac
}
# srv_is4xx METHOD PATH AUTH-HEADER [curl args...]: a 4xx answer with a JSON error body
srv_is4xx() {
	local m=$1 p=$2 a=$3 code
	shift 3
	code=$(curl -sS -o "$FLW_TMP/4xx.body" -w '%{http_code}' -X "$m" -H "$a" "$@" "$FLW_URL$p")
	if [ "$code" -lt 400 ] || [ "$code" -ge 500 ]; then
		echo "$m $p $*: HTTP $code: $(head -c 200 "$FLW_TMP/4xx.body")"
		return 1
	fi
	jq -e '.error.code and .error.message' "$FLW_TMP/4xx.body" >/dev/null ||
		{ echo "$m $p: HTTP $code without a JSON error: $(head -c 200 "$FLW_TMP/4xx.body")"; return 1; }
}
srv_alive() { curl -sS -f "$FLW_URL/healthz" | jq -e '.status == "ok"' >/dev/null; }
