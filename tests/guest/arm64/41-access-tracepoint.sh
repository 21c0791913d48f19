#!/bin/bash
# tests/guest/access-arm64.sh at the tracepoint tier, with the kernel's BTF.
TIER=tracepoint
. "$TOP/tests/guest/access-arm64.sh"
