# Who touches footage, at the fentry tier, with real tools on a vault (tests/guest/access-workload.sh).
TIER=fentry
. "$TOP/tests/guest/access-workload.sh"
