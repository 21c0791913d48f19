# The "events" multicast group tells listeners (the agent) when a vault opens, locks, fails I/O, closes.
. "$TOP/tests/guest/lib.sh"
load_camvault
make_loop 16M
add_key camvault:t28 64
python3 "$TOP/tests/guest/t/28-events.py" "$loop"
