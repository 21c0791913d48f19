# Lock during heavy I/O: the key is wiped, every later I/O fails fast with EIO, nothing hangs, the
# kernel log stays clean (KASAN/lockdep on 6.12), the data on disk is intact, and reloading the
# table with the key restores access. Both ways in: the DM message and the netlink command.
. "$TOP/tests/guest/lib.sh"
trap 'kill ${writer:-} ${reader:-} 2>/dev/null || true; guest_cleanup' EXIT
load_camvault
mkdir -p /run/mnt
make_loop 128M
add_key camvault:t23 64
kmemleak_mark

lock_under_io() {
	local how=$1
	vault cv3 aes-xts-plain64 camvault:t23 64 "$loop"
	local dev
	dev=$(dm_dev cv3)
	# Known data in the first 16 MiB, checked after the lock.
	known=$(sized 16 4)
	head -c "${known}M" /dev/urandom > /run/known
	dd if=/run/known of="$dev" bs=1M oflag=direct status=none
	sum=$(sha256sum < /run/known)

	# Heavy I/O: a writer beyond the known data and a reader, both looping until they fail.
	(while dd if=/dev/zero of="$dev" bs=1M seek=32 count=$(sized 64 16) oflag=direct status=none; do :; done) &
	writer=$!
	(while dd if="$dev" of=/dev/null bs=1M count=$(sized 96 24) iflag=direct status=none; do :; done) &
	reader=$!
	sleep 2
	case $how in
	message) dmsetup message cv3 0 key wipe ;;
	netlink) "$TOP/agent/camvault" lock cv3 ;;
	esac
	# Both loops must end by themselves, on EIO, promptly.
	for pid in $writer $reader; do
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && fail "$how: I/O still running 10 s after the lock"
	done
	writer="" reader=""
	assert_match '^0 [0-9]+ camvault locked ' "$(dmsetup status cv3)"
	out=$(dd if="$dev" of=/dev/null bs=4096 count=1 iflag=direct 2>&1) && fail "$how: read after lock succeeded"
	assert_match 'Input/output error' "$out"
	out=$(dd if=/dev/zero of="$dev" bs=4096 count=1 oflag=direct 2>&1) && fail "$how: write after lock succeeded"
	assert_match 'Input/output error' "$out"

	# Reload the table with the key: access and data are back.
	dmsetup reload cv3 --table "$(dmsetup table cv3)"
	dmsetup resume cv3
	assert_match '^0 [0-9]+ camvault open ' "$(dmsetup status cv3)"
	[ "$(head -c "${known}M" "$dev" | sha256sum)" = "$sum" ] || fail "$how: data changed across the lock"
	dmsetup remove cv3
	echo "$how: lock under I/O OK"
}

lock_under_io message
lock_under_io netlink
kmemleak_check
