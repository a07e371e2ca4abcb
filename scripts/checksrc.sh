#!/usr/bin/env bash
# checksrc.sh - keep banned functions out of the tree (STYLE.md section 8).
# Banned everywhere: unbounded or locale-fragile string functions and shell-outs. Raw
# malloc/calloc/realloc/free only in util/alloc.c, and in the fuzz/bench/test drivers.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'include/*.h')
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|strncpy|alloca|system|rand)[[:space:]]*\('
if grep -nE "$banned" $files | grep -v 'checksrc:allow'; then
	echo "checksrc: banned function above (see STYLE.md section 8)"
	status=1
fi
raw='(^|[^_a-z>.])(malloc|calloc|realloc|free)[[:space:]]*\('
if grep -nE "$raw" $(echo "$files" | grep -v 'src/libfleetward/util/alloc.c') | grep -v 'checksrc:allow'; then
	echo "checksrc: raw allocation outside util/alloc.c; use flw_malloc/flw_free"
	status=1
fi
if grep -nE '\bqsort(_r)?[[:space:]]*\(' $files | grep -v 'checksrc:allow'; then
	echo "checksrc: raw qsort; use flw_sort/flw_sort_r (util/sort.h: an empty array may be NULL)"
	status=1
fi
[ $status = 0 ] && echo "checksrc: ok ($(echo "$files" | wc -w) files)"
exit $status
