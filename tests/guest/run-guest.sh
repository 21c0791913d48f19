#!/usr/bin/env bash
# Boot a guest kernel under qemu (TCG) with the host's root shared read-only over 9p plus a tmpfs overlay,
# an swtpm TPM 2.0 behind tpm-tis, and run JOB (a bash script from this tree) inside it. Builds camvault.ko
# for that kernel first. The arm64 guest shares an unpacked arm64 root instead, and this tree at the same
# path; it has no TPM, and no camvault.ko (its tests run the probes). JOB's output, its exit status and
# any files it writes to /run/out come back in OUT. Exit status: JOB's, or 2 when the guest died (panic,
# timeout) or the kernel logged a splat.
#
# usage: run-guest.sh [--out DIR] [--tpm-state DIR] [--share DIR] [--timeout SECONDS] [--show] debian61|pi612|arm64 JOB
#   --tpm-state DIR  the swtpm's state (default OUT/tpm): the same DIR is the same TPM across boots
#   --share DIR      a host directory the guest sees, writable, at /run/share (for stories over several boots)
#   --show           print the job's output as it runs
# Environment: CAMVAULT_GUEST_APPEND (more kernel command line), CAMVAULT_GUEST_QEMU (more qemu options, such
# as make bench's "-smp 1 -icount shift=0,sleep=off"), CAMVAULT_GUEST_TESTS, CAMVAULT_GUEST_SKIP and
# CAMVAULT_KMEMLEAK (passed to the guest suite: see suite.sh and lib.sh), BENCH_PROBE_TIERS (make bench's tiers: bench/probes.sh).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

out="" tpm_state="" share="" timeout=900 show=0
while [ $# -gt 2 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--tpm-state) tpm_state=$2; shift 2 ;;
	--share) share=$(readlink -f "$2"); shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--show) show=1; shift ;;
	*) die "unknown option $1" ;;
	esac
