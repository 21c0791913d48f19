# The eBPF access probes in this guest kernel at the tier $TIER, with real processes: the host probe suite
# (tests/host), run here. Sourced by t/40-probes-TIER.sh and arm64/40-probes-TIER.sh.
. "$TOP/tests/guest/lib.sh"
need_tier "$TIER"
# A kernel without BTF of its own (our Pi-profile 6.12, like Raspberry Pi OS) gets the camvault.btf
# built with camvault.ko, as the agent gives it (agent/probes/btf.c); with BTF, run.sh makes its own test file.
btf=
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	btf=$(dirname "$CAMVAULT_KO")/camvault.btf
	[ -s "$btf" ] || fail "no kernel BTF in $(uname -r) and no $btf: tests/scripts/build-module.sh makes it"
	# Each load of the probes takes about 65 s under KASAN + TCG (the verifier), and the host suite loads
	# them a dozen times: 41-access proves this kernel, with camvault.btf, on the whole workload.
	if grep -qw kasan_report /proc/kallsyms; then
		skip "the host probe suite would take over 10 minutes in this sanitizer kernel under TCG (about 65 s per probe load); 41-access covers $(uname -r) with $btf"
	fi
	echo "no kernel BTF in $(uname -r): the probes relocate against $btf"
fi
# The guest's root is an overlay (see the test program): keep the test files on /run's tmpfs. The arm64
# guest runs the arm64 build's suite, built with it (it has no compiler).
prebuilt=
[ "$built" != "$TOP" ] && prebuilt=1
out=$(CAMVAULT_TIER=$TIER CAMVAULT_TEST_BTF=$btf CAMVAULT_TEST_PREBUILT=$prebuilt TMPDIR=/run "$built/tests/host/run.sh" 2>&1) ||
	{ echo "$out"; fail "probe suite failed on $(uname -r) at the $TIER tier"; }
echo "$out"
assert_match '^[1-9][0-9]* passed, 0 failed' "$(tail -n 1 <<< "$out")"
# The test that loads the probes with the BTF file must have run, not been skipped.
[ -z "$btf" ] || assert_match '^ok [0-9]+ - test_custom_btf' "$out"
