#!/bin/bash
# make bench, inside the guest: fio on a RAM disk (brd) through raw, dm-crypt (default and with
# no_read_workqueue/no_write_workqueue) and camvault, same cipher and key size; then the raw
# cipher speed. Results as TSV in /run/out/bench.tsv. Under TCG only ratios mean anything.
set -euo pipefail
modprobe dm_mod
modprobe dm_crypt
modprobe brd rd_nr=1 rd_size=$((512 * 1024))
insmod "$CAMVAULT_KO"
keyctl new_session > /dev/null
key=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
head -c 64 /dev/urandom | keyctl padd logon camvault:bench @s > /dev/null
sz=$(blockdev --getsz /dev/ram0)
runtime=${BENCH_RUNTIME:-8}

setup() {
	case $1 in
	raw) echo /dev/ram0; return ;;
	dm-crypt) dmsetup create b --table "0 $sz crypt aes-xts-plain64 $key 0 /dev/ram0 0" ;;
	dm-crypt-nowq) dmsetup create b --table "0 $sz crypt aes-xts-plain64 $key 0 /dev/ram0 0 2 no_read_workqueue no_write_workqueue" ;;
	camvault) dmsetup create b --table "0 $sz camvault aes-xts-plain64 :64:logon:camvault:bench /dev/ram0 0" ;;
	esac
	echo "/dev/$(dmsetup info -c --noheadings -o blkdevname b)"
}

# MB/s for one fio job (read or write bandwidth, whichever the job does).
run_fio() {
	local dev=$1 rw=$2 bs=$3
	fio --name=b --filename="$dev" --rw="$rw" --bs="$bs" --direct=1 --ioengine=libaio --iodepth=8 \
		--numjobs=1 --time_based --runtime="$runtime" --ramp_time=1 --size=256M --output-format=json |
		python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print("%.1f" % ((j["read"]["bw_bytes"] + j["write"]["bw_bytes"]) / 1e6))'
}

echo -e "device\tseq-read-1M\tseq-write-1M\trand-read-4k\trand-write-4k" > /run/out/bench.tsv
for d in raw dm-crypt dm-crypt-nowq camvault; do
	dev=$(setup $d)
	row=$d
	for t in "read 1M" "write 1M" "randread 4k" "randwrite 4k"; do
		row+=$'\t'$(run_fio "$dev" $t)
	done
	echo "$row" | tee -a /run/out/bench.tsv
	[ $d = raw ] || dmsetup remove b
done
cryptsetup benchmark --cipher aes-xts --key-size 512 2>/dev/null | tail -n 1 > /run/out/cipher.txt || true
cryptsetup benchmark --cipher xchacha12,aes-adiantum-plain64 --key-size 256 2>/dev/null | tail -n 1 >> /run/out/cipher.txt || true
cat /run/out/cipher.txt

