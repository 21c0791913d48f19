# Helpers for guest tests (tests/guest/t/*.sh). Source it.
set -euo pipefail

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# Load camvault.ko (device-mapper first: a module on Debian, built in on our 6.12 kernel).
load_camvault() {
	modprobe dm_mod 2>/dev/null || true
	grep -q '^camvault ' /proc/modules || insmod "$CAMVAULT_KO"
}

unload_camvault() {
	if grep -q '^camvault ' /proc/modules; then rmmod camvault; fi
}

# expect_fail CMD...: the command must fail.
expect_fail() {
	if "$@"; then fail "expected failure: $*"; fi
	return 0
}

# assert_match REGEX TEXT
assert_match() {
	grep -qE -- "$1" <<< "$2" || fail "expected /$1/ in: $2"
}
