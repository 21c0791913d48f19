# Footage survives: ext4 on a vault, files written, vault removed and recreated, checksums match;
# the backing image holds no trace of the plaintext; and cryptsetup's plain mode opens the same
# image with the same key (the rescue path when camvault.ko is missing). For both ciphers and
# both sector sizes.
. "$TOP/tests/guest/lib.sh"
trap 'cryptsetup close plain1 2>/dev/null || true; guest_cleanup' EXIT
load_camvault
modprobe dm_crypt 2>/dev/null || true
mkdir -p /run/mnt

roundtrip() {
	local cipher=$1 bytes=$2 ss=$3 opts=() plain_opts=()
	[ "$ss" = 4096 ] && { opts=(sector_size:4096); plain_opts=(--sector-size 4096); }
	make_loop "$(sized 96M 32M)"
	local key=/run/key.$bytes.$ss
	add_key "camvault:t21" "$bytes" "$key"

	vault cv1 "$cipher" camvault:t21 "$bytes" "$loop" "${opts[@]}"
	mkfs.ext4 -q -b 4096 "$(dm_dev cv1)"
	mount "$(dm_dev cv1)" /run/mnt
	mkdir -p /run/mnt/recordings/2026-11-25/12/cam0
	# A recognisable plaintext: if any of it reaches the disk in clear, grep finds it.
	head -c "$(sized 4M 1M)" < <(yes CAMVAULT-PLAINTEXT-MARKER) > /run/mnt/recordings/2026-11-25/12/cam0/00.00.mp4
	head -c "$(sized 3M 1M)" /dev/urandom > /run/mnt/recordings/2026-11-25/12/cam0/00.10.mp4
	(cd /run/mnt && find recordings -type f -exec sha256sum {} + | sort) > /run/sums
	umount /run/mnt
	dmsetup remove cv1
	sync

	grep -qa CAMVAULT-PLAINTEXT-MARKER "$img" && fail "$cipher/$ss: plaintext found in the backing image"

	vault cv1 "$cipher" camvault:t21 "$bytes" "$loop" "${opts[@]}"
	mount -o ro "$(dm_dev cv1)" /run/mnt
	(cd /run/mnt && find recordings -type f -exec sha256sum {} + | sort) | cmp -s - /run/sums ||
		fail "$cipher/$ss: files differ after recreating the vault"
	umount /run/mnt
	dmsetup remove cv1

	cryptsetup open --type plain --cipher "$cipher" --key-size $((bytes * 8)) --key-file "$key" \
		"${plain_opts[@]}" "$loop" plain1
	mount -o ro /dev/mapper/plain1 /run/mnt 2>/dev/null || mount -o ro "$(dm_dev plain1)" /run/mnt
	(cd /run/mnt && find recordings -type f -exec sha256sum {} + | sort) | cmp -s - /run/sums ||
		fail "$cipher/$ss: dm-crypt plain mode does not read the same files"
	umount /run/mnt
	cryptsetup close plain1
	keyctl purge logon camvault:t21 > /dev/null
	losetup -d "$loop"
	rm -f "$img" "$key"
	echo "$cipher sector $ss: round trip, no plaintext on disk, cryptsetup plain reads it"
}

roundtrip aes-xts-plain64 64 512
roundtrip aes-xts-plain64 64 4096
roundtrip xchacha12,aes-adiantum-plain64 32 512
roundtrip aes-xts-plain64 32 512
