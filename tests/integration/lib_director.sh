# tests/integration/lib_director.sh - helpers for the director tests (32N_*.sh); sourced after
# lib.sh and lib_agent.sh.
#
#   dir_proxy_start             python3 proxy "dproxy" in front of the server (re-reads the
#                               server's port per request); DIR_PROXY_URL
#   dir_proxy MODE [FILE]       pass | capture FILE (keep the last check-in answer carrying an
#                               update) | replay FILE (answer check-ins with FILE) |
#                               director FILE (replace update.director by FILE's bytes)
#   dir_state DEV               sha256 over state/tuf/*, state/director.json, bootsel, slots
#   dir_refresh DEV             honest TUF refresh of DEV's trusted metadata (so an attacked
#                               cycle changes nothing there by itself)
#   dir_checkin DEV             a check-in with DEV's token, straight to the server: the answer
#   dir_craft OUT VERSION DEV DEPLOYMENT NAME...   a director document for DEV naming the
#                               released images NAME... as the server would, signed with the
#                               server's director key (DATA/keys/director.key: a stolen key)
command -v python3 >/dev/null || flw_skip "python3 is needed for the proxy"
command -v sqlite3 >/dev/null || flw_skip "sqlite3 not installed"

cat >"$FLW_TMP/dproxy.py" <<'PY'
import http.client, http.server, json, sys
port_file, mode_file = sys.argv[1], sys.argv[2]

def mode():
    try:
        with open(mode_file) as f:
            return f.read().split()
    except OSError:
        return ["pass"]

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def fwd(self):
        n = int(self.headers.get("Content-Length") or 0)
        req = self.rfile.read(n) if n else None
        m = mode()
        checkin = self.path == "/device/v1/checkin"
        if checkin and m[0] == "replay":
            with open(m[1], "rb") as f:
                status, headers, body = 200, [("Content-Type", "application/json")], f.read()
        else:
            with open(port_file) as f:
                up = int(f.read())
            c = http.client.HTTPConnection("127.0.0.1", up, timeout=60)
            hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            c.request(self.command, self.path, body=req, headers=hdrs)
            r = c.getresponse()
            status, headers, body = r.status, r.getheaders(), r.read()
            c.close()
            if checkin and status == 200 and m[0] in ("capture", "director"):
                ans = json.loads(body)
                if ans.get("update"):
                    if m[0] == "capture":
                        with open(m[1], "wb") as f:
                            f.write(body)
                    else:
                        with open(m[1]) as f:
                            ans["update"]["director"] = f.read()
                        body = json.dumps(ans).encode()
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
    do_GET = do_POST = do_PUT = fwd

s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
print(s.server_address[1], flush=True)
s.serve_forever()
PY

dir_proxy_start() {
	echo pass >"$FLW_TMP/dproxy.mode"
	rm -f "$FLW_TMP/dproxy.port"
	python3 "$FLW_TMP/dproxy.py" "$FLW_TMP/port" "$FLW_TMP/dproxy.mode" >"$FLW_TMP/dproxy.port" \
		2>"$FLW_TMP/dproxy.err" &
	FLW_PIDS+=($!)
	for _ in $(seq 1 100); do
		[ -s "$FLW_TMP/dproxy.port" ] && break
		sleep 0.05
	done
	[ -s "$FLW_TMP/dproxy.port" ] || { cat "$FLW_TMP/dproxy.err"; echo "proxy did not start"; exit 1; }
	DIR_PROXY_URL="http://127.0.0.1:$(cat "$FLW_TMP/dproxy.port")"
}
dir_proxy() { echo "$*" >"$FLW_TMP/dproxy.mode"; }

dir_state() {
	local d=$FLW_TMP/$1
	(cd "$d/state/tuf" && sha256sum -- *.json)
	sha256sum "$d/state/director.json" "$d/state/bootsel" "$d/slot_a" "$d/slot_b" 2>&1
}

dir_refresh() {
	"$FLW_BIN_DIR/fleetward-tuf-client" --metadata-dir "$FLW_TMP/$1/state/tuf" \
		--metadata-url "$FLW_URL/tuf/metadata" refresh >>"$FLW_TMP/tuf-client.log" 2>&1
}

dir_checkin() {
	curl -sS -f -X POST -H "Authorization: Bearer $(jq -r .token "$FLW_TMP/$1/state/token")" \
		--data-binary '{}' "$FLW_URL/device/v1/checkin"
}

# dir_craft OUT VERSION DEV DEPLOYMENT NAME...
dir_craft() {
	local out=$1 v=$2 dev=$3 dep=$4 targets='{}' name
	shift 4
	for name in "$@"; do
		targets=$(flw_api GET "/api/v1/releases/${name//\//%2F}" | jq -c --argjson t "$targets" \
			'$t + {(.name): {length: .length, hashes: {sha256: .sha256},
			  custom: {hardware_ids: .hardware_ids, security_version: .security_version}}}')
	done
	jq -ncS --argjson v "$v" --arg dev "$dev" --argjson dep "$dep" --argjson t "$targets" \
		--arg exp "$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)" \
		'{signatures: [], signed: {_type: "targets", spec_version: "1.0.31", version: $v,
		  expires: $exp, targets: $t, custom: {device_id: $dev, deployment: $dep}}}' >"$out"
	"$FLW_CLI" repo sign "$out" --key "$FLW_DATA/keys/director.key" >>"$FLW_TMP/cli.log" 2>&1
}

# dir_store_director DEPLOYMENT DEV FILE VERSION: a compromised server's database (server
# stopped) holds FILE as the director document of DEV's action in DEPLOYMENT, and DEV's counter
# at VERSION (so the next honest document gets a higher one)
dir_store_director() {
	local keyid
	keyid=$(jq -r '.signatures[0].keyid' "$3")
	sqlite3 "$FLW_DATA/fleetward.db" \
		"UPDATE actions SET director = readfile('$3'), director_version = $4,
		   director_expires = strftime('%s','now') + 86400, director_keyid = '$keyid'
		 WHERE deployment_id = $1 AND device = '$2';
		 UPDATE devices SET director_version = MAX(director_version, $4) WHERE id = '$2';"
}
