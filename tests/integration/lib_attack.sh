# tests/integration/lib_attack.sh - the attacker of the attack tests (4NN_*.sh); sourced after
# lib.sh and lib_agent.sh.
#
# The attacker is a man in the middle: a python3 HTTP proxy in front of fleetwardd that answers
# each request as its rules file says (re-read on every request, so a test changes the attack
# by rewriting the file), plus on-disk tampering and, for "compromised key" scenarios, the
# server's online keys (DATA/keys/*.key) used to sign metadata with openssl + jq.
#
#   atk_proxy_start NAME            start proxy NAME in front of the server; atk_url NAME
#   atk_rules NAME 'JSON array'     replace its rules ([] = honest forwarding)
#   atk_hits NAME ACTION            how many answers that proxy tampered with ACTION
#   atk_setup DEV [CONF LINES…]     server, repository (2 root keys, threshold 2), device DEV
#                                   behind proxy "mitm", first update installed honestly
#   atk_new_release TAG [HWID]      image $FLW_TMP/TAG.img released as fw/TAG.img
#   atk_attack DEV TAG RULES WHAT [MODE]  one attack: deploy TAG, attack with RULES, the agent
#                                   must refuse naming WHAT (ERE), device state byte-identical
#                                   (MODE target: after an honest metadata refresh; progress:
#                                   steps before the attacked one may advance honestly), then
#                                   the same release deployed again installs honestly
#   atk_honest DEV TAG              deploy fw/TAG.img with honest forwarding: it must install
#   atk_gap TAG WHAT CMD…           a known gap as a strict expected failure (TODO)
#   ATK_UNNAMED="tag…"              attacks whose name the agent's error lacks (strict TODO)
#   atk_state DEV                   sha256 over state/tuf/*.json, bootsel and both slots
#   atk_key_pem KEYFILE PEM         fleetward key file -> PKCS#8 PEM for openssl
#   atk_online_pem ROLE             the server's online key ROLE (compromised server) as PEM
#   atk_resign ENVELOPE JQ PEM…     apply JQ to .signed, sign with the PEMs, print the envelope
#   atk_meta NAME                   the server's current bytes of metadata NAME (curl)
#
# Rule fields: "path" (Python regex searched in the request path), "method" (optional),
# "times" (apply at most N times, then forward honestly), "action" and its arguments:
#   pass                         forward unchanged (counted)
#   file       "file"            answer 200 with the bytes of a file
#   status     "status"          answer that status without asking the server
#   flip       "offset"          flip one bit of the answer body at offset (default: middle)
#   append     "bytes"           append that many bytes ("content_length": "original" keeps the
#                                server's Content-Length; default: the padded length)
#   patch_json "patch"           deep-merge an object into the JSON answer
#   trickle    "rate", "max_seconds"  send the body at `rate` bytes/s (honest Content-Length)
#   stall      "after", "seconds"     send `after` bytes, then nothing for `seconds`
#   delay      "seconds"         wait, then forward unchanged
command -v python3 >/dev/null || flw_skip "python3 is needed for the attacker proxy"
command -v openssl >/dev/null && command -v jq >/dev/null || flw_skip "openssl and jq are needed"

cat >"$FLW_TMP/atk_proxy.py" <<'PY'
import http.client, http.server, json, re, sys, threading, time
# argv: a file holding the server's port (re-read per request: the server may restart), the
# rules file, the log file
port_file, rules_file, log_file = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
used = {}

def rules():
    try:
        with open(rules_file) as f:
            return json.load(f)
    except (OSError, ValueError):
        return []

def pick(method, path):
    for r in rules():
        if "method" in r and r["method"] != method:
            continue
        if not re.search(r["path"], path):
            continue
        key = json.dumps(r, sort_keys=True)
        with lock:
            n = used.get(key, 0)
            if "times" in r and n >= r["times"]:
                continue
            used[key] = n + 1
        return r
    return None

