#!/usr/bin/env bash
# Fetch the QEMU the guests run, from bookworm-backports, and unpack it into the cache (never installed over
# the host's). Prints the unpacked root on stdout; its usr/bin has qemu-system-x86_64 and qemu-system-aarch64.
# Why not bookworm's own QEMU 7.2: its multi-threaded TCG can run a translation of kernel text that another
# vCPU had already rewritten (fixed in QEMU 8.1 by "accel/tcg: Always lock pages before translation"). Linux
# rewrites a function's ftrace site through a transient int3 (text_poke_bp) whenever a probe is attached or
# detached; a vCPU that runs that int3 after the rewrite is over takes a breakpoint that nothing claims,
# which at an ftrace kprobe's address jumps to 0 (docs/guest-qemu.md).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite_apt bookworm-backports
apt-get "${apt_opts[@]}" update -q >&2 || true
ver=$(apt-cache "${apt_opts[@]}" policy qemu-system-x86 | awk '$1 == "Candidate:" { print $2 }')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no qemu-system-x86 in bookworm-backports (apt-get update?)"
root=$CAMVAULT_CACHE/qemu-${ver#*:}
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

say "fetching QEMU $ver (bookworm-backports) into $root"
apt_download "qemu-system-x86=$ver" "qemu-system-arm=$ver" "qemu-system-common=$ver" "qemu-system-data=$ver"
rm -rf "$root"
mkdir -p "$root"
for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$root"; done
for q in qemu-system-x86_64 qemu-system-aarch64; do
	missing=$(ldd "$root/usr/bin/$q" | awk '/not found/ { print $1 }')
	[ -z "$missing" ] || die "$q of $ver needs libraries bookworm has not: $missing"
	"$root/usr/bin/$q" --version > /dev/null || die "$root/usr/bin/$q does not run"
done
touch "$root/.complete"
echo "$root"
