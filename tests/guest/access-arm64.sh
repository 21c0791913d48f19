# Who touches footage on arm64, a Raspberry Pi's architecture (Debian's arm64 6.1 kernel on qemu's
# Cortex-A72, the Pi 4's core), recorded by the probes at the tier $TIER: camvault and its probes as an
# arm64 build makes them (tests/scripts/build-arm64.sh), arm64 programs (coreutils' cat, dd, rm, mv,
# truncate) and a 32-bit one (read32-arm: arm's EABI syscalls, as an armhf userland makes them, which the
# tracepoint tier maps by arm's table), on a tmpfs watched as a vault's filesystem. Each gives its record
# with the right comm, exe, path and exact byte counts; nothing else is recorded and nothing is lost.
# NOBTF=1 hides the kernel's BTF, as a Pi's kernel has none, and gives the probes a copy of it as their
# BTF file: the tracepoint tier then reads the task and the syscall's registers with helper calls, as on
# a Pi. Sourced by tests/guest/arm64/41-access-*.sh.
. "$TOP/tests/guest/lib.sh"
tracer=
trap 'kill $tracer 2>/dev/null || true; umount /run/v /sys/kernel/btf 2>/dev/null || true' EXIT
read32=$TOP/build/arm64/read32-arm
[ -x "$cv" ] && [ -x "$read32" ] || fail "no arm64 build in $TOP/build/arm64 (tests/scripts/build-arm64.sh)"
if [ "${NOBTF:-}" = 1 ]; then
	cp /sys/kernel/btf/vmlinux /run/vmlinux.btf
	mount -t tmpfs none /sys/kernel/btf
	export CAMVAULT_BTF=/run/vmlinux.btf
fi
mkdir -p /run/v
mount -t tmpfs tmpfs /run/v
dir=/run/v/recordings/2026-11-25/12/cam0
mkdir -p "$dir"
clip=$dir/00.10.mp4
head -c 300000 /dev/urandom > "$clip"
head -c 5000 /dev/urandom > "$dir/00.20.mp4"
head -c 7000 /dev/urandom > "$dir/00.30.mp4"
# The Cortex-A72 runs 32-bit programs (AArch32 at EL0), and Debian's kernel has COMPAT: it must run.
head -c 8192 /dev/zero > /run/read32.in
"$read32" /run/read32.in || fail "the 32-bit arm program does not run here"

need_tier "$TIER"
trace_start "$TIER" --fs /run/v
PIDS=/run/pids
: > $PIDS
run cat bash -c "exec cat $clip > /dev/null"
run dd dd if="$clip" of=/dev/null bs=4096 count=2 status=none
run read32 "$read32" "$clip"
run rm rm "$dir/00.20.mp4"
run mv mv "$dir/00.30.mp4" "$dir/moved.mp4"
run truncate truncate -s 0 "$dir/moved.mp4"
cat /run/read32.in > /dev/null	# not watched: no record
trace_stop

python3 - /run/trace.json /run/pids "$TIER" "$dir" "$(stat -c %s "$clip")" "$read32" "${NOBTF:-0}" <<'PY' || fail records
import os, shutil, sys
sys.path.insert(0, os.environ["TOP"] + "/tests/guest")
from records import Records
rs = Records(sys.argv[1], sys.argv[2], sys.argv[3])
of, check = rs.of, rs.check
d, size, read32, nobtf = sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7] == "1"
clip = d + "/00.10.mp4"
exe = lambda name: os.path.realpath(shutil.which(name))

check("cat", of("cat", type="session", path=clip), comm="cat", exe=exe("cat"), uid=0, bytes_read=size,
      bytes_written=0)
check("dd", of("dd", type="session", path=clip), comm="dd", exe=exe("dd"), bytes_read=8192)
# arm's EABI: open, read to the end, pread64 4 KiB, mmap2 and munmap, sendto 127.0.0.1:5004, close;
# then openat and close.
check("read32", of("read32", type="session", path=clip, bytes_read=size + 4096), comm="read32-arm", exe=read32,
      bytes_written=0, mmaps=1, open_flags=lambda f: (f & 3) == 0,
      peer={"family": "ipv4", "addr": "127.0.0.1", "port": 5004})
check("read32 openat", of("read32", type="session", path=clip, bytes_read=0), comm="read32-arm")
of("rm", type="unlink", path=d + "/00.20.mp4")
of("mv", type="rename", path=d + "/00.30.mp4", path2=d + "/moved.mp4")
of("truncate", type="truncate", path=d + "/moved.mp4")
for r in rs.recs:
    if not r["path"].startswith("/run/v/"):
        rs.bad.append(f"a file outside the watched filesystem was recorded: {r}")
rs.finish(f"arm64, kernel BTF {'hidden (helper reads)' if nobtf else 'used'}")
PY
echo "arm64 access records OK"
