#!/bin/bash
# The demo, inside the guest. Grows with camvault: for now the module, a TPM-bound vault on an image file,
# what its store holds, the lock, reopening with the TPM, and shred.
set -euo pipefail
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cv=$TOP/agent/camvault
export CAMVAULT_TCTI=device:/dev/tpmrm0 CAMVAULT_ETC=/run/etc
# Argon2id at full cost is slow under emulation; a Pi uses libsodium's interactive limits.
export CAMVAULT_ARGON2_MEMLIMIT_KIB=8192

step "guest kernel $(uname -r), TPM: $(ls /dev/tpmrm0)"
step "loading camvault.ko (device-mapper target + generic netlink family 'camvault')"
modprobe dm_mod
modprobe loop
insmod "$CAMVAULT_KO"
dmsetup targets | grep camvault

step "camvault init cam0: a 64 MiB store whose key only this TPM releases, ext4, mounted for the NVR"
"$cv" init cam0 --backing /run/cam0.img --size 64M --mkfs ext4 --mount /media/frigate
cat /run/etc/vaults.conf | grep -v '^#'
mkdir -p /media/frigate/recordings/2026-11-25/12/front_door
head -c 2M < <(yes "FRONT-DOOR-FOOTAGE") > /media/frigate/recordings/2026-11-25/12/front_door/00.00.mp4
ls -l /media/frigate/recordings/2026-11-25/12/front_door
sync

step "what someone who copies the image sees"
printf 'plaintext "FRONT-DOOR-FOOTAGE" in the image: '
if grep -qa FRONT-DOOR-FOOTAGE /run/cam0.img; then echo FOUND; exit 1; else echo none; fi
python3 - /run/cam0.img <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
used = [b for b in range(256, len(data) // 4096) if data[b * 4096:(b + 1) * 4096].strip(b"\0")]
print(f"{len(used)} of {len(data) // 4096 - 256} data blocks of the image are written; block {used[len(used) // 2]} begins:")
print(data[used[len(used) // 2] * 4096:][:32].hex(" "))
PY

step "camvault status"
"$cv" status

step "camvault lock cam0: key wiped from the kernel, I/O fails"
"$cv" lock cam0
"$cv" status | grep '^vault '
dd if=/dev/mapper/cam0 of=/dev/null bs=4k count=1 iflag=direct 2>&1 | grep -i error || true

step "camvault close cam0, then open it again: the TPM releases the key, the footage is there"
umount /media/frigate
"$cv" close cam0
"$cv" open cam0
sha256sum /media/frigate/recordings/2026-11-25/12/front_door/00.00.mp4
"$cv" close cam0

step "camvault shred cam0: the TPM secret and the header are destroyed"
cp /run/cam0.img /run/cam0-copy.img
"$cv" shred cam0 --yes
"$cv" open cam0 --backing /run/cam0-copy.img || true
rmmod camvault
echo "done"
