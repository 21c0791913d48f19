#!/bin/bash
# tests/guest/access-arm64.sh at the LSM tier (arm64 kernels from 6.4 with bpf among their LSMs: Debian
# trixie's 6.12).
TIER=lsm
. "$TOP/tests/guest/access-arm64.sh"
