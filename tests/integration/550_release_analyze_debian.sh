#!/bin/bash
# 550_release_analyze_debian.sh - `fleetward release analyze` on real Debian binaries of this
# machine (openssl, libc6, zlib1g, libcurl4, openssh-server if installed) and on busybox-static
# fetched with apt-get download: every version must equal what dpkg says (upstream part, epoch
# and Debian revision stripped). Then the same files inside an ext4 image made with mke2fs -d:
# the walk finds them under their paths, and the limits hold.
. "$FLW_SRC_DIR/tests/integration/lib.sh"

F=$FLW_CLI
cd "$FLW_TMP" || exit 1
command -v dpkg-query >/dev/null || flw_skip "not a Debian system (no dpkg-query)"
LIB=/usr/lib/x86_64-linux-gnu
[ -d $LIB ] || flw_skip "no $LIB"

# upstream version of an installed package: 1:1.2.13.dfsg-1 -> 1.2.13
upstream() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null | sed -E 's/^[0-9]+://; s/-[^-]*$//; s/[.+~]dfsg.*$//; s/[+~].*$//'; }

# analyze FILE COMPONENT EXPECTED: the SBOM lists COMPONENT at EXPECTED with a CPE naming it
analyze() {
	local file=$1 comp=$2 want=$3 got
	$F release analyze "$file" -o sbom.json >table.out 2>err.out || { fail "analyze $file exits 0"; cat err.out; return; }
	got=$(jq -r --arg c "$comp" '[.components[] | select(.name == $c) | .version] | join(",")' sbom.json)
	if [ "$got" = "$want" ]; then ok "$file: $comp $want (dpkg: $want)"; else fail "$file: $comp is '$got', dpkg says '$want'"; fi
	check "$file: $comp has a CPE with that version" \
		jq -e --arg c "$comp" --arg v "${want%%p*}" '.components[] | select(.name == $c) | .cpe | test(":" + $v + ":")' sbom.json
}

analyze /usr/bin/openssl openssl "$(upstream openssl)"
analyze $LIB/libcrypto.so.3 openssl "$(upstream libssl3)"
analyze $LIB/libc.so.6 glibc "$(upstream libc6 | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')"
analyze "$(readlink -f $LIB/libz.so.1)" zlib "$(upstream zlib1g)"
analyze "$(readlink -f $LIB/libcurl.so.4)" curl "$(upstream libcurl4)"
if [ -x /usr/sbin/sshd ]; then
	analyze /usr/sbin/sshd openssh "$(upstream openssh-server)"
else
	echo "# /usr/sbin/sshd not installed: openssh is checked by 551 on the corpus"
fi

check "the SBOM is CycloneDX 1.5" jq -e '.bomFormat == "CycloneDX" and .specVersion == "1.5"' sbom.json
check "components carry purl and evidence" \
	jq -e '[.components[] | (.purl | startswith("pkg:generic/")) and (.evidence.occurrences | length > 0)] | all' sbom.json
$F release analyze /usr/bin/openssl >stdout.json 2>/dev/null
check "without -o the SBOM goes to stdout" jq -e '.components[0].cpe | startswith("cpe:2.3:a:openssl:openssl:")' stdout.json
check_fails "a missing image fails" $F release analyze "$FLW_TMP/none.img"
$F release analyze 2>usage.err >/dev/null
check "no IMAGE is a usage error (exit 2)" test $? -eq 2
check "release analyze is in help --list" grep -q '^release analyze' <($F help --list)

# ---- busybox-static from the archive -----------------------------------------------------------
mkdir -p bb && (cd bb && timeout 120 apt-get download busybox-static >/dev/null 2>&1)
deb=$(ls bb/busybox-static_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
	dpkg-deb -x "$deb" bb/x
	want=$(dpkg-deb -f "$deb" Version | sed -E 's/^[0-9]+://; s/-[^-]*$//')
	analyze bb/x/bin/busybox busybox "$want"
else
	echo "# apt-get download busybox-static failed (offline?): busybox checked on synthetic data only"
fi

# ---- an ext4 image of those files --------------------------------------------------------------
command -v mke2fs >/dev/null || flw_skip "mke2fs (e2fsprogs) missing"
mkdir -p root/usr/bin root/lib/deep/a/b/c root/etc
cp /usr/bin/openssl root/usr/bin/
cp $LIB/libc.so.6 root/lib/
cp "$(readlink -f $LIB/libz.so.1)" root/lib/deep/a/b/c/
[ -n "$deb" ] && cp bb/x/bin/busybox root/usr/bin/
printf '\x7fELF' >root/lib/libuClibc-1.0.45.so
ln -s ../usr/bin/openssl root/etc/openssl-link
printf 'built with OpenSSL 1.0.2zg  7 Feb 2023\n' >root/etc/notes.txt
mke2fs -q -F -t ext4 -d root fs.img 16M >/dev/null 2>&1 || flw_skip "mke2fs -d failed"
$F release analyze fs.img -o fs.json >fs.table 2>fs.err
check "ext4 image: analyze exits 0" test $? -eq 0
v() { jq -r --arg c "$1" '[.components[] | select(.name == $c) | .version] | join(",")' fs.json; }
check "ext4: openssl found at /usr/bin/openssl" \
	jq -e '.components[] | select(.name == "openssl" and .version == "'"$(upstream openssl)"'") | .evidence.occurrences | map(.location) | index("/usr/bin/openssl")' fs.json
check "ext4: the text file's letter release is found too (1.0.2zg)" grep -q '1.0.2zg' <(v openssl)
check "ext4: glibc" test "$(v glibc)" = "$(upstream libc6 | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')"
check "ext4: zlib four directories down" test "$(v zlib)" = "$(upstream zlib1g)"
check "ext4: uClibc-ng by file name" test "$(v uclibc-ng)" = 1.0.45
[ -n "$deb" ] && check "ext4: busybox" test "$(v busybox)" = "$want"
check "ext4: the table names the file" grep -q '/lib/libc.so.6' fs.table
$F release analyze fs.img --max-files 2 -o x.json >/dev/null 2>lim.err
check "--max-files 2 is a limit error" test $? -eq 1
check "the limit error says which limit" grep -q 'more than 2 files' lim.err
$F release analyze fs.img --max-file-size 4096 -o small.json >/dev/null 2>skip.err
check "--max-file-size skips big files (no glibc)" test "$(jq '[.components[] | select(.name == "glibc")] | length' small.json)" = 0
check "skipped files are reported" grep -q 'larger than --max-file-size' skip.err
head -c 2000 fs.img >broken.img && dd if=fs.img of=broken.img bs=1 skip=1024 seek=1024 count=1024 conv=notrunc status=none
check_fails "a truncated ext4 image fails" $F release analyze broken.img -o b.json
flw_done
