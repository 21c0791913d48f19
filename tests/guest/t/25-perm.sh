# State-changing netlink commands need CAP_SYS_ADMIN, like device-mapper's ioctls: a non-root
# caller of lock gets EPERM and the vault stays open.
. "$TOP/tests/guest/lib.sh"
load_camvault
make_loop 16M
add_key camvault:t25 64
vault cv5 aes-xts-plain64 camvault:t25 64 "$loop"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$TOP/agent/camvault" lock cv5 2>&1) &&
	fail "non-root lock succeeded: $out"
assert_match 'root|CAP_SYS_ADMIN|permitted' "$out"
assert_match 'camvault open ' "$(dmsetup status cv5)"
# And root gets a clear error for a vault that does not exist.
out=$("$TOP/agent/camvault" lock nosuchvault 2>&1) && fail "lock of a missing vault succeeded"
assert_match 'nosuchvault' "$out"
echo "lock needs CAP_SYS_ADMIN; missing vault named"
