#!/usr/bin/env bash
# Resolve a guest kernel by name, fetching or building it into the cache when needed.
# Prints shell assignments: KVER, VMLINUZ, KDIR (tree for external modules; empty: none built), MODDIR
# (module tree or empty), KSRC (full source tree, for kunit.py and checkpatch; empty for Debian's),
# GUEST_ARCH (x86_64, arm64), GUEST_ROOT (the root the guest shares: the host's, or an unpacked arm64 one).
#   debian61   Debian bookworm's stock kernel (what Debian users run)
#   pi612      our Pi-profile 6.12 test kernel (no BTF, no BPF LSM, no kprobes; KASAN + lockdep)
#   debian612  Debian trixie's stock 6.12 kernel (Debian 13: kernel BTF, "bpf" among its LSMs); no headers
#   arm64      Debian bookworm's stock arm64 6.1 kernel (a Pi's architecture), with an arm64 root
#   arm64-612  Debian trixie's stock arm64 6.12 kernel (BPF trampolines on arm64 from 6.4), the same root
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# A Debian kernel unpacked at ROOT (fetch-debian.sh, fetch-arm64.sh), for a guest of ARCH sharing GUEST_ROOT:
# its headers, where it has them, are the tree modules are built against.
unpacked() {
	local root=$1 kver
	kver=$(cat "$root/kver")
	echo "KVER=$kver"
	echo "VMLINUZ=$root/boot/vmlinuz-$kver"
	if [ -d "$root/usr/src/linux-headers-$kver" ]; then
		echo "KDIR=$root/usr/src/linux-headers-$kver"
	else
		echo "KDIR="
	fi
	echo "MODDIR=$root/lib/modules/$kver"
	echo "KSRC="
	echo "GUEST_ARCH=$2"
	echo "GUEST_ROOT=$3"
}

case "${1:-}" in
debian61)
	unpacked "$("$(dirname "$0")/fetch-debian.sh" bookworm)" x86_64 /
	;;
debian612)
	unpacked "$("$(dirname "$0")/fetch-debian.sh" trixie)" x86_64 /
	;;
pi612)
	build=$("$(dirname "$0")/build-linux612.sh")
	echo "KVER=$(cat "$build/include/config/kernel.release")"
	echo "VMLINUZ=$build/arch/x86/boot/bzImage"
	echo "KDIR=$build"
	echo "MODDIR="
	echo "KSRC=$(readlink -f "$build/source-tree")"
	echo "GUEST_ARCH=x86_64"
	echo "GUEST_ROOT=/"
	;;
arm64)
	root=$("$(dirname "$0")/fetch-arm64.sh")
	unpacked "$root" arm64 "$root"
	;;
arm64-612)
	root=$("$(dirname "$0")/fetch-arm64.sh")
	unpacked "$("$(dirname "$0")/fetch-debian.sh" trixie arm64)" arm64 "$root"
	;;
*)
	die "usage: $0 debian61|debian612|pi612|arm64|arm64-612"
	;;
esac
