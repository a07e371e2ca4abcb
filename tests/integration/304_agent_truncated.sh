#!/bin/bash
# 304_agent_truncated.sh - truncated downloads. (1) The artifact on the server's disk is cut
# short: the server refuses to serve it, the agent says so, writes nothing to a slot and
# (download_retries = 2) reports failure after its second attempt. (2) With python3: a proxy
# between agent and server cuts every target transfer short (first an honest short
# Content-Length, a connection closed early, endless data past the signed length, and a
# transfer that stalls: slow retrieval, ended by stall_timeout);
# the agent detects each, writes nothing to a slot and reports failure.
. "$FLW_SRC_DIR/tests/integration/lib.sh"
. "$FLW_SRC_DIR/tests/integration/lib_agent.sh"
[ -x "$FLW_AGENT" ] && [ -x "$FLWD" ] && [ -x "$FLW_CLI" ] || flw_skip "programs not built"

flw_start_server
agent_repo_init
agent_enroll_token
agent_conf cam-04 "download_retries = 2"
D=$FLW_TMP/cam-04
check "agent enrolls" agent_once cam-04
agent_image "$FLW_TMP/img" 1000000
check "release uploaded" agent_release "$FLW_TMP/img" fw/cam-4.img 4.0.0
art=$(artifact_path "$FLW_TMP/img")
check "artifact found" test -f "$art"
truncate -s 400000 "$art"
slots_before=$(cat "$D/slot_a" "$D/slot_b" | sha256sum)
dep=$(agent_deploy fw/cam-4.img cam-04)

check_fails "first attempt fails" agent_once cam-04
check "error says the download was short" grep -Eq "truncated download|shorter|Transferred a partial file|HTTP" "$D/agent.log"
check "first attempt is not final" test "$(deploy_state "$dep" cam-04)" != failure
check_fails "second attempt fails" agent_once cam-04
check "server shows failure" test "$(deploy_state "$dep" cam-04)" = failure
check "slots are unchanged" test "$(cat "$D/slot_a" "$D/slot_b" | sha256sum)" = "$slots_before"
check "nothing reached the install step" bash -c "! grep -q ': installing' '$D/agent.log'"

command -v python3 >/dev/null || { echo "# no python3: proxy part skipped"; flw_done; }
cat >"$FLW_TMP/proxy.py" <<'PY'
# forwards to the server; bodies of /tuf/targets/ answers are cut to 1/3 of their length
# (mode short: honest Content-Length; close: full Content-Length, then close; stall: full
# Content-Length, then silence) or get 100 kB appended (mode long)
import http.client, http.server, sys, time
up_port, mode = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def fwd(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        c = http.client.HTTPConnection("127.0.0.1", up_port, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        cut = self.path.startswith("/tuf/targets/") and r.status in (200, 206)
        send = data[: len(data) // 3] if cut else data
        if cut and mode == "long":
            send = data + b"x" * 100000
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        full = cut and mode in ("close", "stall")
        self.send_header("Content-Length", str(len(data) if full else len(send)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(send)
        self.wfile.flush()
        if cut and mode == "stall":
            time.sleep(30)
        self.close_connection = True
    do_GET = do_POST = do_PUT = fwd
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
agent_image "$FLW_TMP/img2" 900000
check "second release uploaded" agent_release "$FLW_TMP/img2" fw/cam-4b.img 4.1.0
for mode in short close long stall; do
	rm -f "$FLW_TMP/proxy.port" # else the previous proxy's port may be read before the new one writes
	python3 "$FLW_TMP/proxy.py" "$FLW_PORT" $mode >"$FLW_TMP/proxy.port" 2>"$FLW_TMP/proxy.err" &
	FLW_PIDS+=($!)
	for _ in $(seq 1 50); do [ -s "$FLW_TMP/proxy.port" ] && break; sleep 0.1; done
	dev=cam-4$mode
	agent_conf $dev "download_retries = 1" "stall_timeout = 2" "server = http://127.0.0.1:$(cat "$FLW_TMP/proxy.port")"
	check "$mode: agent enrolls through the proxy" agent_once $dev
	before=$(cat "$FLW_TMP/$dev/slot_a" "$FLW_TMP/$dev/slot_b" | sha256sum)
	dep=$(agent_deploy fw/cam-4b.img $dev)
	check_fails "$mode: agent cycle fails" agent_once $dev
	check "$mode: agent names the short download" grep -Eq "truncated download|partial file|bytes remaining|endless data|stalled|slow retrieval" "$FLW_TMP/$dev/agent.log"
	check "$mode: slots unchanged" test "$(cat "$FLW_TMP/$dev/slot_a" "$FLW_TMP/$dev/slot_b" | sha256sum)" = "$before"
	check "$mode: server shows failure" test "$(deploy_state "$dep" $dev)" = failure
	kill "${FLW_PIDS[-1]}"
done
flw_done
