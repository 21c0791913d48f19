# Who touches footage, at the lsm tier, with real tools on a vault (tests/guest/access-workload.sh).
TIER=lsm
. "$TOP/tests/guest/access-workload.sh"
