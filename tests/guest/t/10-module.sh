# camvault.ko loads, registers its DM target and netlink family, reports status, unloads cleanly.
. "$TOP/tests/guest/lib.sh"
cv=$TOP/agent/camvault

load_camvault
# The module and the tool say the version of the VERSION file they were both built from.
version=$(cat "$TOP/VERSION")
[ "$(cat /sys/module/camvault/version)" = "$version" ] || fail "module version: $(cat /sys/module/camvault/version)"
[ "$("$cv" --version)" = "camvault $version" ] || fail "tool version: $("$cv" --version), module $version"
assert_match '^camvault +v0\.2\.0' "$(dmsetup targets)"

status=$("$cv" status 2>&1 || true)
assert_match "^module: camvault ${version//./\\.}\$" "$status"
assert_match '^vaults: 0$' "$status"

# A second load must fail (already registered), not corrupt the first.
expect_fail insmod "$CAMVAULT_KO"
assert_match '^vaults: 0$' "$("$cv" status 2>&1 || true)"

unload_camvault
[ ! -e /sys/module/camvault ] || fail "module still present after rmmod"
out=$("$cv" status 2>&1) && fail "status succeeded without the module: $out"
assert_match "module: not loaded" "$out"
# Load/unload again: registration must be fully undone.
load_camvault
unload_camvault
echo "module load, status and unload OK"
