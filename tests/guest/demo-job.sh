#!/bin/bash
# The demo, inside the guest. Grows with camvault: for now the module, a vault on an image file,
# what its backing store holds, the lock, and the TPM.
set -euo pipefail
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cv=$TOP/agent/camvault
export CAMVAULT_TCTI=device:/dev/tpmrm0

step "guest kernel $(uname -r), TPM: $(ls /dev/tpmrm0)"
step "loading camvault.ko (device-mapper target + generic netlink family 'camvault')"
modprobe dm_mod
modprobe loop
insmod "$CAMVAULT_KO"
dmsetup targets | grep camvault

step "camvault create cam0 on a 64 MiB image (test-grade key file; TPM sealing comes next)"
truncate -s 64M /run/cam0.img
head -c 64 /dev/urandom > /run/cam0.key
"$cv" create cam0 --backing /run/cam0.img --key-file /run/cam0.key
mkfs.ext4 -q /dev/mapper/cam0
mkdir -p /media/frigate
mount /dev/mapper/cam0 /media/frigate
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
used = [b for b in range(len(data) // 4096) if data[b * 4096:(b + 1) * 4096].strip(b"\0")]
print(f"{len(used)} of {len(data) // 4096} blocks of the image are written; block {used[len(used) // 2]} begins:")
print(data[used[len(used) // 2] * 4096:][:32].hex(" "))
PY

step "camvault status"
"$cv" status

step "camvault lock cam0: key wiped, I/O fails"
umount /media/frigate
"$cv" lock cam0
"$cv" status | grep '^vault '
dd if=/dev/mapper/cam0 of=/dev/null bs=4k count=1 iflag=direct 2>&1 | grep -i error || true
"$cv" remove cam0
rmmod camvault
echo "done"
