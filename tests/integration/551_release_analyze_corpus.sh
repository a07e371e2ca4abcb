#!/bin/bash
# 551_release_analyze_corpus.sh - `fleetward release analyze` on the images that
# /work/shared/bench/make-delta-corpus.sh builds (ext4 root filesystems p4/p5, the openssl binary
# p1 and the kernel bzImage p3, old and new). Expected versions come from the .deb files the
# corpus was built from (dpkg-deb -f VERSION in $C/dl), not from this script. Skips (77) when the
# corpus is absent: CI does not build it.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

C=${FLW_CORPUS:-/tmp/fleetward-corpus}
P=$C/pairs
[ -f $P/p5_rootfs100m.new ] && [ -d $C/dl ] || flw_skip "no corpus in $C (run make-delta-corpus.sh)"
F=$FLW_CLI
cd "$FLW_TMP" || exit 1

# upstream version of a downloaded package: NAME VERSION-GLOB -> 9.2p1, 6.1.190, 2.36, ...
debver() {
	local d
	d=$(ls $C/dl/${1}_$2_amd64.deb 2>/dev/null | head -1)
	[ -n "$d" ] || { echo "missing-$1"; return; }
	dpkg-deb -f "$d" Version | sed -E 's/^[0-9]+://; s/-[^-]*$//'
}
# the corpus pins old/new by Debian revision (make-delta-corpus.sh OLD/NEW)
declare -A WANT
WANT[old:openssl]=$(debver openssl '3.0.20*')
WANT[new:openssl]=$(debver openssl '3.0.22*')
WANT[old:glibc]=$(debver libc6 '2.36-9+deb12u7' | cut -d. -f1-2)
WANT[new:glibc]=$(debver libc6 '2.36-9+deb12u14' | cut -d. -f1-2)
WANT[old:openssh]=$(debver openssh-server '*deb12u9')
WANT[new:openssh]=$(debver openssh-server '*deb12u10')
WANT[old:linux]=$(debver linux-image-6.1.0-54-amd64 '*')
WANT[new:linux]=$(debver linux-image-6.1.0-55-amd64 '*')
WANT[old:busybox]=$(debver busybox-static '*')
WANT[new:busybox]=${WANT[old:busybox]}

# expect IMAGE AGE COMPONENT...: each listed component has exactly the expected version
expect() {
	local img=$1 age=$2 comp got json=$FLW_TMP/$(basename $1).json
	shift 2
	$F release analyze "$img" -o "$json" >/dev/null 2>&1 || { fail "analyze $img"; return; }
	for comp in "$@"; do
		got=$(jq -r --arg c "$comp" '[.components[] | select(.name == $c) | .version] | join(",")' "$json")
		if [ "$got" = "${WANT[$age:$comp]}" ]; then
			ok "$(basename $img): $comp $got"
		else
			fail "$(basename $img): $comp is '$got', the package is '${WANT[$age:$comp]}'"
		fi
	done
}

for age in old new; do
	expect $P/p1_openssl.$age $age openssl
	expect $P/p3_vmlinuz.$age $age linux
	expect $P/p4_rootfs10m.$age $age busybox openssl
	expect $P/p5_rootfs100m.$age $age busybox openssl glibc openssh linux
	j=$FLW_TMP/p4_rootfs10m.$age.json
	check "p4 $age: exactly busybox and openssl" \
		test "$(jq -c '[.components[].name] | sort' $j)" = '["busybox","openssl"]'
	check "p4 $age: openssl in the CLI and in libcrypto" \
		jq -e '.components[] | select(.name == "openssl") | [.evidence.occurrences[].location] | index("/usr/bin/openssl") and index("/usr/lib/x86_64-linux-gnu/libcrypto.so.3")' $j
	j=$FLW_TMP/p5_rootfs100m.$age.json
	check "p5 $age: one version per component (no python docstring 'OpenSSL 1.1.1')" \
		test "$(jq '[.components[].name] | length' $j)" = "$(jq '[.components[].name] | unique | length' $j)"
	check "p5 $age: kernel CPE is an o: part" \
		jq -e '.components[] | select(.name == "linux") | .cpe == "cpe:2.3:o:linux:linux_kernel:'"${WANT[$age:linux]}"':*:*:*:*:*:*:*"' $j
	check "p5 $age: OpenSSH p1 is the CPE update" \
		jq -e '.components[] | select(.name == "openssh") | .cpe == "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*"' $j
done
flw_done
