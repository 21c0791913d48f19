#!/bin/bash
# The demo, inside the guest. Grows with camvault: for now the module, its netlink status and the TPM.
set -euo pipefail
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cv=$TOP/agent/camvault

step "guest kernel $(uname -r), TPM: $(ls /dev/tpmrm0)"
step "loading camvault.ko (device-mapper target + generic netlink family 'camvault')"
modprobe dm_mod
insmod "$CAMVAULT_KO"
dmsetup targets | grep camvault
step "camvault status"
CAMVAULT_TCTI=device:/dev/tpmrm0 "$cv" status
step "unloading"
rmmod camvault
echo "done"
