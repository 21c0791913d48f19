#!/usr/bin/env bash
# make check: every test layer, one line per layer, then one summary line over all of them:
#   unit         cmocka tests of the camvault tool, and its fuzzers (bounded runs)
#   host-bpf     the eBPF probes on this machine's kernel (syscall-tracepoint tier)
#   kbuild       camvault.ko W=1 against 6.1 and 6.12, sparse, checkpatch --strict, DKMS build
#   guest-6.1    tests/guest/t/* in Debian's stock 6.1 kernel, with a TPM
#   guest-6.12   the same in our Pi-profile 6.12 kernel (no BTF/LSM/kprobes; KASAN + lockdep)
#   guest-debian612  the probe suite at every tier in Debian trixie's stock 6.12 kernel (Debian 13)
#   kunit        our KUnit suites, loaded in the 6.12 guest, parsed by the kernel's kunit.py
#   guest-arm64  tests/guest/arm64/* in Debian's stock arm64 6.1 kernel (a Pi's architecture), camvault
#                cross-built for it
#   guest-arm64-612  the LSM and fentry tiers on arm64 (BPF trampolines from 6.4): Debian trixie's arm64 6.12
# A layer that cannot run is a failure under CI=true, a skip otherwise. Exit status 1 on any failure.
# CAMVAULT_LAYERS="unit kbuild" runs a subset.
set -uo pipefail
. "$(dirname "$0")/scripts/lib.sh"
cd "$TOP"

layers=${CAMVAULT_LAYERS:-unit host-bpf kbuild guest-6.1 guest-6.12 kunit guest-debian612 guest-arm64 guest-arm64-612}
logdir=$TOP/build/check
mkdir -p "$logdir"
declare -A P F S
summary=()

# Record a layer's counts from the "N passed, N failed[, N skipped]" line its runner printed last.
record() {
	local layer=$1 rc=$2 log=$3 line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		if [ "${CI:-}" = true ] || [ "$rc" -ne 77 ]; then
			p=0 f=1 s=0
			line="could not run (exit $rc; log $log)"
		else
			p=0 f=0 s=1
			line="skipped: $(tail -n 1 "$log")"
		fi
	else
		p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<< "$line")
		f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<< "$line")
		s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<< "$line")
		s=${s:-0}
		# A runner that failed without counting a failure still fails its layer.
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; line="$line (runner exit $rc)"; fi
	fi
	P[$layer]=$p F[$layer]=$f S[$layer]=$s
	summary+=("$(printf '%-11s %s' "$layer:" "$line")")
}

run_layer() {
	local layer=$1
	shift
	say "layer $layer"
	"$@" 2>&1 | tee "$logdir/$layer.log"
	record "$layer" "${PIPESTATUS[0]}" "$logdir/$layer.log"
}

# Guest layers share one boot per kernel; KUnit reads the 6.12 boot's output.
guest_layer() {
	"$TOP/tests/guest/check-guest.sh" "$1"
}

# The guests run what the host built: the tool, the probes and the probe tests; and make bench's tools are
# built (-Werror) so that they cannot rot between benchmarks.
build_all() {
	{ make -s bpf agent && make -s -C tests/host && make -s -C bench; } > "$logdir/build.log" 2>&1 ||
		{ cat "$logdir/build.log"; return 1; }
}

if ! build_all; then
	summary+=("build:      building the tool, probes, probe tests or bench tools failed (log $logdir/build.log)")
	P[build]=0 F[build]=1 S[build]=0
fi

for layer in $layers; do
	case $layer in
	unit) run_layer unit tests/unit/run.sh ;;
	host-bpf) run_layer host-bpf tests/host/run.sh ;;
	kbuild) run_layer kbuild tests/kbuild.sh ;;
	guest-6.1) run_layer guest-6.1 guest_layer debian61 ;;
	guest-6.12) run_layer guest-6.12 guest_layer pi612 ;;
	kunit) run_layer kunit tests/guest/check-kunit.sh "$TOP/build/pi612/out/kunit.log" ;;
	guest-debian612) run_layer guest-debian612 guest_layer debian612 ;;
	guest-arm64) run_layer guest-arm64 guest_layer arm64 ;;
	guest-arm64-612) run_layer guest-arm64-612 guest_layer arm64-612 ;;
	*) die "unknown layer $layer" ;;
	esac
done

tp=0 tf=0 ts=0
for k in "${!P[@]}"; do
	tp=$((tp + P[$k])) tf=$((tf + F[$k])) ts=$((ts + S[$k]))
done
echo
printf '%s\n' "${summary[@]}"
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
