#!/bin/bash
# tests/guest/access-arm64.sh at the kprobe tier, with the kernel's BTF.
TIER=kprobe
. "$TOP/tests/guest/access-arm64.sh"
