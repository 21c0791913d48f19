#!/usr/bin/env bash
# One guest layer of make check: boot KERNEL once, run the whole guest suite, count its TAP results,
# plus one test of our own: the kernel logged no splat (KASAN, lockdep, oops, hung task) and the guest
# ran to the end. Ends with "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
kernel=$1
out=$TOP/build/$kernel/out

"$TOP/tests/guest/run-guest.sh" "$kernel" "$TOP/tests/guest/suite.sh"
rc=$?
tap=$out/results.tap
p=0 f=0 s=0
if [ -f "$tap" ]; then
	cat "$tap"
	p=$(grep -cE '^ok [0-9]+ ' "$tap" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$tap" | tr -d ' ')
	f=$(grep -cE '^not ok ' "$tap" | tr -d ' ')
	p=$((p - s))
	planned=$(sed -n 's/^1\.\.//p' "$tap")
	ran=$((p + s + f))
	[ "$ran" -eq "$planned" ] || { echo "not ok - only $ran of $planned guest tests reported"; f=$((f + planned - ran)); }
fi
if [ $rc -eq 2 ] || [ ! -f "$tap" ]; then
	echo "not ok - $kernel kernel log clean and guest ran to the end (console: $out/console.log)"
	f=$((f + 1))
else
	echo "ok - $kernel kernel log clean and guest ran to the end ($(cat "$out/seconds") s)"
	p=$((p + 1))
fi
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
