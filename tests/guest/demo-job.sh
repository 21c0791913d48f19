#!/bin/bash
# The demo, inside the Debian 6.1 guest, each step printed: a TPM, a vault the NVR records into, the agent
# recording who touches the footage, an "employee" who copies a clip out and another who watches the live
# camera, the owner's alerts and report, the log's proof against tampering, and the disk image on another
# machine. Files for the host (the HTML report, the log) go to /run/out, which run-guest.sh brings back.
set -euo pipefail
step() { printf '\n\033[1m== [%3d s] %s\033[0m\n' "$SECONDS" "$*"; }
cv=$TOP/agent/camvault
etc=/run/etc
export CAMVAULT_TCTI=device:/dev/tpmrm0 CAMVAULT_ETC=$etc CAMVAULT_DB=/var/lib/camvault/access.db
# Argon2id at full cost is slow under emulation; a Pi uses libsodium's interactive limits.
export CAMVAULT_ARGON2_MEMLIMIT_KIB=8192
frigate=/media/frigate
rec=$frigate/recordings
# The employees: uid 1000, in the video group like a desktop user.
employee=(setpriv --reuid 1000 --regid 1000 --groups "$(getent group video | cut -d: -f3)")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

step "guest kernel $(uname -r), TPM 2.0: $(ls /dev/tpmrm0) ($(cat /sys/class/tpm/tpm0/tpm_version_major 2>/dev/null || echo 2).0, swtpm)"
modprobe dm_mod
modprobe loop
insmod "$CAMVAULT_KO"
modprobe vivid n_devs=1 node_types=0x1
# What udev does on a Pi: cameras belong to the video group.
chgrp video /dev/video0 && chmod 660 /dev/video0
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
echo "camvault.ko loaded (device-mapper target: $(dmsetup targets | grep -o '^camvault.*'));" \
	"camera: $(v4l2-ctl -d /dev/video0 --info | sed -n 's/.*Card type *: //p') at /dev/video0"

step "camvault init cam0: a 128 MiB store whose key only this TPM releases, ext4, mounted for Frigate"
mkdir -p $etc
"$cv" init cam0 --backing /run/cam0.img --size 128M --no-recovery --mkfs ext4 --mount $frigate
grep -v '^#' $etc/vaults.conf

