#!/usr/bin/env bash
# Fetch Debian trixie's linux-source-6.12 through a private apt directory (the host stays on bookworm) and
# unpack it into the cache. The mirror is the one this machine's apt already uses. Prints the source tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite_apt trixie

ver=""
if [ -f "$apt_dir/version" ] && [ -n "$(find "$apt_dir/version" -mmin -1440)" ]; then
	ver=$(cat "$apt_dir/version")
else
	apt-get "${apt_opts[@]}" update -q >&2 || true
	ver=$(apt-cache "${apt_opts[@]}" show linux-source-6.12 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
	[ -n "$ver" ] || { [ -f "$apt_dir/version" ] && ver=$(cat "$apt_dir/version"); }
	[ -n "$ver" ] || die "linux-source-6.12 not found in Debian trixie (its mirror: apt-cache policy)"
	echo "$ver" > "$apt_dir/version"
fi

src=$CAMVAULT_CACHE/linux-source-$ver
if [ -f "$src/.complete" ]; then
	echo "$src/linux"
	exit 0
fi
say "fetching linux-source-6.12 $ver"
apt_download "linux-source-6.12=$ver"
dpkg-deb -x "$dl"/linux-source-6.12_*.deb "$dl/x"
rm -rf "$src"
mkdir -p "$src/linux"
tar -xaf "$dl"/x/usr/src/linux-source-6.12.tar.* -C "$src/linux" --strip-components=1
touch "$src/.complete"
echo "$src/linux"
