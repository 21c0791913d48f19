#!/usr/bin/env bash
# Builds and runs camvault's unit tests (cmocka, tests/unit/test_*.c) and fuzzers (tests/fuzz/fuzz_*.c).
#
# Counts each cmocka test case from its TAP line, then each TAP line of the test_*.sh scripts (run after the
# binaries, whose output they check), and each fuzzer as one test that passes when it exits 0
# after FUZZ_RUNS inputs (default 20000) starting from the seeds its seeds_<name> writes. Ends with exactly one
# line "N passed, N failed, N skipped"; exits 1 when anything failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$here/build
FUZZ_RUNS=${FUZZ_RUNS:-20000}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0

if ! make -s -C "$here"; then
	echo "run.sh: the unit tests do not build (see above)" >&2
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Counts the TAP lines of a test's output in $log, with its exit status $2, into the totals.
count_tap() {
	local name=$1 rc=$2 s p f plan missing

	# cmocka writes skips as "not ok N # SKIP name".
	s=$(grep -Ec '^(not )?ok [0-9]+ # SKIP' "$log")
	p=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP')
	f=$(grep -E '^not ok [0-9]+' "$log" | grep -vc '# SKIP')
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
	# A crash (a sanitizer's abort) stops the TAP stream early: what did not report failed.
	missing=$(( ${plan:-0} - s - p - f ))
	if [ "$missing" -gt 0 ]; then
		echo "not ok - $name: $missing test(s) did not report (exit status $rc)"
		f=$(( f + missing ))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exit status $rc"
		f=1
	fi
	passed=$(( passed + p )) failed=$(( failed + f )) skipped=$(( skipped + s ))
}

for t in "$build"/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	echo "# $name"
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" | tee "$log"
	count_tap "$name" "${PIPESTATUS[0]}"
done

# Scripts that check what the test binaries left (test_report_html.sh renders test_report's HTML in Chromium).
for t in "$here"/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t")
	echo "# $name"
	bash "$t" | tee "$log"
	count_tap "$name" "${PIPESTATUS[0]}"
done

for fz in "$build"/fuzz_*; do
	[ -f "$fz" ] && [ -x "$fz" ] || continue
	name=${fz##*/fuzz_}
	corpus=$build/corpus/$name
	rm -rf "$corpus" "$build/crashes/$name-"* && mkdir -p "$corpus" "$build/crashes"
	if [ -x "$build/seeds_$name" ] && ! "$build/seeds_$name" "$corpus"; then
		echo "not ok - fuzz_$name: seeds_$name failed"
		failed=$(( failed + 1 ))
		continue
	fi
	if "$fz" -runs="$FUZZ_RUNS" -timeout=10 -max_total_time=600 -artifact_prefix="$build/crashes/$name-" \
		"$corpus" >"$log" 2>&1; then
		echo "ok - fuzz_$name: $FUZZ_RUNS runs on $(ls "$corpus" | wc -l) inputs, no crash"
		passed=$(( passed + 1 ))
	else
		tail -n 40 "$log"
		echo "not ok - fuzz_$name: the fuzzer found a crash (reproduce: $fz $build/crashes/$name-crash-*)"
		failed=$(( failed + 1 ))
	fi
done

if [ $(( passed + failed + skipped )) -eq 0 ]; then
	echo "run.sh: no test ran" >&2
	failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
