#!/bin/bash
# The host probe suite, as the arm64 build makes it, at the kprobe tier (tests/guest/probe-suite.sh).
TIER=kprobe
. "$TOP/tests/guest/probe-suite.sh"
