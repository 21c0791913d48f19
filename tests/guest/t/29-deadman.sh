# The dead-man lock (CAMVAULT_CMD_ARM): footage is not readable while the auditor is down.
. "$TOP/tests/guest/lib.sh"
load_camvault
make_loop 16M
add_key camvault:t29 64
python3 "$TOP/tests/guest/t/29-deadman.py" "$loop"
