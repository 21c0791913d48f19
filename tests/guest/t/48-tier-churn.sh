# The probes' attach and detach under load, at every hook tier (tests/guest/tier-churn.sh).
. "$TOP/tests/guest/tier-churn.sh"
