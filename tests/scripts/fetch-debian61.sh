#!/usr/bin/env bash
# Fetch Debian bookworm's stock 6.1 kernel, its modules and headers as packages and unpack them into the
# cache (never installed over the host's kernel). Prints the unpacked root on stdout.
# Layout: $CAMVAULT_CACHE/debian-KVER/{boot,lib/modules/KVER,usr/src/linux-headers-KVER}
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=$(debian61_kver)
[ -n "$kver" ] || { apt-get update -q >&2; kver=$(debian61_kver); }
[ -n "$kver" ] || die "cannot resolve the 6.1 kernel from the linux-image-amd64 metapackage (apt-get update?)"
root=$CAMVAULT_CACHE/debian-$kver
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

say "fetching Debian kernel $kver into $root"
dl=$(mktemp -d)
trap 'rm -rf "$dl"' EXIT
kbuild=$(apt-cache depends "linux-headers-$kver" | sed -n 's/.*Depends: \(linux-kbuild-6\.1\)$/\1/p' | head -n 1)
common=$(apt-cache depends "linux-headers-$kver" | sed -n 's/.*Depends: \(linux-headers-6\.1\.0-[0-9]*-common\)$/\1/p' | head -n 1)
(cd "$dl" && apt-get download -q "linux-image-$kver" "linux-headers-$kver" $common $kbuild >&2)
rm -rf "$root"
mkdir -p "$root"
for deb in "$dl"/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
# The unpacked tree has no modules.dep; the guest's modprobe needs one.
depmod -b "$root" "$kver"
# Headers point at their build scripts through /usr/lib/linux-kbuild-6.1 with absolute or
# relative links; make them resolve inside the cache.
hdr=$root/usr/src/linux-headers-$kver
for l in scripts tools; do
	t=$(readlink "$hdr/$l" 2>/dev/null) || continue
	case "$t" in /*) ln -sfn "$root$t" "$hdr/$l" ;; esac
done
# Its Makefile includes the common headers by absolute path: point it into the cache.
sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"
echo "$kver" > "$root/kver"
touch "$root/.complete"
echo "$root"
