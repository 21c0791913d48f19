# The host probe suite in this guest kernel at the lsm tier (tests/guest/probe-suite.sh).
TIER=lsm
. "$TOP/tests/guest/probe-suite.sh"
