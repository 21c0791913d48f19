#!/bin/bash
# tests/guest/access-arm64.sh at the tracepoint tier without the kernel's BTF, as on a Raspberry Pi.
TIER=tracepoint NOBTF=1
. "$TOP/tests/guest/access-arm64.sh"
