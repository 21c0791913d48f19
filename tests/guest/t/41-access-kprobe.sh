# Who touches footage, at the kprobe tier, with real tools on a vault (tests/guest/access-workload.sh).
TIER=kprobe
. "$TOP/tests/guest/access-workload.sh"
