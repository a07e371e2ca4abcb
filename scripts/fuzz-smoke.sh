#!/usr/bin/env bash
# fuzz-smoke.sh BUILD_DIR SECONDS - run every libFuzzer target built by the fuzz preset for a
# short time, starting from its committed corpus (new inputs go to a scratch dir, not the repo).
set -euo pipefail
build=${1:-build/fuzz}
secs=${2:-30}
cd "$(dirname "$0")/.."
status=0
for bin in "$build"/fuzz/*_fuzzer; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" _fuzzer)
	scratch=$(mktemp -d)
	echo "== $name: ${secs}s"
	if ! "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=512 -artifact_prefix="$scratch/" \
		"$scratch" "fuzz/corpora/$name" >"$scratch/log" 2>&1; then
		tail -30 "$scratch/log"
		echo "!! $name found a crash: see $scratch (commit it as fuzz/corpora/$name/crash-<id>)"
		status=1
	else
		grep -E '^#[0-9]+.*(DONE|pulse)' "$scratch/log" | tail -1
		rm -rf "$scratch"
	fi
done
exit $status
