#!/usr/bin/env bash
# The TPM story of camvault, told over three boots of KERNEL (issue: device-bound keys), each boot one test:
#   1. TPM A: init a vault (ext4, mountpoint), write footage, close
#   2. a fresh TPM B and a copy of the store: refused with the reason, no key left; the recovery key opens it
#   3. TPM A again (a reboot): open from the registry, footage intact; lock; close (story/tpm2-reboot.sh);
#      then no key bytes in the store or in a core dump of camvault; shred; neither the store nor the copy
#      opens with the TPM (story/tpm4-shred.sh)
# The store and the registry live in a share that outlives each boot. Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
kernel=$1
work=$TOP/build/$kernel/story-tpm
rm -rf "$work"
mkdir -p "$work/share" "$work/tpm-a" "$work/tpm-b"
p=0 f=0

boot() {
	local name=$1 tpm=$2 job=$3
	if "$TOP/tests/guest/run-guest.sh" --out "$work/out-$name" --tpm-state "$work/$tpm" --share "$work/share" \
		--timeout 600 "$kernel" "$TOP/tests/guest/story/$job" > "$work/$name.log" 2>&1; then
		echo "ok - tpm story on $kernel: $(tail -n 1 "$work/out-$name/job.log")"
		p=$((p + 1))
	else
		echo "not ok - tpm story on $kernel: $name"
		{ cat "$work/$name.log"; tail -n 30 "$work/out-$name/job.log" 2>/dev/null; } | sed 's/^/#   /' | tail -n 40
		f=$((f + 1))
	fi
}

boot 1-init tpm-a tpm1-init.sh
# Before anything else happens to it: the copy a thief, or a careless backup, makes.
cp --sparse=always "$work/share/cam0.img" "$work/share/copy.img" 2>/dev/null
boot 2-other-tpm tpm-b tpm3-other-tpm.sh
boot 3-again tpm-a tpm-again.sh
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
