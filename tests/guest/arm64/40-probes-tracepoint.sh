#!/bin/bash
# The host probe suite, as the arm64 build makes it, at the tracepoint tier (tests/guest/probe-suite.sh).
TIER=tracepoint
. "$TOP/tests/guest/probe-suite.sh"
