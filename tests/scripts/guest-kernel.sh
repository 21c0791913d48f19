#!/usr/bin/env bash
# Resolve a guest kernel by name, fetching or building it into the cache when needed.
# Prints shell assignments: KVER, VMLINUZ, KDIR (tree for external modules), MODDIR (module tree or empty),
# KSRC (full source tree, for kunit.py and checkpatch; empty for Debian's).
#   debian61   Debian bookworm's stock kernel (what Debian users run)
#   pi612      our Pi-profile 6.12 test kernel (no BTF, no BPF LSM, no kprobes; KASAN + lockdep)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
debian61)
	root=$("$(dirname "$0")/fetch-debian61.sh")
	kver=$(cat "$root/kver")
	echo "KVER=$kver"
	echo "VMLINUZ=$root/boot/vmlinuz-$kver"
	echo "KDIR=$root/usr/src/linux-headers-$kver"
	echo "MODDIR=$root/lib/modules/$kver"
	echo "KSRC="
	;;
pi612)
	build=$("$(dirname "$0")/build-linux612.sh")
	echo "KVER=$(cat "$build/include/config/kernel.release")"
	echo "VMLINUZ=$build/arch/x86/boot/bzImage"
	echo "KDIR=$build"
	echo "MODDIR="
	echo "KSRC=$(readlink -f "$build/source-tree")"
	;;
*)
	die "usage: $0 debian61|pi612"
	;;
esac
