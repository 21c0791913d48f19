# Who touches footage, at the tracepoint tier, with real tools on a vault (tests/guest/access-workload.sh).
TIER=tracepoint
. "$TOP/tests/guest/access-workload.sh"
