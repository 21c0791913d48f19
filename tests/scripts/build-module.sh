#!/usr/bin/env bash
# Build camvault.ko (and camvault_kunit.ko where the kernel has KUnit) against KDIR in a private copy of
# the sources, so builds for several kernels never share objects. W=1; any compiler warning fails.
# Kbuild also makes OUTDIR/camvault.btf, the BTF the probes use where the kernel has none.
# usage: build-module.sh KDIR OUTDIR [extra kbuild arguments, e.g. C=1]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$1 out=$2
shift 2
mkdir -p "$out"
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' "$TOP/Kbuild" "$TOP/VERSION" "$TOP/kmod" "$TOP/include" "$out/"
log=$out/build.log
if ! make -C "$kdir" M="$out" W=1 "$@" modules > "$log" 2>&1; then
	cat "$log" >&2
	die "module build against $kdir failed"
fi
if grep -E 'warning:|error:' "$log" | grep -v 'Skipping BTF generation' >&2; then
	die "module build against $kdir has warnings (log: $log)"
fi
[ -s "$out/camvault.btf" ] || die "the build against $kdir made no camvault.btf (log: $log)"
