#!/bin/bash
# The host probe suite, as the arm64 build makes it, at the fentry tier (tests/guest/probe-suite.sh): arm64
# kernels from 6.4 (BPF trampolines), here Debian trixie's 6.12.
TIER=fentry
. "$TOP/tests/guest/probe-suite.sh"
