#!/bin/sh
# DKMS hooks (dkms.conf) that carry camvault.btf along with camvault.ko. DKMS keeps and installs only the
# .ko files it is told about, but the probes need the BTF built with the module (Kbuild, kmod/btf_types.c)
# on kernels without /sys/kernel/btf/vmlinux, and the agent looks for it beside camvault.ko (agent/probes/btf.c).
#
#   dkms-btf.sh build MODULE_DIR          POST_BUILD, in the build directory: keep ./camvault.btf with the
#                                         built module in DKMS's tree (the build directory is deleted next)
#   dkms-btf.sh install MODULE_DIR LIB    POST_INSTALL: copy it beside the camvault.ko installed under LIB
#                                         (/lib/modules/KVER), the one identical to DKMS's copy
#   dkms-btf.sh remove LIB                POST_REMOVE: delete every camvault.btf under LIB that no longer has
#                                         a camvault.ko beside it
set -eu

die() { echo "camvault dkms-btf: $*" >&2; exit 1; }

case "${1:-}" in
build)
	[ $# -eq 2 ] || die "usage: $0 build MODULE_DIR"
	[ -f camvault.btf ] ||
		die "the build made no camvault.btf (see make.log): the probes cannot run on a kernel without BTF; install the dwarves package and rebuild"
	cp camvault.btf "$2/camvault.btf"
	;;
install)
	[ $# -eq 3 ] || die "usage: $0 install MODULE_DIR LIB"
	[ -f "$2/camvault.btf" ] || die "no camvault.btf in $2: rebuild the module (dkms build) with the dwarves package installed"
	# DKMS may have put camvault.ko elsewhere than dkms.conf says (distributions override it), and
	# compressed: the installed file is the one with the same bytes as its own copy.
	installed=$(find "$3" -name 'camvault.ko*' -type f | while IFS= read -r ko; do
		if cmp -s "$ko" "$2/${ko##*/}"; then
			echo "$ko"
			break
		fi
	done)
	[ -n "$installed" ] || die "no camvault.ko under $3 like the one in $2: was it installed?"
	install -m 0644 "$2/camvault.btf" "$(dirname "$installed")/camvault.btf"
	echo "camvault.btf installed in $(dirname "$installed")"
	;;
remove)
	[ $# -eq 2 ] || die "usage: $0 remove LIB"
	[ -d "$2" ] || exit 0
	find "$2" -name camvault.btf -type f | while IFS= read -r btf; do
		dir=$(dirname "$btf")
		if [ -z "$(find "$dir" -maxdepth 1 -name 'camvault.ko*')" ]; then
			rm -f "$btf"
			# As DKMS does for the module's directory: drop it when empty, but nothing above LIB.
			(cd "$2" && rmdir -p --ignore-fail-on-non-empty "${dir#"$2"/}" 2>/dev/null) || true
			echo "camvault.btf removed from $dir"
		fi
	done
	;;
*)
	die "usage: $0 build MODULE_DIR | install MODULE_DIR LIB | remove LIB"
	;;
esac
