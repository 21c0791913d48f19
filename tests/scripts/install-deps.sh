#!/usr/bin/env bash
# Install everything camvault's build, tests and demo need, from Debian packages only.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

pkgs=(
	# userspace build
	build-essential pkg-config clang llvm lld
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libtss2-dev libtss2-tcti-swtpm0 tpm2-tools libsodium-dev
	libnl-3-dev libnl-genl-3-dev libcmocka-dev
	libdevmapper-dev libkeyutils-dev keyutils
	# the access log: SQLite, and libcrypto for the checkpoints' signatures (libssl-dev, below)
	libsqlite3-dev sqlite3
	# push: ntfy, Gotify, webhooks and e-mail through libcurl, MQTT through libmosquitto: the headers for the
	# build, and the libraries, which camvault loads at run time (dlopen, agent/util/dlib.c; it is not linked with
	# them, so they are named here rather than left to the -dev packages' dependencies); the tests' servers
	# (mosquitto, aiosmtpd for SMTP with STARTTLS, a certificate made by openssl; HTTP is python3's own)
	libcurl4-openssl-dev libmosquitto-dev libcurl4 libmosquitto1 mosquitto python3-aiosmtpd openssl
	# the demo's phone: mosquitto_sub, subscribed to what the agent publishes
	mosquitto-clients
	# kernel module build and checks
	bc bison flex libssl-dev dwarves kmod cpio rsync xz-utils zstd sparse dkms python3
	# guests
	qemu-system-x86 swtpm swtpm-tools busybox-static e2fsprogs cryptsetup-bin fio util-linux mount dmsetup bc
	# the arm64 guest (a Pi's architecture): qemu, and binutils for its 32-bit arm test program (camvault is
	# cross-built with clang and lld, above, against arm64 packages unpacked into the cache)
	qemu-system-arm binutils-arm-linux-gnueabihf
	# probe workloads (io_uring, ffprobe, the vivid camera) and the demo's recorder
	liburing-dev ffmpeg v4l-utils gdb
	# camvault report: its HTML rendered and screenshotted in headless Chromium (tests/unit/test_report_html.sh)
	chromium-headless-shell
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root: sudo $0" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
