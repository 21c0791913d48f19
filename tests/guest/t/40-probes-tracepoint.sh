# The host probe suite in this guest kernel at the tracepoint tier (tests/guest/probe-suite.sh).
TIER=tracepoint
. "$TOP/tests/guest/probe-suite.sh"
