#!/usr/bin/env bash
# Fetch what the arm64 guest needs, from Debian bookworm's arm64 packages through a private apt directory
# (the host's dpkg gets no foreign architecture), unpacked into one tree in the cache: Debian's stock
# arm64 6.1 kernel and its modules, and a root for the guest that is also the sysroot camvault is
# cross-built against (C library, busybox, bash, coreutils, python3 for the tests' checks, and the
# libraries camvault links with, their headers).
# Prints the tree. Layout: $CAMVAULT_CACHE/arm64-KVER/{boot,lib/modules/KVER,usr/...}
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The same ABI number as the amd64 kernel the debian61 guest boots: one Debian kernel, two architectures.
kver=$(debian61_kver)
[ -n "$kver" ] || { apt-get update -q >&2; kver=$(debian61_kver); }
[ -n "$kver" ] || die "cannot resolve the 6.1 kernel from the linux-image-amd64 metapackage (apt-get update?)"
kver=${kver%-amd64}-arm64
root=$CAMVAULT_CACHE/arm64-$kver
if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

pkgs=(
	"linux-image-$kver" busybox-static bash coreutils python3 keyutils libc6-dev libgcc-12-dev
	# agent/Makefile's PKGS and DL_PKGS, and -lelf -lz
	libnl-genl-3-dev libtss2-dev libbpf-dev libkeyutils-dev libsodium-dev libsqlite3-dev libssl-dev
	libcurl4-openssl-dev libmosquitto-dev libdevmapper-dev libelf-dev zlib1g-dev
	# the probe suite (tests/host): cmocka, bpftool for its minimal BTF, fio for its io_uring reader
	libcmocka-dev bpftool fio
)
apt_dir=$CAMVAULT_CACHE/apt-arm64
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc"
# The machine's own bookworm sources (the kernel's current ABI is in bookworm-security), for arm64.
apt-cache policy | awk '$4 == "amd64" && $3 ~ /^bookworm(-[a-z]+)?\/main$/ {
	sub(/\/main$/, "", $3)
	print "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " $2 " " $3 " main" }' \
	> "$apt_dir/etc/sources.list"
grep -q ' bookworm main$' "$apt_dir/etc/sources.list" ||
	die "cannot find the Debian bookworm mirror in apt's configuration (apt-get update?)"
# An empty status file: apt resolves the packages' whole dependency closure, as for an empty system.
: > "$apt_dir/status"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
	-o "Dir::Cache::archives=$apt_dir/archives" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o APT::Sandbox::User=root
	-o APT::Install-Recommends=false)

say "fetching Debian arm64 kernel $kver and the arm64 guest's root into $root"
apt-get "${apt_opts[@]}" update -q >&2
apt-get "${apt_opts[@]}" install -y -q --download-only "${pkgs[@]}" >&2
rm -rf "$root"
mkdir -p "$root"
for deb in "$apt_dir"/archives/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
rm -f "$apt_dir"/archives/*.deb
depmod -b "$root" "$kver"
echo "$kver" > "$root/kver"
touch "$root/.complete"
echo "$root"
