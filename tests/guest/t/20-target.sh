# The camvault DM target's tables: echoed as a DM user expects, counted over netlink, and every
# malformed or unusable table refused with its reason in the kernel log, leaving nothing behind (no
# device, and on the 6.12 test kernel no memory: kmemleak).
. "$TOP/tests/guest/lib.sh"
cv=$TOP/agent/camvault

load_camvault
make_loop 64M
majmin=$(lsblk -dno MAJ:MIN "$loop" | tr -d ' ')
add_key camvault:t20 64

dmsetup create cv0 --table "0 131072 camvault aes-xts-plain64 :64:logon:camvault:t20 $loop 0 2 sector_size:4096 allow_discards"
table=$(dmsetup table cv0)
[ "$table" = "0 131072 camvault aes-xts-plain64 :64:logon:camvault:t20 $majmin 0 2 allow_discards sector_size:4096" ] ||
	fail "table: $table"
assert_match '^vaults: 1$' "$("$cv" status)"
assert_match '^0 131072 camvault open 0 0 0$' "$(dmsetup status cv0)"
[ "$(dmsetup deps -o devname cv0 | sed 's/.*(\(.*\))/\1/')" = "$(basename "$loop")" ] || fail "deps: $(dmsetup deps cv0)"
[ "$(blockdev --getss "$(dm_dev cv0)")" = 4096 ] || fail "logical block size is not 4096"
dmsetup remove cv0
assert_match '^vaults: 0$' "$("$cv" status)"

# Refusals carry their reason into the kernel log, where dmsetup points the integrator.
add_key camvault:short 32
kmemleak_mark
n=0
bad() {
	local len=$1 table=$2 reason=$3
	dmesg -C
	if dmsetup create cvbad --table "0 $len camvault $table" 2>/dev/null; then
		dmsetup remove cvbad
		fail "table accepted: $table"
	fi
	dmesg | grep -qF "$reason" || fail "no '$reason' in dmesg for table '$table': $(dmesg | tail -n 3)"
	n=$((n + 1))
}
k=:64:logon:camvault:t20
bad 8 "aes-xts-plain64 $(printf '%0128d' 0) $loop 0" "Key in the table refused"
bad 8 "aes-xts-plain64 :64:user:camvault:t20 $loop 0" "Key type must be logon"
bad 8 "aes-xts-plain64 :64:logon: $loop 0" "Empty key description"
bad 8 "aes-xts-plain64 :64:logon $loop 0" "Malformed key spec"
bad 8 "aes-xts-plain64 :6x:logon:camvault:t20 $loop 0" "Malformed key size"
bad 8 "aes-xts-plain64 :48:logon:camvault:t20 $loop 0" "Key size does not match the cipher"
bad 8 "xchacha12,aes-adiantum-plain64 $k $loop 0" "Key size does not match the cipher"
bad 8 "aes-cbc-plain $k $loop 0" "Unknown cipher"
bad 8 "aes-xts-plain64 $k $loop" "Not enough arguments"
bad 8 "aes-xts-plain64 $k $loop -5" "Invalid offset"
bad 8 "aes-xts-plain64 $k /dev/nonexistent 0" "Backing device lookup failed"
bad 8 "aes-xts-plain64 $k $loop 0 1 bogus" "Unknown optional argument"
bad 8 "aes-xts-plain64 $k $loop 0 2 allow_discards" "count does not match"
bad 8 "aes-xts-plain64 $k $loop 0 1 sector_size:1024" "Invalid sector_size"
bad 8 "aes-xts-plain64 $k $loop 3 1 sector_size:4096" "not a multiple of the sector size"
bad 12 "aes-xts-plain64 $k $loop 0 1 sector_size:4096" "multiples of the sector size"
bad 8 "aes-xts-plain64 :64:logon:camvault:absent $loop 0" "Key not found"
bad 8 "aes-xts-plain64 :64:logon:camvault:short $loop 0" "another size than the table says"
[ $n -ge 15 ] || fail "only $n malformed tables tried"
assert_match '^vaults: 0$' "$("$cv" status)"
dmsetup ls | grep -q cvbad && fail "a refused table left a device behind"
kmemleak_check
echo "target tables, status and $n refusals OK"
