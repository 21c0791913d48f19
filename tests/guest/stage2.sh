#!/bin/bash
# Stage 2 of a camvault test guest: runs as init in the overlay on the host's root, so host-built
# binaries run unchanged. Mounts what tests need, makes the guest kernel's modules visible, runs
# the job the host wrote into the output share, stores its exit status there and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
mkdir -p /run/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 out /run/out || {
	echo "stage2: cannot mount the output share"
	echo o > /proc/sysrq-trigger
}
# A writable share that outlives the boot (run-guest.sh --share), for stories told over several boots.
mkdir -p /run/share
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 share /run/share 2>/dev/null || rmdir /run/share
set -a
. /run/out/job.env
set +a
# Debian's unpacked module tree lives in the host cache; the kernel's autoloader looks in /lib/modules.
if [ -n "${GUEST_MODULES:-}" ] && [ -d "$GUEST_MODULES" ]; then
	mkdir -p "/lib/modules/$(uname -r)"
	mount --bind "$GUEST_MODULES" "/lib/modules/$(uname -r)"
fi
hostname camvault-guest
# The loopback, for the tests' local servers (an alert's webhook sink, a socket a clip is copied to).
ip link set lo up
echo "stage2: up after $(cut -d' ' -f1 /proc/uptime) s on $(uname -r)"
cd "$TOP"
bash "$JOB" > >(tee /run/out/job.log) 2>&1
echo $? > /run/out/status
sync
umount /run/out
echo o > /proc/sysrq-trigger
# The power-off runs from a workqueue. Wait for it without exec'ing anything: a program run now may fail
# with EIO as the 9p root goes, and PID 1 exiting panics the kernel (a false "problem" in the log).
while :; do :; done
