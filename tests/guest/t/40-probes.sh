# The eBPF access probes in this guest kernel, with real processes (the host probe suite, run here).
. "$TOP/tests/guest/lib.sh"
[ -r /sys/kernel/btf/vmlinux ] ||
	skip "no kernel BTF in $(uname -r): probes need the BTF built with the module (probes issue #5)"
# The guest's root is an overlay (see the test program): keep the test files on /run's tmpfs.
out=$(TMPDIR=/run "$TOP/tests/host/run.sh" 2>&1) || { echo "$out"; fail "probe suite failed on $(uname -r)"; }
echo "$out"
assert_match '^[1-9][0-9]* passed, 0 failed' "$(tail -n 1 <<< "$out")"
