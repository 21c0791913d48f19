#!/usr/bin/env bash
# Host tests of the eBPF access probes on the running kernel: builds the probes and the test program,
# mounts tracefs when it is not, and runs the tests (as root; otherwise they are skipped).
# Ends with one line "N passed, N failed, N skipped"; exits 1 on any failure.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST=$TOP/tests/host/build/test_access_probe
# A BTF file given from outside (the guest's camvault.btf, on a kernel without BTF) is used as it is.
given_btf=${CAMVAULT_TEST_BTF:-}

summary() {
	echo "$1 passed, $2 failed, $3 skipped"
	[ "$2" -eq 0 ]
	exit
}

# CAMVAULT_TEST_PREBUILT: built elsewhere (the arm64 guest's, cross-built by tests/scripts/build-arm64.sh).
if [ -z "${CAMVAULT_TEST_PREBUILT:-}" ] && { ! make -s -C "$TOP/bpf" >&2 || ! make -s -C "$TOP/tests/host" >&2; }; then
	echo "host: build failed" >&2
	summary 0 1 0
fi

if [ "$(id -u)" -eq 0 ] && [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
	if mount -t tracefs nodev /sys/kernel/tracing; then
		echo "host: mounted tracefs on /sys/kernel/tracing" >&2
	else
		echo "host: could not mount tracefs; the tests will say what fails" >&2
	fi
fi

# What a kernel without BTF would be given: the minimal BTF of the types the probes use.
btf=${TMPDIR:-$TOP/tests/host/build}/access.min.btf	# TMPDIR: a guest's tree is read-only
rm -f "$btf"
if [ -r /sys/kernel/btf/vmlinux ] &&
	! bpftool gen min_core_btf /sys/kernel/btf/vmlinux "$btf" "$TOP/bpf/build/access.bpf.o" "$TOP/bpf/build/hooks.bpf.o" >&2; then
	echo "host: bpftool gen min_core_btf failed" >&2
	rm -f "$btf"
fi
[ -f "$btf" ] || btf=

out=$(CAMVAULT_TEST_BTF=${given_btf:-$btf} CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$TEST" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -Ev '^[0-9]+ passed, [0-9]+ failed'

# cmocka's TAP: "ok N - name", "not ok N - name", and "not ok N # SKIP name" for a skip.
plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' | head -n 1)
skipped=$(printf '%s\n' "$out" | grep -Ec '^(not )?ok [0-9]+ # SKIP')
failed=$(printf '%s\n' "$out" | grep -E '^not ok [0-9]+' | grep -Evc '^not ok [0-9]+ # SKIP')
passed=$(printf '%s\n' "$out" | grep -E '^ok [0-9]+' | grep -Evc '^ok [0-9]+ # SKIP')

# A crash, a timeout or a failed teardown counts too.
missing=$(( ${plan:-1} - passed - failed - skipped ))
if [ "$missing" -gt 0 ]; then
	echo "host: $missing test(s) did not report (exit status $rc)" >&2
	failed=$((failed + missing))
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "host: test program exited with status $rc" >&2
	failed=1
fi
summary "$passed" "$failed" "$skipped"
