# Who touches footage, recorded in this kernel by the probes at the tier $TIER (through "camvault trace
# --tier"), with real tools on an ext4 vault: cat, cp out, a shell that reads and then execs cat, dd of the
# raw vault device and of the backing image, an mmap reader, a sendfile copier to a TCP socket, fio over
# io_uring, ffprobe, rm, mv, truncate; the vivid camera streamed by v4l2-ctl where the kernel has vivid as a
# loadable module; and a 32-bit (i386) reader where the kernel runs them. Each gives its record with the
# right pid, comm, exe, uid, path, tier and exact byte counts; the copy outside the vault gives none; nothing
# is lost. What a tier cannot see the record says (io_uring at the syscall tier). The 32-bit reader's
# syscalls have no trace events: the syscall tier follows them from the raw syscall tracepoints.
# Sourced by t/41-access-TIER.sh.
. "$TOP/tests/guest/lib.sh"
tracer=
trap 'kill $tracer 2>/dev/null || true; umount /run/v41 2>/dev/null || true; guest_cleanup' EXIT
cv=$TOP/agent/camvault

# Without kernel BTF the probes take camvault.btf, built with the module.
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	export CAMVAULT_BTF=${CAMVAULT_KO%/*}/camvault.btf
	[ -r "$CAMVAULT_BTF" ] || fail "no kernel BTF and no $CAMVAULT_BTF built with the module"
fi
need_tier "$TIER"
load_camvault
# The guest starts with the loopback interface down; the sendfile copier needs 127.0.0.1.
ip link set lo up
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
make_loop 64M
add_key camvault:t41 64
vault cv41 aes-xts-plain64 camvault:t41 64 "$loop"
dev=$(dm_dev cv41)
mkfs.ext4 -q "$dev"
mkdir -p /run/v41
mount "$dev" /run/v41
dir=/run/v41/recordings/2026-11-25/12/cam0
mkdir -p "$dir"
ffmpeg -loglevel error -f lavfi -i testsrc=duration=2:size=160x120:rate=10 -c:v mpeg4 "$dir/00.00.mp4"
head -c 300000 /dev/urandom > "$dir/00.10.mp4"
head -c 5000 /dev/urandom > "$dir/00.20.mp4"
head -c 7000 /dev/urandom > "$dir/00.30.mp4"
sync

camera=
if modprobe vivid n_devs=1 node_types=0x1 2>/dev/null && [ -c /dev/video0 ]; then camera=/dev/video0; fi
# A 32-bit program, tried before the probes start: a kernel without IA32 emulation cannot exec it.
read32=
as --32 -I "$TOP/tests/guest" "$TOP/tests/guest/read32.s" -o /run/read32.o && ld -m elf_i386 -o /run/read32 /run/read32.o ||
	fail "cannot build the 32-bit reader (binutils)"
head -c 8192 /dev/zero > /run/read32.in
# 126: the kernel cannot exec it; any other failure is the program's, or the kernel's.
runs_32bit() {
	"$1" /run/read32.in 2>/dev/null
	case $? in
	0) return 0 ;;
	126) return 1 ;;
	*) fail "$1 failed on a plain file" ;;
	esac
}
if runs_32bit /run/read32; then read32=/run/read32; fi
# And a 64-bit program making the same 32-bit syscalls (int $0x80): compat syscalls too, which a kernel
# without IA32 emulation (the one that cannot run read32) answers with a SIGSEGV.
int80=
as -I "$TOP/tests/guest" "$TOP/tests/guest/int80.s" -o /run/int80.o && ld -o /run/int80 /run/int80.o || fail "cannot build int80 (binutils)"
if [ -n "$read32" ] && runs_32bit /run/int80; then int80=/run/int80; fi

trace_start "$TIER" --fs /run/v41 --file "$dev" --file "$img"

# Each workload runs as a child whose pid is noted: "name pid".
PIDS=/run/pids
: > $PIDS
clip=$dir/00.10.mp4
run cat sh -c "exec cat $clip > /dev/null"
run cp cp "$clip" /run/copy.mp4
# One process, two executables: the shell reads the clip, then execs cat, which reads it too.
run exec sh -c "read -r x < $clip; exec cat $clip > /dev/null"
run dd-dev dd if="$dev" of=/dev/null bs=4096 count=16 iflag=direct status=none
run dd-img dd if="$img" of=/dev/null bs=4096 count=4 status=none
run mmap python3 -c "import mmap,sys; f=open(sys.argv[1],'rb'); m=mmap.mmap(f.fileno(),0,prot=mmap.PROT_READ); m[:4096]; m.close(); f.close()" "$clip"
python3 - > /run/sink.port <<'PY' &
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
while c.recv(65536):
    pass
PY
sink=$!
for _ in $(seq 50); do [ -s /run/sink.port ] && break; sleep 0.1; done
port=$(cat /run/sink.port)
run sendfile python3 -c "import os,socket,sys; s=socket.create_connection(('127.0.0.1',int(sys.argv[2]))); f=open(sys.argv[1],'rb'); n=os.fstat(f.fileno()).st_size; o=0
while o<n: o+=os.sendfile(s.fileno(),f.fileno(),o,n-o)
s.close()" "$clip" "$port"
wait $sink
run fio fio --name=r --thread --filename="$clip" --rw=read --bs=4k --size=64k --ioengine=io_uring --direct=1 \
	--output=/dev/null
run ffprobe ffprobe -loglevel error -show_format "$dir/00.00.mp4" > /dev/null
run rm rm "$dir/00.20.mp4"
run mv mv "$dir/00.30.mp4" "$dir/moved.mp4"
run truncate truncate -s 0 "$dir/moved.mp4"
[ -n "$camera" ] && run camera v4l2-ctl -d "$camera" --stream-mmap --stream-count=5
[ -n "$read32" ] && run read32 "$read32" "$clip"
[ -n "$int80" ] && run int80 "$int80" "$clip"
trace_stop

python3 - /run/trace.json /run/pids "$dir" "$dev" "$img" "$port" "${camera:-}" "$(stat -c %s "$clip")" "$TIER" \
	"${read32:-}" "${int80:-}" <<'PY' || fail "records"
import os, sys
sys.path.insert(0, os.environ["TOP"] + "/tests/guest")
from records import Records
rs = Records(sys.argv[1], sys.argv[2], sys.argv[9])
of, check = rs.of, rs.check
d, dev, img, port, camera, size = sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7], int(sys.argv[8])
read32, int80 = sys.argv[10], sys.argv[11]
hooks = rs.tier != "syscall-tracepoint"
clip = d + "/00.10.mp4"

r = of("cat", type="session", path=clip)
check("cat", r, comm="cat", exe="/usr/bin/cat", uid=0, bytes_read=size, bytes_written=0)
r = of("cp", type="session", path=clip)
check("cp", r, comm="cp", exe="/usr/bin/cp", bytes_read=size)
if any(r["path"] == "/run/copy.mp4" for r in rs.recs):
    rs.bad.append("the copy outside the vault was recorded")
# The probes keep each process's executable path: an exec must show the new one.
check("exec", of("exec", type="session", path=clip, comm="sh"), exe=os.path.realpath("/bin/sh"))
check("exec", of("exec", type="session", path=clip, comm="cat"), exe="/usr/bin/cat", bytes_read=size)
check("dd-dev", of("dd-dev", type="session", path=dev), comm="dd", bytes_read=65536)
check("dd-img", of("dd-img", type="session", path=img), comm="dd", bytes_read=16384)
check("mmap", of("mmap", type="session", path=clip), comm="python3", mmaps=1)
r = of("sendfile", type="session", path=clip)
check("sendfile", r, bytes_read=size, peer={"family": "ipv4", "addr": "127.0.0.1", "port": port})
# io_uring: the syscall tier knows the process uses it; the hook tiers count its reads at completion.
if hooks:
    check("fio", of("fio", type="session", path=clip), bytes_read=65536, flags=lambda f: "uncounted_io" not in f)
else:
    check("fio", of("fio", type="session", path=clip), flags=lambda f: "unobserved_io" in f)
check("ffprobe", of("ffprobe", type="session", path=d + "/00.00.mp4"), comm="ffprobe",
      bytes_read=lambda b: b > 0)
of("rm", type="unlink", path=d + "/00.20.mp4")
of("mv", type="rename", path=d + "/00.30.mp4", path2=d + "/moved.mp4")
of("truncate", type="truncate", path=d + "/moved.mp4")
if camera:
    r = of("camera", type="session", path=camera)
    check("camera", r, comm="v4l2-ctl", streamons=1, dqbufs=lambda n: n >= 5, flags=lambda f: "camera" in f)
# A 32-bit program (i386 syscalls): seen at every tier, at the tracepoint tier through the raw sys_enter
# and sys_exit tracepoints (its syscalls have no trace events). read32: open, read to the end, pread64 4 KiB,
# mmap2 and munmap, send 4 KiB to 127.0.0.1:5004 through socketcall, close; then openat and close.
if read32:
    r = of("read32", type="session", path=clip, bytes_read=size + 4096)
    check("read32", r, comm="read32", exe=read32, bytes_written=0, mmaps=1, open_flags=lambda f: (f & 3) == 0,
          peer={"family": "ipv4", "addr": "127.0.0.1", "port": 5004})
    check("read32 openat", of("read32", type="session", path=clip, bytes_read=0), comm="read32", exe=read32)
if int80:
    check("int80", of("int80", type="session", path=clip), comm="int80", exe=int80, bytes_read=size)
rs.finish(f"camera {'tested' if camera else 'not in this kernel'}",
          f"32-bit reader {'tested' if read32 else 'not run by this kernel (no IA32 emulation)'}",
          f"int $0x80 reader {'tested' if int80 else 'not run by this kernel'}")
PY
echo "access records OK"
