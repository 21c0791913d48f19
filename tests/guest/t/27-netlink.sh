# Malformed netlink requests to the camvault family get clean errors with extack messages; nothing of the
# family answers without CAP_SYS_ADMIN and CAP_NET_ADMIN.
. "$TOP/tests/guest/lib.sh"
load_camvault
python3 "$TOP/tests/guest/t/27-netlink.py"
# The tool says so to a user: status fails (exit 1) naming root and sudo, and shows no module version.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$cv" status 2>&1) &&
	fail "non-root status succeeded: $out"
assert_match 'needs root.*sudo' "$out"
echo "$out" | grep -q '^module: camvault ' && fail "non-root status shows the module: $out"
out=$("$cv" status 2>&1) || true
assert_match '^module: camvault ' "$out"
echo "status as nobody: needs root, run with sudo; as root: the module"
