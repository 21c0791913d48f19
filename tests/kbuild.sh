#!/usr/bin/env bash
# The kbuild layer of make check: camvault.ko builds W=1 warning-free against Debian's 6.1 headers and,
# with sparse (C=1), against our 6.12 tree; the kernel sources pass checkpatch --strict; DKMS builds the
# module against the 6.1 headers from a source tree laid out as a package installs it, and installs and
# removes camvault.btf with it. camvault.btf (the probes' BTF on kernels without one) holds every struct
# and member bpf/core_types.h reads, for both kernels, and the 6.1 one has the very layouts of Debian's
# 6.1 kernel's own BTF. The syscall tier's tables are the 6.12 tree's. TAP-ish output, ends with
# "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/scripts/lib.sh"
cd "$TOP"
work=$TOP/build/kbuild
rm -rf "$work"
mkdir -p "$work"
p=0 f=0 tap_logs=$work

eval "$(tests/scripts/guest-kernel.sh debian61 | sed 's/^/D61_/')"
eval "$(tests/scripts/guest-kernel.sh pi612 | sed 's/^/P612_/')"

tap_check "W=1 build against $D61_KVER" tests/scripts/build-module.sh "$D61_KDIR" "$work/6.1"
tap_check "W=1 + sparse build against $P612_KVER" tests/scripts/build-module.sh "$P612_KDIR" "$work/6.12" C=1

# camvault.btf: what the probes read is in it, for each kernel (options such as CONFIG_AUDIT from its .config).
tap_check "camvault.btf for $D61_KVER has the probes' types" \
	python3 tests/scripts/check-btf.py "$work/6.1/camvault.btf" bpf/core_types.h --config "$D61_KDIR/.config"
tap_check "camvault.btf for $P612_KVER has the probes' types" \
	python3 tests/scripts/check-btf.py "$work/6.12/camvault.btf" bpf/core_types.h --config "$P612_KDIR/.config"

# Debian's 6.1 kernel has BTF of its own: the one made from its headers must lay every struct out as it.
btf_matches_kernel() {
	"$P612_KSRC/scripts/extract-vmlinux" "$D61_VMLINUZ" > "$work/vmlinux-6.1" &&
	objcopy --dump-section .BTF="$work/vmlinux-6.1.btf" "$work/vmlinux-6.1" /dev/null &&
	python3 tests/scripts/check-btf.py "$work/6.1/camvault.btf" bpf/core_types.h \
		--config "$D61_KDIR/.config" --reference "$work/vmlinux-6.1.btf"
	local rc=$?
	rm -f "$work/vmlinux-6.1" "$work/vmlinux-6.1.btf"
	return $rc
}
tap_check "camvault.btf for $D61_KVER matches the kernel's own BTF" btf_matches_kernel

# The syscall tier's tables (bpf/syscall_ops.h) are what bpf/gen-syscall-ops.py writes from the kernel's
# own syscall tables (numbers are ABI: the newest tree's serve every kernel).
syscall_tables() {
	python3 bpf/gen-syscall-ops.py "$P612_KSRC" | diff -u bpf/syscall_ops.h -
}
tap_check "bpf/syscall_ops.h is $P612_KVER's syscall tables" syscall_tables

# kmod/btf_types.c copies the start of struct mount and struct mnt_namespace (private to fs/): it
# must be the kernel's. NAME's first N members in FILE, one a line.
struct_prefix() {
	awk -v name="$1" -v n="$2" '$0 ~ "^struct " name " \\{" { f = 1; next }
		f && /;/ { gsub(/[ \t]+/, " "); gsub(/\* /, "*"); sub(/^ /, ""); print; if (++k == n) exit }' "$3"
}
prefix_copy() {
	diff <(struct_prefix "$1" "$2" "$P612_KSRC/fs/mount.h") <(struct_prefix "$1" "$2" kmod/btf_types.c) &&
	[ "$(struct_prefix "$1" "$2" kmod/btf_types.c | wc -l)" -eq "$2" ]
}
tap_check "btf_types.c's struct mount starts as $P612_KVER's" prefix_copy mount 4
tap_check "btf_types.c's struct mnt_namespace starts as $P612_KVER's" prefix_copy mnt_namespace 2

checkpatch_clean() {
	local files
	files=$(git ls-files -co --exclude-standard 'kmod/*.[ch]' 'include/uapi/*.h')
	# --no-tree: we are an external module; the SPDX check wants the kernel's list of licences.
	# Its exit status, not a grep of its output: under pipefail, "checkpatch | grep && return 1" never
	# returned 1, since checkpatch itself exits 1 on any finding.
	perl "$P612_KSRC/scripts/checkpatch.pl" --no-tree --strict --terse --show-types --max-line-length=100 \
		--ignore FILE_PATH_CHANGES -f $files
}
tap_check "checkpatch --strict clean" checkpatch_clean

dkms_build() {
	local tree=$work/dkms ver
	ver=$(cat VERSION)
	mkdir -p "$tree/src/camvault-$ver" "$tree/dkms" "$tree/install"
	cp -r Kbuild VERSION dkms.conf kmod include "$tree/src/camvault-$ver/"
	local opts=(--sourcetree "$tree/src" --dkmstree "$tree/dkms" --installtree "$tree/install")
	dkms add -m camvault -v "$ver" "${opts[@]}" &&
	dkms build -m camvault -v "$ver" -k "$D61_KVER" --kernelsourcedir "$D61_KDIR" "${opts[@]}" || return 1
	local ko
	ko=$(find "$tree/dkms/camvault/$ver/$D61_KVER" -name 'camvault.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "dkms produced no camvault.ko"; return 1; }
	modinfo -F vermagic "$ko" | grep -q "^$D61_KVER " || { echo "wrong vermagic: $(modinfo -F vermagic "$ko")"; return 1; }
	# dkms.conf's version (read from VERSION) is the module's own: the tool's is the same file's.
	[ "$(modinfo -F version "$ko")" = "$ver" ] || { echo "module version $(modinfo -F version "$ko"), VERSION $ver"; return 1; }
	[ -s "$(dirname "$ko")/camvault.btf" ] || { echo "dkms kept no camvault.btf beside $ko"; return 1; }

	# Installed into a private tree standing for /lib/modules (no depmod: not the host's kernel), the BTF
	# goes beside camvault.ko, where the agent looks for it; uninstalled, it goes with it.
	local lib=$tree/install/$D61_KVER installed
	mkdir -p "$lib/kernel"	# dkms installs only into a kernel's existing module directory
	dkms install --no-depmod -m camvault -v "$ver" -k "$D61_KVER" --kernelsourcedir "$D61_KDIR" "${opts[@]}" ||
		return 1
	installed=$(find "$lib" -name 'camvault.ko*' | head -n 1)
	[ -n "$installed" ] || { echo "dkms installed no camvault.ko under $lib"; return 1; }
	cmp "$(dirname "$ko")/camvault.btf" "$(dirname "$installed")/camvault.btf" || return 1
	dkms uninstall --no-depmod -m camvault -v "$ver" -k "$D61_KVER" "${opts[@]}" || return 1
	if find "$lib" -name 'camvault.*' | grep .; then
		echo "left behind after dkms uninstall"
		return 1
	fi
}
tap_check "dkms build, install and uninstall against $D61_KVER" dkms_build

echo "$p passed, $f failed"
[ "$f" -eq 0 ]
