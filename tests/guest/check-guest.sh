#!/usr/bin/env bash
# One guest layer of make check: boot KERNEL once, run the whole guest suite, count its TAP results,
# plus one test of our own: the kernel logged no splat (KASAN, lockdep, oops, hung task) and the guest
# ran to the end (arm64: first, that camvault cross-builds for it). On the 6.12 test kernel, a second boot with kmemleak on runs the tests that load, refuse
# and lock vaults, and fails on any leak. On 6.1, the TPM story over three boots (story-tpm.sh) and the story of
# make demo, which checks what it shows.
# Ends with "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
kernel=$1
out=$TOP/build/$kernel/out

p=0 f=0 s=0 tap_logs=$TOP/build/$kernel
mkdir -p "$tap_logs"
# The arm64 guest runs an arm64 build of camvault and its probes, made here: that it builds is a test.
build_arm64() {
	local root
	root=$("$TOP/tests/scripts/fetch-arm64.sh") && "$TOP/tests/scripts/build-arm64.sh" "$root" "$TOP/build/arm64"
}
case $kernel in arm64*) tap_check "camvault and its probes cross-build for arm64 (-Werror)" build_arm64 ;; esac

# Debian trixie's kernels have no camvault.ko (no headers a bookworm host can build with): their probes only.
# The probe suite runs at each tier on two kernels, not on every one: lsm (Debian 13's default) and the
# tracepoint tier on both x86 kernels; fentry on 6.12 and kprobe on 6.1 (Debian 6.1 loads the other two's
# programs in 41-access-*, and arm64 runs the suite at kprobe on 6.1 and fentry on 6.12). The attach and
# detach churn (48) runs where the 6.1 oops was seen, at every hook tier, and on both arm64 kernels.
# arm64: the tiers bookworm's 6.1 has (no BPF trampolines on arm64 before 6.4), then the two trixie's 6.12
# adds; each with the access workload.
case $kernel in
debian61) export CAMVAULT_GUEST_SKIP="40-probes-fentry" ;;
debian612) export CAMVAULT_GUEST_TESTS="40-probes-lsm 40-probes-fentry 40-probes-tracepoint" ;;
arm64) export CAMVAULT_GUEST_TESTS="40-probes-kprobe 40-probes-tracepoint 41-access-kprobe 41-access-tracepoint 42-access-tracepoint-nobtf 48-tier-churn" ;;
arm64-612) export CAMVAULT_GUEST_TESTS="40-probes-lsm 40-probes-fentry 41-access-lsm 48-tier-churn" ;;
esac

# The whole suite takes about 6 minutes on 6.1 and 12 on the 6.12 test kernel (KASAN under TCG, with the
# probes' verifier runs): 30 minutes before the boot counts as hung.
"$TOP/tests/guest/run-guest.sh" --timeout 1800 "$kernel" "$TOP/tests/guest/suite.sh"
rc=$?
tap=$out/results.tap
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

# count LOG: adds the "ok"/"not ok" lines of LOG to the totals.
count() {
	local lp lf
	lp=$(grep -cE '^ok ' "$1" | tr -d ' ')
	lf=$(grep -cE '^not ok ' "$1" | tr -d ' ')
	p=$((p + lp)) f=$((f + lf))
}

if [ "$kernel" = pi612 ]; then
	leak=$TOP/build/$kernel/leak-out
	CAMVAULT_GUEST_APPEND="kmemleak=on" CAMVAULT_GUEST_TESTS="20-target 23-lock" CAMVAULT_KMEMLEAK=1 \
		"$TOP/tests/guest/run-guest.sh" --out "$leak" "$kernel" "$TOP/tests/guest/suite.sh" > "$leak.log" 2>&1
	rc=$?
	sed -n 's/^\(\(not \)\?ok\) [0-9]* - \(.*\)/\1 - kmemleak boot: \3/p' "$leak/results.tap" 2>/dev/null > "$leak.tap"
	if [ $rc -eq 2 ] || [ ! -s "$leak.tap" ]; then
		echo "not ok - kmemleak boot ran to the end with a clean kernel log (console: $leak/console.log)" >> "$leak.tap"
		sed 's/^/#   /' "$leak.log" | tail -n 20 >> "$leak.tap"
	fi
	cat "$leak.tap"
	count "$leak.tap"
fi

# The TPM story is the tool's and the TPM's (sealing, PCRs, another TPM, recovery, shred): one kernel tells it.
# What it asks of the kernel (a table loaded with a key from the keyring, lock, remove) the suite's 20-target,
# 23-lock and 26-cli run on every kernel with camvault.ko, and under KASAN and kmemleak on the 6.12 one.
if [ "$kernel" = debian61 ]; then
	"$TOP/tests/guest/story-tpm.sh" "$kernel" | tee "$TOP/build/$kernel/story-tpm.tap"
	count "$TOP/build/$kernel/story-tpm.tap"
fi

# make demo's story, which checks what it shows (alerts, report, verify, tampering, another TPM).
if [ "$kernel" = debian61 ]; then
	demo=$TOP/build/$kernel/demo
	if "$TOP/tests/guest/run-guest.sh" --out "$demo" --timeout 900 "$kernel" "$TOP/tests/guest/demo-job.sh" \
		> "$demo.log" 2>&1 && [ -s "$demo/report.html" ]; then
		echo "ok - make demo's story on $kernel: $(tail -n 1 "$demo/job.log")"
		p=$((p + 1))
	else
		echo "not ok - make demo's story on $kernel (log: $demo.log)"
		{ cat "$demo.log"; tail -n 30 "$demo/job.log" 2>/dev/null; } | sed 's/^/#   /' | tail -n 40
		f=$((f + 1))
	fi
fi

echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
