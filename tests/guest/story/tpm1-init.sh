# TPM story, boot 1: init a vault with ext4 and a mountpoint, record footage, close it. The recovery key
# and the footage's checksums go to the share for the next boots.
. "$TOP/tests/guest/lib.sh"
. "$TOP/tests/guest/story/tpm-lib.sh"

# --cipher auto: AES-XTS where the CPU has AES instructions, Adiantum where not (qemu's TCG CPU, a Pi 4).
out=$("$cv" init cam0 --backing $share/cam0.img --size "$(sized 64M 40M)" --mkfs ext4 --mount /run/cam0 2>&1) ||
	fail "init: $out"
echo "$out"
assert_match '^vault cam0 made on /run/share/cam0.img: .*sealed to this TPM$' "$out"
key=$(sed -n 's/^    \([0-9A-Z]\{5\}\(-[0-9A-Z]\{5\}\)\{7\}\)$/\1/p' <<< "$out")
[ -n "$key" ] || fail "no recovery key printed"
echo "$key" > $share/recovery.key
grep -q '^cam0 /run/share/cam0.img /run/cam0 defaults$' $share/etc/vaults.conf || fail "registry: $(cat $share/etc/vaults.conf)"

st=$("$cv" status)
echo "$st"
assert_match '^registered cam0: /run/share/cam0.img, mountpoint /run/cam0, (aes-xts-plain64|xchacha12,aes-adiantum-plain64), TPM-bound \(NV 0x01[0-9a-f]{6} present\), no PIN, no PCRs, recovery slot, open$' "$st"

mkdir -p /run/cam0/recordings/2026-11-25/12/cam0
head -c "$(sized 4M 1M)" < <(yes CAMVAULT-PLAINTEXT-MARKER) > /run/cam0/recordings/2026-11-25/12/cam0/00.00.mp4
head -c "$(sized 4M 1M)" /dev/urandom > /run/cam0/recordings/2026-11-25/12/cam0/00.10.mp4
(cd /run/cam0 && find recordings -type f -exec sha256sum {} + | sort) > $share/sums
out=$("$cv" close cam0) || fail "close: $out"
assert_match '^vault cam0 closed$' "$out"
assert_no_key_left
mountpoint -q /run/cam0 && fail "still mounted after close"
grep -qa CAMVAULT-PLAINTEXT-MARKER $share/cam0.img && fail "plaintext in the store"
assert_match 'TPM-bound .*, closed$' "$("$cv" status)"
echo "boot 1: vault made, footage written, closed"
