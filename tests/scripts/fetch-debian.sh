#!/usr/bin/env bash
# Fetch a Debian stock kernel as packages and unpack it into the cache (never installed over the host's
# kernel). Prints the unpacked root on stdout. Layout: $CAMVAULT_CACHE/debian-KVER/{boot,lib/modules/KVER,
# usr/src/linux-headers-KVER}.
#   bookworm  the current 6.1 (Debian 12), with its headers, for camvault.ko
#   trixie    the current 6.12 (Debian 13), without headers: trixie's build tools need trixie's C library,
#             which a bookworm host has not (its guest runs the probes)
#   trixie arm64  trixie's arm64 6.12, for the arm64 guest (its root is fetch-arm64.sh's)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${2:-amd64}
case ${1:-}/$arch in
bookworm/amd64)
	apt_opts=()
	kver=$(debian61_kver)
	[ -n "$kver" ] || { apt-get update -q >&2; kver=$(debian61_kver); }
	;;
trixie/amd64 | trixie/arm64)
	suite_apt trixie "$arch"
	apt-get "${apt_opts[@]}" update -q >&2 || true
	kver=$(apt-cache "${apt_opts[@]}" depends "linux-image-$arch" 2>/dev/null |
		sed -n "s/.*Depends: linux-image-\(6\.12\.[^ ]*-$arch\)\$/\1/p" | head -n 1)
	;;
*)
	die "usage: $0 bookworm|trixie [arm64]"
	;;
esac
[ -n "$kver" ] || die "cannot resolve $1's kernel from its linux-image-$arch metapackage (apt-get update?)"
root=$CAMVAULT_CACHE/debian-$kver
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

say "fetching Debian kernel $kver into $root"
pkgs=("linux-image-$kver")
if [ "$1" = bookworm ]; then
	deps=$(apt-cache depends "linux-headers-$kver")
	pkgs+=("linux-headers-$kver"
		"$(sed -n 's/.*Depends: \(linux-headers-6\.1\.0-[0-9]*-common\)$/\1/p' <<< "$deps" | head -n 1)"
		"$(sed -n 's/.*Depends: \(linux-kbuild-6\.1\)$/\1/p' <<< "$deps" | head -n 1)")
fi
apt_download "${pkgs[@]}"
rm -rf "$root"
mkdir -p "$root/lib"
for deb in "$dl"/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
# trixie's packages put modules under /usr/lib/modules; the guest and depmod look in /lib/modules.
[ -d "$root/usr/lib/modules" ] && mv "$root/usr/lib/modules" "$root/lib/modules"
# The unpacked tree has no modules.dep; the guest's modprobe needs one.
depmod -b "$root" "$kver"
hdr=$root/usr/src/linux-headers-$kver
if [ -d "$hdr" ]; then
	# Headers point at their build scripts through /usr/lib/linux-kbuild-6.1 with absolute or
	# relative links; make them resolve inside the cache.
	for l in scripts tools; do
		t=$(readlink "$hdr/$l" 2>/dev/null) || continue
		case "$t" in /*) ln -sfn "$root$t" "$hdr/$l" ;; esac
	done
	# Its Makefile includes the common headers by absolute path: point it into the cache.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"
fi
echo "$kver" > "$root/kver"
touch "$root/.complete"
echo "$root"
