# The host probe suite in this guest kernel at the fentry tier (tests/guest/probe-suite.sh).
TIER=fentry
. "$TOP/tests/guest/probe-suite.sh"