def merge(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        for k, v in b.items():
            a[k] = merge(a.get(k), v) if v is not None else None
        return a
    return b

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def note(self, status, action):
        with lock, open(log_file, "a") as f:
            f.write(f"{self.command} {self.path} {status} {action}\n")
    def answer(self, status, headers, body, clen=None):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if clen is None else clen))
        self.send_header("Connection", "close")
        self.end_headers()
    def fwd(self):
        n = int(self.headers.get("Content-Length") or 0)
        req = self.rfile.read(n) if n else None
        r = pick(self.command, self.path)
        act = r["action"] if r else "-"
        self.close_connection = True
        if act == "status":
            body = b'{"error":{"code":"notfound","message":"attacker"}}'
            self.answer(r["status"], [("Content-Type", "application/json")], body)
            self.wfile.write(body)
            self.note(r["status"], act)
            return
        if act == "delay":
            time.sleep(r.get("seconds", 1))
        with open(port_file) as f:
            up_port = int(f.read())
        c = http.client.HTTPConnection("127.0.0.1", up_port, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c.request(self.command, self.path, body=req, headers=hdrs)
        resp = c.getresponse()
        status, headers, body = resp.status, resp.getheaders(), resp.read()
        c.close()
        clen = None
        if act == "file":
            with open(r["file"], "rb") as f:
                body = f.read()
            status = 200
        elif act == "flip" and body:
            i = r.get("offset", len(body) // 2)
            body = body[:i] + bytes([body[i] ^ 1]) + body[i + 1:]
        elif act == "append":
            if r.get("content_length") == "original":
                clen = len(body)
            body = body + b" " * r.get("bytes", 100000)
        elif act == "patch_json":
            body = json.dumps(merge(json.loads(body), r["patch"])).encode()
        self.answer(status, headers, body, clen)
        self.note(status, act)
        try:
            if act == "trickle":
                rate, end = r.get("rate", 1), time.time() + r.get("max_seconds", 60)
                for i in range(0, len(body), max(1, rate // 4)):
                    if time.time() > end:
                        break
                    self.wfile.write(body[i:i + max(1, rate // 4)])
                    self.wfile.flush()
                    time.sleep(0.25)
            elif act == "stall":
                self.wfile.write(body[: r.get("after", 1000)])
                self.wfile.flush()
                time.sleep(r.get("seconds", 30))
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
    do_GET = do_POST = do_PUT = do_DELETE = fwd

class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY

# atk_proxy_start NAME: proxy NAME in front of the running server
atk_proxy_start() {
	local p=$FLW_TMP/proxy-$1
	echo '[]' >"$p.rules"
	: >"$p.log"
	rm -f "$p.port"
	python3 "$FLW_TMP/atk_proxy.py" "$FLW_TMP/port" "$p.rules" "$p.log" >"$p.port" 2>"$p.err" &
	FLW_PIDS+=($!)
	for _ in $(seq 1 100); do
		[ -s "$p.port" ] && break
		sleep 0.05
	done
	[ -s "$p.port" ] || { cat "$p.err"; echo "proxy $1 did not start"; exit 1; }
}
atk_url() { echo "http://127.0.0.1:$(cat "$FLW_TMP/proxy-$1.port")"; }
atk_rules() {
	jq -e 'type == "array"' <<<"$2" >/dev/null || { echo "bad rules: $2"; exit 1; }
	printf '%s\n' "$2" >"$FLW_TMP/proxy-$1.rules.tmp" && mv "$FLW_TMP/proxy-$1.rules.tmp" "$FLW_TMP/proxy-$1.rules"
}
atk_hits() { grep -c " $2\$" "$FLW_TMP/proxy-$1.log"; }

# atk_state DEV: what the device trusts and runs; must not change when an attack is refused
atk_state() {
	local d=$FLW_TMP/$1
	(cd "$d/state/tuf" && sha256sum -- *.json) | sha256sum | cut -c1-16
	sha256sum <"$d/state/bootsel" | cut -c1-16
	cat "$d/slot_a" "$d/slot_b" | sha256sum | cut -c1-16
}
# atk_honest_meta FILE: the honest repository's current bytes for trusted file FILE
atk_honest_meta() {
	local v
	case $1 in
	root.json) curl -sS -f -H "Authorization: Bearer $FLW_ADMIN_TOKEN" "$FLW_URL/api/v1/tuf/root" ;;
	timestamp.json) atk_meta timestamp.json ;;
	snapshot.json)
		v=$(atk_meta timestamp.json | jq -r '.signed.meta["snapshot.json"].version')
		atk_meta "$v.snapshot.json"
		;;
	targets.json)
		v=$(atk_meta timestamp.json | jq -r '.signed.meta["snapshot.json"].version')
		v=$(atk_meta "$v.snapshot.json" | jq -r '.signed.meta["targets.json"].version')
		atk_meta "$v.targets.json"
		;;
	*) return 1 ;;
	esac
}
# atk_tuf_clean DEV BEFORE_DIR: every trusted file is as it was or, for a step before the one
# attacked, the honest repository's current file (TUF persists each verified step); the same
# set of files; names the files that advanced
atk_tuf_clean() {
	local t=$FLW_TMP/$1/state/tuf f b
	[ "$(cd "$t" && ls)" = "$(cd "$2" && ls)" ] || { echo "trusted files changed: $(ls "$t")"; return 1; }
	for f in "$t"/*.json; do
		b=$(basename "$f")
		cmp -s "$f" "$2/$b" && continue
		atk_honest_meta "$b" | cmp -s - "$f" || { echo "$b holds bytes the honest repository does not serve"; return 1; }
		echo "$b advanced to the honest repository's file"
	done
}

# atk_key_pem KEYFILE PEM: a fleetward Ed25519 key file (private = 32-byte seed, hex) as PEM
atk_key_pem() {
	local seed
	seed=$(jq -r .keyval.private "$1")
	[ ${#seed} = 64 ] || { echo "atk_key_pem: $1 has no plain private key"; return 1; }
	printf '302e020100300506032b657004220420%s' "$seed" | xxd -r -p |
		openssl pkey -inform DER -out "$2" 2>/dev/null
}
# keyid of a PEM's public key: sha256 of the canonical key object
atk_keyid() {
	local pub
	pub=$(openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | od -An -tx1 -v | tr -d ' \n')
	jq -ncS --arg p "$pub" '{keytype:"ed25519",scheme:"ed25519",keyval:{public:$p}}' | tr -d '\n' |
		sha256sum | cut -d' ' -f1
}
atk_sig() { # PEM < message: hex signature
	local f=$FLW_TMP/atk-msg.$$
	cat >"$f"
	openssl pkeyutl -sign -inkey "$1" -rawin -in "$f" | od -An -tx1 -v | tr -d ' \n'
	rm -f "$f"
}
# atk_resign ENVELOPE_FILE JQ_FILTER PEM...: .signed | JQ_FILTER, signed by each PEM (a PEM
# given twice signs twice under its keyid: "the same key counted twice")
atk_resign() {
	local env=$1 filter=$2 canon sigs='[]' k
	shift 2
	canon=$(jq -cS ".signed | $filter" "$env" | tr -d '\n')
	for k in "$@"; do
		sigs=$(jq -c --arg id "$(atk_keyid "$k")" --arg s "$(printf '%s' "$canon" | atk_sig "$k")" \
			'. + [{keyid:$id,sig:$s}]' <<<"$sigs")
	done
	jq -cS -n --argjson s "$sigs" --argjson d "$canon" '{signatures:$s,signed:$d}' | tr -d '\n'
}
atk_meta() { curl -sS -f "$FLW_URL/tuf/metadata/$1"; }
# the server's online key NAME (snapshot, timestamp, director) as PEM: a compromised server
atk_online_pem() {
	[ -f "$FLW_TMP/k-$1.pem" ] || atk_key_pem "$FLW_DATA/keys/$1.key" "$FLW_TMP/k-$1.pem" || return 1
	echo "$FLW_TMP/k-$1.pem"
}

# atk_new_release TAG [HWID] [SIZE]: a new image released as fw/TAG.img (version 1.0.<n>)
ATK_N=0
atk_new_release() {
	ATK_N=$((ATK_N + 1))
	agent_image "$FLW_TMP/$1.img" "${3:-300000}"
	AGENT_HWID=${2:-$AGENT_HWID} agent_release "$FLW_TMP/$1.img" "fw/$1.img" "1.0.$ATK_N" ||
		{ tail -5 "$FLW_TMP/cli.log"; echo "release $1 failed"; exit 1; }
}

# atk_setup DEV [CONFIG LINES...]: server; repository with root keys root1 + root2 (threshold 2)
# and a targets key; DEV talks to the server through proxy "mitm" and has installed one
# release honestly (so it trusts timestamp, snapshot and targets, and runs slot B).
atk_setup() {
	local dev=$1
	shift
	flw_start_server
	(cd "$FLW_TMP" && "$FLW_CLI" keygen -o root1.key && "$FLW_CLI" keygen -o root2.key &&
		"$FLW_CLI" keygen -o targets.key &&
		"$FLW_CLI" repo init --root-key root1.key --root-key root2.key --root-threshold 2 \
			--targets-key targets.key -o root.json) >>"$FLW_TMP/cli.log" 2>&1 ||
		{ cat "$FLW_TMP/cli.log"; echo "repo init failed"; exit 1; }
	ROOT_JSON=$FLW_TMP/root.json
	agent_enroll_token
	atk_proxy_start mitm
	agent_conf "$dev" "server = $(atk_url mitm)" "download_retries = 1" "stall_timeout = 3" \
		"request_timeout = 5" "$@"
	agent_once "$dev" || { agent_log_tail "$dev" 30; echo "enrollment failed"; exit 1; }
	atk_new_release base
	local dep
	dep=$(agent_deploy fw/base.img "$dev")
	agent_once "$dev" && [ "$(deploy_state "$dep" "$dev")" = success ] &&
		cmp -s "$FLW_TMP/base.img" "$FLW_TMP/$dev/slot_b" ||
		{ agent_log_tail "$dev" 30; echo "the honest first update failed"; exit 1; }
	ok "setup: $dev installed fw/base.img honestly through the proxy"
}

# atk_gap TAG WHAT COMMAND...: a known gap, tracked as an expected failure: passes (as a TODO)
# while COMMAND fails, and fails once COMMAND passes, so the entry gets removed with the fix.
atk_gap() {
	local tag=$1 what=$2
	shift 2
	if "$@" >"$FLW_TMP/last.out" 2>&1; then
		fail "$tag: $what now holds: make it a plain check"
	else
		ok "$tag: $what # TODO known gap"
		sed 's/^/#   /' "$FLW_TMP/last.out" | head -5
	fi
}

# Attack names the agent does not (yet) put in its error: the naming check of these is an
# expected failure that turns into a test failure once the agent names them (then delete the
# entry). Space-separated test tags as given to atk_attack.
ATK_UNNAMED=${ATK_UNNAMED:-}

# atk_refused DEV DEP TAG WHAT BEFORE [MODE]: the checks after an attack cycle (MODE
# "progress": steps before the attacked one may have advanced honestly, see atk_tuf_clean)
atk_refused() {
	local dev=$1 dep=$2 tag=$3 what=$4 before=$5 d=$FLW_TMP/$1 detail
	detail=$(deploy_detail "$dep" "$dev")
	echo "#   agent: $(grep -E 'error|refus|fail' "$d/agent.cycle" | tail -1 | cut -c1-300)"
	echo "#   server detail: ${detail:0:300}"
	check "$tag: server shows the deployment failed" test "$(deploy_state "$dep" "$dev")" = failure
	if grep -Eiq -- "$what" "$d/agent.cycle" && grep -Eiq -- "$what" <<<"$detail"; then
		case " $ATK_UNNAMED " in
		*" $tag "*) fail "$tag: agent now names the attack /$what/: remove '$tag' from ATK_UNNAMED" ;;
		*) ok "$tag: the agent's error and the server's report name the attack /$what/" ;;
		esac
	else
		case " $ATK_UNNAMED " in
		*" $tag "*) ok "$tag: refused, but the error does not name /$what/ # TODO agent message" ;;
		*) fail "$tag: the agent's error or report does not name the attack /$what/" ;;
		esac
	fi
	if [ "${6:-}" = progress ]; then
		check "$tag: boot selection and slots are byte-identical" \
			test "$(atk_state "$dev" | tail -2)" = "$(tail -2 <<<"$before")"
		check "$tag: trusted metadata holds nothing from the attacker" atk_tuf_clean "$dev" "$d/tuf.before"
		sed 's/^/#   /' "$FLW_TMP/last.out"
	else
		check "$tag: trusted metadata, boot selection and slots are byte-identical" \
			test "$(atk_state "$dev")" = "$before"
	fi
	# a network failure may leave a partial download to resume (hashed in full before use)
	check "$tag: staging holds at most a partial download" \
		test "$(cat "$d"/state/staging/* 2>/dev/null | wc -c)" -lt "$(stat -c %s "$FLW_TMP/$tag.img")"
}

# atk_attack DEV TAG RULES WHAT [target]: deploy fw/TAG.img (released beforehand), attack the
# cycle with RULES, check the refusal, then deploy it again with honest forwarding: it installs.
# "target": the attack leaves metadata alone and tampers with what comes after it, so the device
# first refreshes its metadata honestly (fleetward-tuf-client on its tuf/ directory, straight
# from the server: what the agent itself would have trusted) and must keep exactly that.
atk_attack() {
	local dev=$1 tag=$2 rules=$3 what=$4 mode=${5:-} d=$FLW_TMP/$1 before dep
	if [ "$mode" = target ]; then
		"$FLW_BIN_DIR/fleetward-tuf-client" --metadata-dir "$d/state/tuf" \
			--metadata-url "$FLW_URL/tuf/metadata" refresh >>"$FLW_TMP/tuf-client.log" 2>&1 ||
			{ fail "$tag: honest refresh before the attack failed"; tail -3 "$FLW_TMP/tuf-client.log"; }
	fi
	before=$(atk_state "$dev")
	rm -rf "$d/tuf.before"
	cp -a "$d/state/tuf" "$d/tuf.before"
	dep=$(agent_deploy "fw/$tag.img" "$dev")
	[ -n "$dep" ] || { fail "$tag: deploy failed"; return; }
	atk_rules mitm "$rules"
	: >"$FLW_TMP/proxy-mitm.log"
	agent_once_cycle "$dev"
	ATK_RC=$?
	check "$tag: the agent refuses (cycle fails)" test "$ATK_RC" != 0
	check "$tag: the attacker's answer was served" \
		test "$(grep -cv ' -$' "$FLW_TMP/proxy-mitm.log")" -gt 0
	atk_refused "$dev" "$dep" "$tag" "$what" "$before" "$mode"
	atk_rules mitm '[]'
	atk_honest "$dev" "$tag"
}

# agent_once_cycle DEV: one --once cycle whose output also lands in DEV/agent.cycle
agent_once_cycle() {
	local rc
	agent_once "$@"
	rc=$?
	awk '/^# --- agent --once/ {buf = ""} {buf = buf $0 "\n"} END {printf "%s", buf}' \
		"$FLW_TMP/$1/agent.log" >"$FLW_TMP/$1/agent.cycle"
	return $rc
}

# atk_honest DEV TAG: the next legitimate update of fw/TAG.img succeeds
atk_honest() {
	local dev=$1 tag=$2 d=$FLW_TMP/$1 dep inactive
	inactive=slot_a
	grep -qx 'primary=A' "$d/state/bootsel" && inactive=slot_b
	dep=$(agent_deploy "fw/$tag.img" "$dev")
	if agent_once_cycle "$dev" && [ "$(deploy_state "$dep" "$dev")" = success ] &&
		cmp -s "$FLW_TMP/$tag.img" "$d/$inactive"; then
		ok "$tag: the next legitimate update installs fw/$tag.img"
	else
		fail "$tag: the next legitimate update failed"
		sed 's/^/#   /' "$d/agent.cycle" | tail -15
	fi
}
