# tests/integration/lib_agent.sh - helpers for the agent tests (3NN_*.sh); sourced after lib.sh.
#
#   agent_repo_init             keys + `repo init` on the running server; sets ROOT_JSON
#   agent_image FILE SIZE       random image of SIZE bytes
#   agent_release IMG NAME VER  release create + upload (hardware $AGENT_HWID)
#   agent_enroll_token          sets ENROLL_TOKEN (multi-use)
#   agent_conf DEV [LINES...]   $FLW_TMP/DEV/{agent.conf,state,slot_a,slot_b}; extra config lines
#   agent_once DEV              one --once cycle, output appended to $FLW_TMP/DEV/agent.log
#   deploy_state ID DEV         that device's state in deployment ID
AGENT_HWID=${AGENT_HWID:-cam-v2}

agent_repo_init() {
	(cd "$FLW_TMP" && "$FLW_CLI" keygen -o root.key && "$FLW_CLI" keygen -o targets.key &&
		"$FLW_CLI" repo init --root-key root.key --targets-key targets.key -o root.json) \
		>>"$FLW_TMP/cli.log" 2>&1 || { cat "$FLW_TMP/cli.log"; echo "repo init failed"; exit 1; }
	ROOT_JSON=$FLW_TMP/root.json
}

agent_image() {
	head -c "$2" /dev/urandom >"$1"
}

# agent_release IMAGE NAME VERSION [KEY]
agent_release() {
	local meta=$FLW_TMP/rel.$RANDOM.json
	"$FLW_CLI" release create "$1" --name "$2" --version "$3" --hardware "$AGENT_HWID" \
		--security-version 1 --key "${4:-$FLW_TMP/targets.key}" -o "$meta" >>"$FLW_TMP/cli.log" 2>&1 &&
		"$FLW_CLI" release upload --metadata "$meta" "$1" >>"$FLW_TMP/cli.log" 2>&1
}

agent_enroll_token() {
	ENROLL_TOKEN=$("$FLW_CLI" enroll-token create "t$RANDOM" --uses -1 2>>"$FLW_TMP/cli.log")
	[ -n "$ENROLL_TOKEN" ] || { cat "$FLW_TMP/cli.log"; echo "no enrollment token"; exit 1; }
}

# agent_conf DEV [extra config lines...]: slot A holds a "factory image", slot B old junk. An
# extra line replaces the default line of the same key.
agent_conf() {
	local dev=$1 d=$FLW_TMP/$1 l k
	shift
	mkdir -p "$d/state"
	[ -e "$d/slot_a" ] || head -c 65536 /dev/urandom >"$d/slot_a"
	[ -e "$d/slot_b" ] || head -c 100000 /dev/urandom >"$d/slot_b"
	{
		echo "server = $FLW_URL"
		echo "device_id = $dev"
		echo "hardware_id = $AGENT_HWID"
		echo "enrollment_token = $ENROLL_TOKEN"
		echo "state_dir = $d/state"
		echo "trust_root = ${AGENT_ROOT:-$ROOT_JSON}"
		echo "slot_a = $d/slot_a"
		echo "slot_b = $d/slot_b"
		echo "poll_interval = 1"
		echo "stall_timeout = 10"
		echo "attribute.serial = SN-$dev"
	} >"$d/agent.conf"
	for l in "$@"; do
		k=${l%%=*}
		k=${k// /}
		sed -i "/^$k *=/d" "$d/agent.conf"
		echo "$l" >>"$d/agent.conf"
	done
}

agent_once() {
	local dev=$1
	shift
	echo "# --- agent --once $(date +%T)" >>"$FLW_TMP/$dev/agent.log"
	"$FLW_AGENT" --config "$FLW_TMP/$dev/agent.conf" --once "$@" >>"$FLW_TMP/$dev/agent.log" 2>&1
}

# deploy RELEASE DEV: prints the deployment id
agent_deploy() {
	"$FLW_CLI" deploy "$1" --device "$2" 2>>"$FLW_TMP/cli.log"
}

deploy_state() {
	flw_api GET "/api/v1/deployments/$1" | jq -r --arg d "$2" '.devices[] | select(.device == $d) | .state'
}

deploy_detail() {
	flw_api GET "/api/v1/deployments/$1" | jq -r --arg d "$2" '.devices[] | select(.device == $d) | .detail'
}

# the server-side artifact file of an image
artifact_path() {
	local sha
	sha=$(sha256sum "$1" | cut -d' ' -f1)
	find "$FLW_DATA" -type f -name "*$sha*" | head -1
}

# show the agent log when a check fails (for the kept temp dir)
agent_log_tail() {
	tail -n "${2:-15}" "$FLW_TMP/$1/agent.log" | sed 's/^/#   /'
}
