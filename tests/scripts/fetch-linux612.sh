#!/usr/bin/env bash
# Fetch Debian trixie's linux-source-6.12 through a private apt directory (the host stays on bookworm) and
# unpack it into the cache. The mirror is the one this machine's apt already uses. Prints the source tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

apt_dir=$CAMVAULT_CACHE/apt-trixie
mirror=$(debian_mirror)
[ -n "$mirror" ] || die "cannot find the Debian mirror in apt's configuration (apt-get update?)"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$apt_dir/etc/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o "Dir::State::status=/dev/null" -o APT::Sandbox::User=root)

ver=""
if [ -f "$apt_dir/version" ] && [ -n "$(find "$apt_dir/version" -mmin -1440)" ]; then
	ver=$(cat "$apt_dir/version")
else
	apt-get "${apt_opts[@]}" update -q >&2 || true
	ver=$(apt-cache "${apt_opts[@]}" show linux-source-6.12 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
	[ -n "$ver" ] || { [ -f "$apt_dir/version" ] && ver=$(cat "$apt_dir/version"); }
	[ -n "$ver" ] || die "linux-source-6.12 not found in trixie at $mirror"
	echo "$ver" > "$apt_dir/version"
fi

src=$CAMVAULT_CACHE/linux-source-$ver
if [ -f "$src/.complete" ]; then
	echo "$src/linux"
	exit 0
fi
say "fetching linux-source-6.12 $ver"
dl=$(mktemp -d)
trap 'rm -rf "$dl"' EXIT
(cd "$dl" && apt-get "${apt_opts[@]}" download -q "linux-source-6.12=$ver" >&2)
dpkg-deb -x "$dl"/linux-source-6.12_*.deb "$dl/x"
rm -rf "$src"
mkdir -p "$src/linux"
tar -xaf "$dl"/x/usr/src/linux-source-6.12.tar.* -C "$src/linux" --strip-components=1
touch "$src/.complete"
echo "$src/linux"
