#!/usr/bin/env bash
# The KUnit layer of make check: parse the KTAP that camvault_kunit.ko printed in the 6.12 guest with
# the kernel tree's own tools/testing/kunit/kunit.py, and report its counts.
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
log=$1
eval "$("$TOP/tests/scripts/guest-kernel.sh" pi612)"
[ -s "$log" ] || { echo "no KUnit output at $log: the 6.12 guest layer must run first"; exit 1; }
grep -q 'KTAP version\|TAP version' "$log" || { echo "no KTAP in $log: camvault_kunit.ko did not run"; exit 1; }
parsed=$(python3 "$KSRC/tools/testing/kunit/kunit.py" parse "$(readlink -f "$log")" 2>&1)
rc=$?
echo "$parsed"
# kunit.py ends with "Testing complete. Ran N tests: passed: P[, failed: F][, skipped: S][, errors: E]"
line=$(sed -n 's/.*Testing complete\. Ran \([0-9]*\) tests: \(.*\)/\1 \2/p' <<< "$parsed" | tail -n 1)
[ -n "$line" ] || { echo "kunit.py found no results"; exit 1; }
get() { sed -nE "s/.*$1: ([0-9]+).*/\1/p" <<< "$line"; }
p=$(get passed) f=$(get failed) s=$(get skipped) e=$(get errors)
f=$(( ${f:-0} + ${e:-0} ))
echo "${p:-0} passed, $f failed, ${s:-0} skipped"
[ $rc -eq 0 ] && [ "$f" -eq 0 ]
