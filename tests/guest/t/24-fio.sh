# fio writes with crc32c verification on the raw vault device, sequential and random, both ciphers.
. "$TOP/tests/guest/lib.sh"
command -v fio > /dev/null || fail "fio is not installed (tests/scripts/install-deps.sh)"
load_camvault
for c in "aes-xts-plain64 64" "xchacha12,aes-adiantum-plain64 32"; do
	set -- $c
	make_loop 64M
	add_key camvault:t24 "$2"
	vault cv4 "$1" camvault:t24 "$2" "$loop"
	for rw in write randwrite; do
		fio --name=verify --filename="$(dm_dev cv4)" --rw=$rw --bs=64k --bsrange=4k-256k --size=$(sized 16M 6M) \
			--direct=1 --ioengine=psync --iodepth=1 --numjobs=1 --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --output=/run/fio.out > /dev/null || { cat /run/fio.out; fail "fio $rw on $1"; }
		grep -q 'err= 0' /run/fio.out || { cat /run/fio.out; fail "fio $rw on $1 reported errors"; }
	done
	dmsetup remove cv4
	keyctl purge logon camvault:t24 > /dev/null
	losetup -d "$loop"
	echo "$1: fio crc32c verify OK"
done
