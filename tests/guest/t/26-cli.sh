# The camvault tool end to end: create a vault on an image file (loop device set up by the tool),
# see it in status, use it, lock it, remove it; nothing left behind: no loop device, no key.
. "$TOP/tests/guest/lib.sh"
cv=$TOP/agent/camvault
load_camvault
modprobe loop 2>/dev/null || true
mkdir -p /run/mnt
img=$(mktemp /run/cam0.XXXXXX)
truncate -s 64M "$img"
head -c 64 /dev/urandom > /run/cam0.key

dev=$("$cv" create cam0 --backing "$img" --key-file /run/cam0.key)
[ "$dev" = /dev/mapper/cam0 ] || fail "create printed '$dev'"
[ -b "$dev" ] || fail "$dev is not a block device"
assert_no_usable_key 'camvault:cam0'
assert_match '^vault cam0 \(dm-[0-9]+, [0-9]+:[0-9]+\) aes-xts-plain64 open, ' "$("$cv" status)"
losetup -j "$img" | grep -q . || fail "no loop device over the image"

mkfs.ext4 -q "$dev"
mount "$dev" /run/mnt
head -c 1M /dev/urandom > /run/mnt/clip
sum=$(sha256sum < /run/mnt/clip)
umount /run/mnt
assert_match 'written [0-9.]+ [KM]iB' "$("$cv" status | grep '^vault cam0')"

"$cv" lock cam0
assert_match '^vault cam0 .* LOCKED, ' "$("$cv" status)"
mount "$dev" /run/mnt 2>/dev/null && fail "mounted a locked vault"

"$cv" remove cam0
[ ! -e "$dev" ] || fail "$dev still exists after remove"
for _ in $(seq 20); do losetup -j "$img" | grep -q . || break; sleep 0.1; done
losetup -j "$img" | grep -q . && fail "the loop device outlived the vault"
assert_match '^vaults: 0$' "$("$cv" status)"

# The same image and key open again, with the data intact.
dev=$("$cv" create cam0 --backing "$img" --key-file /run/cam0.key)
mount -o ro "$dev" /run/mnt
[ "$(sha256sum < /run/mnt/clip)" = "$sum" ] || fail "data changed"
umount /run/mnt
"$cv" remove cam0

# Bad input: a key file of the wrong size is refused by name, and nothing is created.
head -c 32 /dev/urandom > /run/short.key
out=$("$cv" create cam1 --backing "$img" --key-file /run/short.key 2>&1) && fail "short key accepted"
assert_match 'short.key' "$out"
dmsetup info cam1 > /dev/null 2>&1 && fail "cam1 exists after a refused create"
echo "create, status, lock, remove and recreate OK"
