#!/usr/bin/env bash
# The kbuild layer of make check: camvault.ko builds W=1 warning-free against Debian's 6.1 headers and,
# with sparse (C=1), against our 6.12 tree; the kernel sources pass checkpatch --strict; DKMS builds the
# module against the 6.1 headers from a source tree laid out as a package installs it. TAP-ish output,
# ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/scripts/lib.sh"
cd "$TOP"
work=$TOP/build/kbuild
rm -rf "$work"
mkdir -p "$work"
p=0 f=0
check() {
	local name=$1
	shift
	if "$@" > "$work/$name.log" 2>&1; then
		echo "ok - $name"
		p=$((p + 1))
	else
		echo "not ok - $name"
		sed 's/^/#   /' "$work/$name.log" | tail -n 25
		f=$((f + 1))
	fi
}

eval "$(tests/scripts/guest-kernel.sh debian61 | sed 's/^/D61_/')"
eval "$(tests/scripts/guest-kernel.sh pi612 | sed 's/^/P612_/')"

check "W=1 build against $D61_KVER" tests/scripts/build-module.sh "$D61_KDIR" "$work/6.1"
check "W=1 + sparse build against $P612_KVER" tests/scripts/build-module.sh "$P612_KDIR" "$work/6.12" C=1

checkpatch_clean() {
	local files
	files=$(git ls-files -co --exclude-standard 'kmod/*.[ch]' 'include/uapi/*.h')
	# --no-tree: we are an external module; the SPDX check wants the kernel's list of licences.
	perl "$P612_KSRC/scripts/checkpatch.pl" --no-tree --strict --terse --show-types --max-line-length=100 \
		--ignore FILE_PATH_CHANGES -f $files | grep -E 'ERROR|WARNING|CHECK' && return 1
	return 0
}
check "checkpatch --strict clean" checkpatch_clean

dkms_build() {
	local tree=$work/dkms ver
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
	mkdir -p "$tree/src/camvault-$ver" "$tree/dkms" "$tree/install"
	cp -r Kbuild dkms.conf kmod include "$tree/src/camvault-$ver/"
	local opts=(--sourcetree "$tree/src" --dkmstree "$tree/dkms" --installtree "$tree/install")
	dkms add -m camvault -v "$ver" "${opts[@]}" &&
	dkms build -m camvault -v "$ver" -k "$D61_KVER" --kernelsourcedir "$D61_KDIR" "${opts[@]}" || return 1
	local ko
	ko=$(find "$tree/dkms/camvault/$ver/$D61_KVER" -name 'camvault.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "dkms produced no camvault.ko"; return 1; }
	modinfo -F vermagic "$ko" | grep -q "^$D61_KVER " || { echo "wrong vermagic: $(modinfo -F vermagic "$ko")"; return 1; }
}
check "dkms build against $D61_KVER" dkms_build

echo "$p passed, $f failed"
[ "$f" -eq 0 ]
