#!/bin/bash
# The probes' attach and detach under load, at every hook tier this arm64 kernel has (tests/guest/tier-churn.sh).
. "$TOP/tests/guest/tier-churn.sh"
