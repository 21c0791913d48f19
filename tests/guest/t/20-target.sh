# The camvault DM target: tables parsed and echoed as a DM user expects, vaults counted over netlink,
# bad tables refused with a reason, and (until the cipher path lands) no bio ever reaches the disk in clear.
. "$TOP/tests/guest/lib.sh"
cv=$TOP/agent/camvault
img=$(mktemp /run/img.XXXXXX)
cleanup() {
	dmsetup remove cv0 2>/dev/null || true
	[ -n "${loop:-}" ] && losetup -d "$loop" 2>/dev/null || true
	rm -f "$img"
	unload_camvault || true
}
trap cleanup EXIT

load_camvault
modprobe loop 2>/dev/null || true
truncate -s 64M "$img"
loop=$(losetup -f --show "$img")
majmin=$(lsblk -dno MAJ:MIN "$loop" | tr -d ' ')

dmsetup create cv0 --table "0 131072 camvault aes-xts-plain64 :64:logon:camvault:cam0 $loop 0 2 sector_size:4096 allow_discards"
table=$(dmsetup table cv0)
[ "$table" = "0 131072 camvault aes-xts-plain64 :64:logon:camvault:cam0 $majmin 0 2 sector_size:4096 allow_discards" ] ||
	fail "table: $table"
assert_match '^vaults: 1$' "$("$cv" status)"
assert_match 'camvault locked' "$(dmsetup status cv0)"
[ "$(dmsetup deps -o devname cv0 | sed 's/.*(\(.*\))/\1/')" = "$(basename "$loop")" ] || fail "deps: $(dmsetup deps cv0)"

# No cipher yet: every read and write fails with EIO, and the backing file is untouched.
# (No udev here: the node is devtmpfs's /dev/dm-N.)
dev=/dev/$(dmsetup info -c --noheadings -o blkdevname cv0)
[ -b "$dev" ] || fail "no block device $dev for cv0"
out=$(dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct 2>&1) && fail "read succeeded"
assert_match 'Input/output error' "$out"
out=$(dd if=/dev/urandom of="$dev" bs=4096 count=1 oflag=direct 2>&1) && fail "write succeeded"
assert_match 'Input/output error' "$out"
[ -z "$(tr -d '\0' < "$img" | head -c 1)" ] || fail "the backing store was written"

dmsetup remove cv0
assert_match '^vaults: 0$' "$("$cv" status)"

# Refusals carry their reason into the kernel log, where dmsetup points the integrator.
bad() {
	dmesg -C
	expect_fail dmsetup create cvbad --table "0 8 camvault $1"
	dmesg | grep -qF "$2" || fail "no '$2' in dmesg for table '$1': $(dmesg | tail -n 3)"
}
bad "aes-xts-plain64 $(printf '%0128d' 0) $loop 0" "Key in the table refused"
bad "aes-xts-plain64 :64:user:k $loop 0" "Key type must be logon"
bad "aes-cbc-plain :64:logon:k $loop 0" "Unknown cipher"
bad "aes-xts-plain64 :64:logon:k /dev/nonexistent 0" "Backing device lookup failed"
bad "aes-xts-plain64 :64:logon:k $loop 0 1 bogus" "Unknown optional argument"
assert_match '^vaults: 0$' "$("$cv" status)"
echo "target tables, status and refusals OK"
