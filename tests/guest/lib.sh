# Helpers for guest tests (tests/guest/t/*.sh). Source it.
set -euo pipefail

# The tree whose build runs here: this one, or in the arm64 guest its arm64 build (tests/scripts/build-arm64.sh).
built=$TOP
[ "$(uname -m)" = aarch64 ] && built=$TOP/build/arm64/src
cv=$built/agent/camvault

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# Load camvault.ko (device-mapper first: a module on Debian, built in on our 6.12 kernel).
load_camvault() {
	modprobe dm_mod 2>/dev/null || true
	grep -q '^camvault ' /proc/modules || insmod "$CAMVAULT_KO"
}

unload_camvault() {
	if grep -q '^camvault ' /proc/modules; then rmmod camvault; fi
}

# Remove every camvault device-mapper device.
remove_vaults() {
	local d
	for d in $(dmsetup ls --target camvault 2>/dev/null | awk '$2 ~ /^\(/ { print $1 }'); do
		dmsetup remove --force "$d" || true
	done
}

# What every test leaves behind, undone (the default EXIT trap; a test with more to undo calls it
# from its own): the mount on /run/mnt, vaults, the loop device of make_loop, the module.
guest_cleanup() {
	umount /run/mnt 2>/dev/null || true
	remove_vaults
	if [ -n "${loop:-}" ]; then losetup -d "$loop" 2>/dev/null || true; fi
	unload_camvault || true
}
trap guest_cleanup EXIT

# expect_fail CMD...: the command must fail.
expect_fail() {
	if "$@"; then fail "expected failure: $*"; fi
	return 0
}

# assert_no_usable_key DESC_REGEX: no key matching it in /proc/keys, but invalidated ones (flag i), which
# the kernel lists until its key GC's work item has run.
assert_no_usable_key() {
	local live
	live=$(awk -v re="$1" '$0 ~ re && $2 !~ /i/' /proc/keys)
	[ -z "$live" ] || fail "a camvault key is still usable in a keyring: $live"
}

# assert_match REGEX TEXT
assert_match() {
	grep -qE -- "$1" <<< "$2" || fail "expected /$1/ in: $2"
}

# run NAME CMD...: runs CMD as a child and notes "NAME PID" in $PIDS (a file), for matching records to it.
run() {
	local name=$1 pid
	shift
	"$@" &
	pid=$!
	wait $pid || fail "$name failed"
	echo "$name $pid" >> "$PIDS"
}

# trace_start TIER ARGS...: "$cv trace" (cv: the camvault to run) at TIER with ARGS, its records as JSON in
# /run/trace.json, its stderr in /run/trace.err; returns once it is ready for records ($tracer: its pid).
trace_start() {
	local tier=$1
	shift
	CAMVAULT_ETC=/run/noetc "$cv" trace --tier "$tier" --format json "$@" > /run/trace.json 2> /run/trace.err &
	tracer=$!
	# Loading takes about 65 s under KASAN + TCG (the verifier); well under a second on a Pi.
	for _ in $(seq 3000); do
		grep -q "^trace: ready" /run/trace.err && break
		kill -0 "$tracer" 2> /dev/null || break
		sleep 0.1
	done
	grep -q '^trace: ready' /run/trace.err || fail "trace did not start: $(cat /run/trace.err)"
}

# trace_stop: ends trace_start's trace, which must have lost nothing.
trace_stop() {
	sleep 0.5
	kill -INT "$tracer"
	wait "$tracer" || fail "trace failed: $(cat /run/trace.err)"
	tracer=
	cat /run/trace.err
	grep -q 'lost: 0 records (ring buffer full), 0 sessions (table full)' /run/trace.err ||
		fail "lost records: $(tail -n 1 /run/trace.err)"
}

# A loop device over a fresh sparse image of SIZE (default 64M): sets $img and $loop.
make_loop() {
	modprobe loop 2>/dev/null || true
	img=$(mktemp /run/img.XXXXXX)
	truncate -s "${1:-64M}" "$img"
	loop=$(losetup -f --show "$img")
}

