#!/usr/bin/env bash
# Cross-build camvault and its probes for arm64 (aarch64) against the arm64 root that fetch-arm64.sh
# unpacked, as an integrator's Raspberry Pi OS build would natively: clang, lld, the root as sysroot
# (-Werror, with arm64's own <asm/...>). A copy of the tree in OUT keeps the host's own build untouched.
# Also the probe suite (tests/host) and the arm64 guest's 32-bit test program, OUT/read32-arm. Prints the
# arm64 camvault.
#   usage: build-arm64.sh ROOT OUT
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 ROOT OUT"
root=$(readlink -f "$1") out=$2

mkdir -p "$out/src"
# The tree as it is now (tracked and new files), then what changed since the last build gets rebuilt.
(cd "$TOP" && git ls-files -co --exclude-standard -- Makefile VERSION include bpf agent tests/host) |
	rsync -a --files-from=- "$TOP/" "$out/src/"
export PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_LIBDIR=$root/usr/lib/aarch64-linux-gnu/pkgconfig:$root/usr/share/pkgconfig
make -s -C "$out/src/bpf" ARCH=aarch64 ASM_INCLUDE="$root/usr/include/aarch64-linux-gnu" >&2
# llvm-ar: the agent's subsystems are static libraries, and binutils' ar indexes only the host's objects.
for d in agent tests/host; do
	make -s -C "$out/src/$d" CC="clang --target=aarch64-linux-gnu --sysroot=$root" AR=llvm-ar LDFLAGS=-fuse-ld=lld >&2
done
arm-linux-gnueabihf-as "$TOP/tests/guest/read32-arm.s" -o "$out/read32-arm.o"
arm-linux-gnueabihf-ld -o "$out/read32-arm" "$out/read32-arm.o"
echo "$out/src/agent/camvault"
