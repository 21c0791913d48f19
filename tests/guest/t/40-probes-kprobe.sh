# The host probe suite in this guest kernel at the kprobe tier (tests/guest/probe-suite.sh).
TIER=kprobe
. "$TOP/tests/guest/probe-suite.sh"