step "the owner's policy: Frigate's ffmpeg records and reads the camera; nothing else is expected"
cat > $etc/policy.conf <<EOF
allow frigate-record exe=/usr/bin/ffmpeg op=write,truncate path=$rec/*
allow frigate-camera exe=/usr/bin/ffmpeg op=stream,mmap,read path=/dev/video*
EOF
cat $etc/policy.conf
# The owner's phone: Home Assistant listening on MQTT (here, mosquitto_sub on the guest's loopback).
mosquitto -p 1883 > /run/mosquitto.log 2>&1 &
pids+=($!)
sleep 0.5
mosquitto_sub -h 127.0.0.1 -p 1883 -v -t 'camvault/#' -t 'homeassistant/event/#' > /run/phone.log 2>&1 &
pids+=($!)
echo "mqtt 127.0.0.1:1883 discovery=homeassistant send=alerts" > $etc/push.conf
chmod 600 $etc/push.conf
cat $etc/push.conf

step "camvault agent: loads the probes, keeps the signed access log, alerts the owner"
"$cv" agent --checkpoint-every 30 > /run/agent.log 2>&1 &
agent=$!
pids+=($agent)
for _ in $(seq 1200); do
	grep -q 'ready:' /run/agent.log && break
	kill -0 $agent 2>/dev/null || { cat /run/agent.log; exit 1; }
	sleep 0.1
done
cat /run/agent.log

step "Frigate's recorder: ffmpeg takes the camera into 10-second segments, laid out like Frigate's"
for h in 0 1; do mkdir -p "$rec/$(date -u -d "+$h hour" +%Y-%m-%d/%H)/front_door"; done
ffmpeg -hide_banner -loglevel error -f v4l2 -video_size 320x240 -framerate 10 -i /dev/video0 -t 25 \
	-c:v mpeg4 -q:v 8 -f segment -segment_time 10 -reset_timestamps 1 -strftime 1 \
	"$rec/%Y-%m-%d/%H/front_door/%M.%S.mp4"
find $rec -name '*.mp4' -printf '%P  %s bytes\n' | sort
clip=$(find $rec -name '*.mp4' | sort | head -n 1)

step "what someone who copies the SD card sees: ciphertext (and the agent sees them look)"
sync
printf 'the ftyp box of an mp4 in the image: '
if grep -qa ftypisom /run/cam0.img; then echo FOUND; exit 1; else echo none; fi

step "an employee (uid 1000) copies a clip out over the network"
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 9000)); s.listen(1)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
print(f"receiver at 127.0.0.1:9000 got {n} bytes")' &
recv=$!
sleep 0.5
"${employee[@]}" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 9000))
with open(sys.argv[1], "rb") as f: s.sendfile(f)' "$clip"
wait $recv

step "another employee (uid 1000) watches the live camera"
"${employee[@]}" v4l2-ctl -d /dev/video0 --stream-mmap --stream-count 30 --stream-to /dev/null
echo "30 frames taken from /dev/video0"

step "the owner's phone (Home Assistant over MQTT) got the alerts"
# check WHAT COMMAND...: the demo proves what it shows (make check runs it too).
check() {
	local what=$1
	shift
	"$@" > /dev/null 2>&1 || { echo "DEMO FAILED: $what"; exit 1; }
}
for _ in $(seq 150); do grep -q 'v4l2-ctl (uid 1000)' /run/phone.log && break; sleep 0.2; done
cut -c 1-240 /run/phone.log
check "the phone got the copy's alert" grep -q 'unexpected access to cam0: python3 (uid 1000) read' /run/phone.log
check "the phone got the live view's alert" grep -q 'unexpected access to a camera: v4l2-ctl (uid 1000)' \
	/run/phone.log
check "no alert for the recorder" test -z "$(grep 'ffmpeg' /run/phone.log)"

step "camvault report --unexpected"
"$cv" report --unexpected | tee /run/unexpected.txt
check "the report names the copy to the peer" grep -q 'copied to peer 127.0.0.1:9000' /run/unexpected.txt
check "the report names the live view" grep -q 'streamed 30 frames' /run/unexpected.txt
check "the recorder is expected" test -z "$(grep ffmpeg /run/unexpected.txt)"
echo "all accesses: $("$cv" report --format json | python3 -c 'import json, sys
r = json.load(sys.stdin); print(len(r["accesses"]), "of which", sum(1 for a in r["accesses"] if not a["expected"]),
"unexpected")')"

step "camvault report --format html: one self-contained file, for the host"
"$cv" report --format html -o /run/out/report.html
ls -l /run/out/report.html

step "camvault verify: the chain of every row and the TPM-signed checkpoints"
kill -TERM $agent
wait $agent || true
tail -n 3 /run/agent.log
"$cv" verify
cp $CAMVAULT_DB /run/out/access.db

step "someone with root deletes the employee's copy from the log"
sqlite3 $CAMVAULT_DB "DELETE FROM records WHERE kind = 'access' AND comm = 'python3'"
echo "rows about python3 now: $(sqlite3 $CAMVAULT_DB "SELECT count(*) FROM records WHERE comm = 'python3'")"
rc=0
"$cv" verify || rc=$?
echo "camvault verify exit status: $rc"
[ $rc -ne 0 ] || { echo "verify did not notice"; exit 1; }

step "the SD card in another machine: a fresh TPM (another swtpm) cannot release the key"
umount $frigate
"$cv" close cam0
mkdir -p /run/tpm2
swtpm_setup --tpm2 --tpmstate /run/tpm2 --create-ek-cert --create-platform-cert --overwrite > /dev/null 2>&1 ||
	swtpm_setup --tpm2 --tpmstate /run/tpm2 --overwrite > /dev/null
swtpm socket --tpm2 --tpmstate dir=/run/tpm2 --server type=tcp,port=2321 --ctrl type=tcp,port=2322 \
	--flags not-need-init,startup-clear &
pids+=($!)
sleep 1
rc=0
CAMVAULT_TCTI=swtpm:host=127.0.0.1,port=2321 "$cv" open cam0 || rc=$?
echo "camvault open on the other machine: exit status $rc"
[ $rc -ne 0 ] || { echo "another TPM opened the vault"; exit 1; }
rmmod camvault
echo "done in $SECONDS s"