# add_key DESC BYTES [KEYFILE]: a random logon key of BYTES in the session keyring (saved to KEYFILE).
add_key() {
	local f=${3:-$(mktemp /run/key.XXXXXX)}
	head -c "$2" /dev/urandom > "$f"
	keyctl padd logon "$1" @s < "$f" > /dev/null
}

# The block device of dm device NAME (no udev here: devtmpfs's /dev/dm-N).
dm_dev() {
	echo "/dev/$(dmsetup info -c --noheadings -o blkdevname "$1")"
}

# vault NAME CIPHER KEYDESC KEYBYTES DEV [opts...]: a camvault device over all of DEV.
vault() {
	local name=$1 cipher=$2 desc=$3 bytes=$4 dev=$5
	shift 5
	local opts=""
	[ $# -gt 0 ] && opts=" $# $*"
	dmsetup create "$name" --table "0 $(blockdev --getsz "$dev") camvault $cipher :$bytes:logon:$desc $dev 0$opts"
}

# sized NORMAL KASAN: a data size for this kernel. The KASAN + lockdep 6.12 kernel runs the crypto
# several times slower under TCG: smaller data there keeps the suite's time, not its coverage.
sized() {
	if [ "${KERNEL:-}" = pi612 ]; then echo "$2"; else echo "$1"; fi
}

# kmemleak: the 6.12 test kernel has it, active when booted with kmemleak=on (check-guest.sh's leak boot,
# which sets CAMVAULT_KMEMLEAK=1 and so insists on it). kmemleak_mark forgets what was reported so far;
# kmemleak_check fails the test when an unreferenced object allocated since then came from camvault.ko or
# device-mapper, or was allocated by dmsetup or camvault. Without kmemleak active: a note.
KMEMLEAK=/sys/kernel/debug/kmemleak
KMEMLEAK_ON=
kmemleak_mark() {
	# "clear" succeeds even when kmemleak is off; any other command then fails with EPERM.
	if [ -e $KMEMLEAK ] && (echo scan=off > $KMEMLEAK) 2>/dev/null; then
		echo clear > $KMEMLEAK
		KMEMLEAK_ON=1
	elif [ -n "${CAMVAULT_KMEMLEAK:-}" ]; then
		fail "kmemleak is not active in this boot (booted with kmemleak=on?)"
	fi
	return 0
}
kmemleak_check() {
	local leaks
	if [ -z "$KMEMLEAK_ON" ]; then
		echo "kmemleak: not active in this boot, leaks not checked here"
		return 0
	fi
	# Objects younger than 5 s are never reported; two scans settle what the first one saw as gray.
	sleep 6
	echo scan > $KMEMLEAK
	echo scan > $KMEMLEAK
	leaks=$(awk -v pat='\\[camvault\\]|dm_|comm "(dmsetup|camvault)"' \
		'/^unreferenced object/ { if (b ~ pat) printf "%s", b; b = "" } { b = b $0 "\n" }
		END { if (b ~ pat) printf "%s", b }' $KMEMLEAK)
	[ -z "$leaks" ] || fail "kmemleak found leaks: $leaks"
	echo "kmemleak: nothing leaked by camvault or device-mapper"
}

# The probes' tier a test asks for (lsm, fentry, kprobe, tracepoint; auto: the best): on Debian's stock
# kernels every tier a test is run at must work; on another kernel one it lacks is a skip, saying why (a kernel without BTF,
# BPF LSM or kprobes: the Pi-profile 6.12). The syscall-tracepoint tier is the floor: never skipped.
need_tier() {
	local tier=$1 err
	case $tier in auto | tracepoint) return 0 ;; esac
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
	# Without kernel BTF, the BTF built with the module, as the agent would find it once it is installed.
	[ -r /sys/kernel/btf/vmlinux ] || export CAMVAULT_BTF=${CAMVAULT_KO%/*}/camvault.btf
	err=$(CAMVAULT_ETC=/run/noetc "$cv" trace --tier "$tier" --no-cameras --seconds 0.01 2>&1 > /dev/null) &&
		return 0
	err=$(grep -m 1 '^camvault:' <<< "$err")
	case $KERNEL in debian61 | debian612 | arm64 | arm64-612) fail "the $tier tier does not work on $(uname -r): $err" ;; esac
	skip "no $tier tier on $(uname -r): ${err#camvault: }"
}
