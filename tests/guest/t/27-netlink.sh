# Malformed netlink requests to the camvault family get clean errors with extack messages.
. "$TOP/tests/guest/lib.sh"
load_camvault
python3 "$TOP/tests/guest/t/27-netlink.py"
