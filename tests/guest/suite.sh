#!/bin/bash
# The guest suite: one boot runs every tests/guest/t/*.sh (arm64: tests/guest/arm64/*.sh), each in its own bash, each reported on its own
# (TAP in /run/out/results.tap; per-test output in /run/out/t/NAME.log). A test exits 0 when it passes,
# 77 when it does not apply to this kernel (with the reason on its last line), anything else when it fails.
# Where the kernel has KUnit, the KUnit module is loaded afterwards and its KTAP saved in /run/out/kunit.log.
# CAMVAULT_GUEST_TESTS="20-target 23-lock" runs those only, and no KUnit; CAMVAULT_GUEST_SKIP="40-probes-fentry"
# leaves those out (run on another kernel).
cd "$TOP"
# The arm64 guest runs the arm64 build's tests (tests/guest/arm64: the probes; no TPM, no camvault.ko).
tdir=tests/guest/t
[ "$(uname -m)" = aarch64 ] && tdir=tests/guest/arm64
if [ -n "${CAMVAULT_GUEST_TESTS:-}" ]; then
	tests=()
	for t in $CAMVAULT_GUEST_TESTS; do tests+=("$tdir/$t.sh"); done
	CAMVAULT_KUNIT_KO=
else
	tests=()
	for t in "$tdir"/*.sh; do	# the .py files are helpers of the .sh tests
		[[ " ${CAMVAULT_GUEST_SKIP:-} " == *" $(basename "$t" .sh) "* ]] || tests+=("$t")
	done
fi
mkdir -p /run/out/t
{
	echo "TAP version 13"
	echo "1..${#tests[@]}"
} > /run/out/results.tap
n=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	start=$(date +%s.%N)
	# Each test in a session keyring of its own: init has none, and a logon key added "to @s"
	# without one is not found by the table load's request_key.
	timeout 300 keyctl session - bash "$t" > "/run/out/t/$name.log" 2>&1
	rc=$?
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	case $rc in
	0) line="ok $n - $name" ;;
	77) line="ok $n - $name # SKIP $(tail -n 1 "/run/out/t/$name.log")" ;;
	*) line="not ok $n - $name (exit $rc)" ;;
	esac
	echo "$line" >> /run/out/results.tap
	printf '%s (%.1f s)\n' "$line" "$secs"
	[ $rc -ne 0 ] && [ $rc -ne 77 ] && sed 's/^/#   /' "/run/out/t/$name.log" | tail -n 30
done

if [ -n "$CAMVAULT_KUNIT_KO" ] && [ -f "$CAMVAULT_KUNIT_KO" ]; then
	# A failed test may have left vaults behind: start the KUnit run from a clean module.
	(. tests/guest/lib.sh && guest_cleanup)
	dmesg -C
	modprobe dm_mod 2>/dev/null
	if insmod "$CAMVAULT_KO" && insmod "$CAMVAULT_KUNIT_KO"; then
		rmmod camvault_kunit
		rmmod camvault
	else
		echo "suite: loading the KUnit module failed"
	fi
	dmesg > /run/out/kunit.log
fi
exit 0
