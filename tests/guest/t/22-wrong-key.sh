# A vault opened with the wrong key reads garbage: the mount fails cleanly, no oops (the guest
# harness checks the kernel log), and the footage is still there for the right key.
. "$TOP/tests/guest/lib.sh"
load_camvault
mkdir -p /run/mnt
make_loop 64M
add_key camvault:right 64
add_key camvault:wrong 64

vault cv2 aes-xts-plain64 camvault:right 64 "$loop"
mkfs.ext4 -q "$(dm_dev cv2)"
mount "$(dm_dev cv2)" /run/mnt
echo footage > /run/mnt/clip
umount /run/mnt
dmsetup remove cv2

vault cv2 aes-xts-plain64 camvault:wrong 64 "$loop"
mount -o ro "$(dm_dev cv2)" /run/mnt 2>/dev/null && fail "mounted with the wrong key"
dmsetup remove cv2

vault cv2 aes-xts-plain64 camvault:right 64 "$loop"
mount -o ro "$(dm_dev cv2)" /run/mnt
[ "$(cat /run/mnt/clip)" = footage ] || fail "footage lost"
echo "wrong key refused cleanly; right key still opens"