done
[ $# -eq 2 ] || die "usage: $0 [--out DIR] [--tpm-state DIR] [--share DIR] [--timeout S] [--show] debian61|debian612|pi612|arm64|arm64-612 JOB"
kernel=$1 job=$(readlink -f "$2")
[ -f "$job" ] || die "no job script $2"
eval "$("$TOP/tests/scripts/guest-kernel.sh" "$kernel")"

build=$TOP/build/$kernel
out=${out:-$build/out}
rm -rf "$out"
mkdir -p "$out" "$build"

if [ -n "$KDIR" ]; then
	say "$kernel: building camvault.ko against $KVER"
	"$TOP/tests/scripts/build-module.sh" "$KDIR" "$build/kmod"
fi

# The initramfs: busybox, stage 1, and the modules the 9p root needs (built in on our 6.12 kernel).
initrd=$build/initrd.gz
stage=$(mktemp -d)
cleanup() {
	rm -rf "$stage"
	if [ -n "${swtpm_pid:-}" ]; then kill "$swtpm_pid" 2>/dev/null || true; fi
	if [ -n "${tail_pid:-}" ]; then kill "$tail_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,modules}
cp "$GUEST_ROOT/bin/busybox" "$stage/bin/busybox"
install -m 755 "$TOP/tests/guest/initramfs-init" "$stage/init"
if [ -n "$MODDIR" ]; then
	base=${MODDIR%/lib/modules/*}
	for m in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -d "$base" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		# trixie's modules are xz-compressed; stage 1's busybox insmod takes them as they are loaded.
		name=$(basename "${ko%.xz}")
		case $ko in
		*.xz) xz -dc "$ko" > "$stage/modules/$name" ;;
		*) cp "$ko" "$stage/modules/" ;;
		esac
		echo "$name" >> "$stage/modules.order"
	done
fi
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd"

# The TPM: a fresh state unless the caller keeps one across boots (reboot tests).
tpm=()
if [ "$GUEST_ARCH" = x86_64 ]; then
	tpm_state=${tpm_state:-$out/tpm}
	mkdir -p "$tpm_state"
	sock=$(mktemp -u /tmp/camvault-swtpm.XXXXXX)
	swtpm socket --tpm2 --tpmstate dir="$tpm_state" --ctrl type=unixio,path="$sock" \
		--log file="$out/swtpm.log" &
	swtpm_pid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || die "swtpm did not start (log: $out/swtpm.log)"
	tpm=(-chardev socket,id=chrtpm,path="$sock" -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0)
fi

cat > "$out/job.env" <<ENV
TOP=$TOP
JOB=$job
KERNEL=$kernel
KVER=$KVER
GUEST_MODULES=$MODDIR
CAMVAULT_KO=$build/kmod/camvault.ko
CAMVAULT_KUNIT_KO=$build/kmod/camvault_kunit.ko
CAMVAULT_GUEST_TESTS="${CAMVAULT_GUEST_TESTS:-}"
CAMVAULT_GUEST_SKIP="${CAMVAULT_GUEST_SKIP:-}"
CAMVAULT_KMEMLEAK=${CAMVAULT_KMEMLEAK:-}
BENCH_PROBE_TIERS="${BENCH_PROBE_TIERS:-}"
ENV

# q35, not the default pc machine: pc's ACPI _PRT is an AML loop that the KASAN-instrumented ACPI
# interpreter of the 6.12 test kernel runs for ~20 s per PCI device under TCG (q35's is a table).
# arm64: the virt machine with the Cortex-A72 of a Raspberry Pi 4 (AArch32 at EL0: 32-bit programs run).
# QEMU from bookworm-backports: bookworm's 7.2 can run stale translations of patched kernel text
# (tests/scripts/fetch-qemu.sh).
qemu=$("$TOP/tests/scripts/fetch-qemu.sh")
export QEMU_MODULE_DIR=$qemu/usr/lib/x86_64-linux-gnu/qemu
if [ "$GUEST_ARCH" = arm64 ]; then
	machine=("$qemu/usr/bin/qemu-system-aarch64" -M virt -cpu cortex-a72) console=ttyAMA0
	tree=(-virtfs local,path="$TOP",mount_tag=tree,security_model=none,readonly=on,multidevs=remap)
else
	machine=("$qemu/usr/bin/qemu-system-x86_64" -M q35) console=ttyS0 tree=()
fi
say "$kernel: booting $KVER (job $(basename "$job"))"
if [ $show -eq 1 ]; then
	: > "$out/job.log"
	tail -n +1 -f "$out/job.log" &
	tail_pid=$!
fi
start=$(date +%s)
set +e
timeout "$timeout" "${machine[@]}" -m 2048 -smp 2 -nographic -no-reboot \
	-kernel "$VMLINUZ" -initrd "$initrd" \
	-append "console=$console panic=-1 oops=panic quiet loglevel=4 ${CAMVAULT_GUEST_APPEND:-} camvault.stage2=$TOP/tests/guest/stage2.sh" \
	-virtfs local,path="$GUEST_ROOT",mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	"${tree[@]}" -virtfs local,path="$out",mount_tag=out,security_model=none \
	${share:+-virtfs local,path="$share",mount_tag=share,security_model=none} \
	"${tpm[@]}" -device virtio-rng-pci ${CAMVAULT_GUEST_QEMU:-} \
	< /dev/null > "$out/console.log" 2>&1
qemu_rc=$?
set -e
echo "$(( $(date +%s) - start ))" > "$out/seconds"

# A kernel splat fails the run even when the job passed: that is what KASAN and lockdep are for.
if grep -nE 'BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|possible circular locking|possible recursive locking|INFO: task .* blocked|general protection fault|kmemleak: [0-9]+ new suspected' "$out/console.log" > "$out/splats"; then
	echo "run-guest: $kernel: the kernel logged problems:" >&2
	head -n 20 "$out/splats" >&2
	exit 2
fi
if [ $qemu_rc -eq 124 ]; then
	echo "run-guest: $kernel: timed out after $timeout s (console: $out/console.log)" >&2
	exit 2
fi
if [ ! -f "$out/status" ]; then
	echo "run-guest: $kernel: the guest died before the job finished (console: $out/console.log)" >&2
	tail -n 20 "$out/console.log" >&2
	exit 2
fi
say "$kernel: guest ran $(cat "$out/seconds") s"
exit "$(cat "$out/status")"
