# Records survive a restart of their reader. "camvault trace --pin" pins the probes in bpffs and is killed
# (SIGKILL) in the middle of a workload that goes on; a second "trace --pin" takes the pinned probes as they
# are (nothing loaded) and reads on from where the first stopped. Across the two outputs every session comes
# exactly once, whole, stamped with the tier: 200 cats, each of its own file (one record each, with that
# file's size), and a reader holding a file open across the restart, reading before and after (one record,
# with all of its bytes); nothing lost. camvault status says meanwhile that the probes run with no reader and
# records wait; a second reader is refused; trace --unpin detaches them at the end (no BPF link left), and
# status then says they do not run. Then the same, in short, at the kprobe and syscall-tracepoint tiers.
. "$TOP/tests/guest/lib.sh"
cv=$TOP/agent/camvault
d=/run/v46
# A directory of this test's own: an agent's pinned probes, if any, stay out of it.
export CAMVAULT_BPFFS=/sys/fs/bpf/camvault-t46 CAMVAULT_ETC=/run/noetc
t1="" t2="" holder="" work=""
cleanup() {
	local p
	for p in $t1 $t2 $holder $work; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	"$cv" trace --unpin 2>/dev/null || true
	umount $d 2>/dev/null || true
	guest_cleanup
}
trap cleanup EXIT

# Without kernel BTF the probes take camvault.btf, built with the module.
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	export CAMVAULT_BTF=${CAMVAULT_KO%/*}/camvault.btf
	[ -r "$CAMVAULT_BTF" ] || fail "no kernel BTF and no $CAMVAULT_BTF built with the module"
fi
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
"$cv" trace --unpin 2>/dev/null || fail "cannot clear $CAMVAULT_BPFFS"
# BPF links in the kernel: unpinned, the probes leave none behind.
nlinks() { bpftool -j link list | python3 -c 'import json, sys; print(len(json.load(sys.stdin) or []))'; }
links_before=$(nlinks)

ncat=$(sized 200 120)
mkdir -p $d
mount -t tmpfs -o size=64m tmpfs $d
for i in $(seq "$ncat"); do head -c $((1000 + 37 * i)) /dev/urandom > $d/f$i; done
head -c 3000000 /dev/urandom > $d/long

# start_trace NAME: trace --pin in the background, into /run/NAME.json and /run/NAME.err; its pid in $tracer.
start_trace() {
	"$cv" trace --pin --format json --no-cameras --fs $d > "/run/$1.json" 2> "/run/$1.err" &
	tracer=$!
	# A load takes about 65 s under KASAN + TCG (the verifier); reusing pinned probes loads nothing.
	for _ in $(seq 3000); do grep -q '^trace: ready' "/run/$1.err" && return 0; sleep 0.1; done
	fail "trace $1 did not start: $(cat "/run/$1.err")"
}

start_trace t1
t1=$tracer
grep -q "^trace: pinned in $CAMVAULT_BPFFS\$" /run/t1.err || fail "trace 1 did not pin the probes: $(cat /run/t1.err)"
tier=$(sed -n 's/^trace: probes at the \([a-z-]*\) tier.*/\1/p' /run/t1.err)
echo "tier: $tier"

# The holder reads 1 MB, says so, waits for the restart, reads the rest, closes, and writes how much it read.
python3 - $d/long /run/holder.half /run/holder.go /run/holder.total <<'PY' &
import os, sys, time
f = open(sys.argv[1], "rb", buffering=0)
n = 0
def read(k):
    global n
    while k > 0:
        b = f.read(min(k, 65536))
        if not b:
            return
        n += len(b)
        k -= len(b)
read(1000000)
open(sys.argv[2], "w").write(str(n))
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
read(1 << 30)
f.close()
open(sys.argv[4], "w").write(str(n))
PY
holder=$!
for _ in $(seq 600); do [ -s /run/holder.half ] && break; sleep 0.1; done
[ -s /run/holder.half ] || fail "the holder did not read"

# The workload: one cat per file, one at a time, each noted "pid index" once done.
: > /run/cats
(
	for i in $(seq "$ncat"); do
		cat $d/f$i > /dev/null &
		p=$!
		wait $p || exit 1
		echo "$p $i" >> /run/cats
	done
) &
work=$!
# cats_done N: wait until N cats are done.
cats_done() {
	for _ in $(seq 6000); do [ "$(wc -l < /run/cats)" -ge "$1" ] && return 0; sleep 0.05; done
	fail "the workload stalled at $(wc -l < /run/cats) cats"
}

cats_done $((ncat / 4))
kill -9 "$t1"
wait "$t1" 2>/dev/null || true
t1=""
killed_at=$(wc -l < /run/cats)

# No reader now: the probes run on, their records wait in the ring buffer.
cats_done $((ncat * 3 / 5))
status=$("$cv" status 2>/dev/null || true)
echo "$status" | grep '^probes'
pinned="^probes: $tier tier, [0-9]+ attached, pinned in $CAMVAULT_BPFFS since [-0-9T:.Z]+"
assert_match "$pinned, not read \(no agent\): records wait in the ring buffer\$" "$status"
assert_match '^probes: lost: 0 records \(ring buffer full\), 0 sessions \(table full\); denied: 0 opens; '\
'sessions open: [0-9]+; waiting: [0-9.]+ [KM]iB of 1.0 MiB$' "$status"
json=$("$cv" status --format json 2>/dev/null || true)
python3 -c '
import json, sys
p = json.loads(sys.argv[1])["probes"]
assert p["running"] and p["reader_pid"] is None and p["tier"] == sys.argv[2], p
assert p["lost_records"] == 0 and p["lost_sessions"] == 0 and p["sessions_open"] >= 1, p
assert p["waiting_bytes"] > 0, p
' "$json" "$tier" || fail "status --format json: $json"

start_trace t2
t2=$tracer
restarted_at=$(wc -l < /run/cats)
grep -q "^trace: reusing the probes pinned in $CAMVAULT_BPFFS since " /run/t2.err ||
	fail "trace 2 did not reuse the pinned probes: $(cat /run/t2.err)"
grep -q "^trace: probes at the $tier tier" /run/t2.err || fail "trace 2 is not at the $tier tier: $(cat /run/t2.err)"
status=$("$cv" status 2>/dev/null || true)
assert_match "$pinned, read by pid $t2\$" "$status"
# One reader at a time.
expect_fail "$cv" trace --pin --no-cameras --fs $d --seconds 1 2> /run/busy.err > /dev/null
grep -q "^camvault: the probes pinned in $CAMVAULT_BPFFS are in use by pid $t2 " /run/busy.err ||
	fail "a second reader: $(cat /run/busy.err)"
expect_fail "$cv" trace --unpin 2> /run/busy.err
grep -q "in use by pid $t2 " /run/busy.err || fail "unpin under a reader: $(cat /run/busy.err)"

# The holder reads the rest; the workload ends; trace 2 takes what is left and stops.
touch /run/holder.go
wait "$holder" || fail "the holder failed"
holder=""
wait "$work" || fail "a cat failed"
work=""
sleep 1
kill -INT "$t2"
wait "$t2" || fail "trace 2 failed: $(cat /run/t2.err)"
t2=""
cat /run/t1.err /run/t2.err
echo "first trace killed after $killed_at cats, second started after $restarted_at"

python3 - /run/t1.json /run/t2.json /run/cats $d "$(cat /run/holder.total)" "$tier" <<'PY' || fail "records"
import collections, json, os, sys
outs = [[json.loads(line) for line in open(f)] for f in sys.argv[1:3]]
cats = {int(p): int(i) for p, i in (line.split() for line in open(sys.argv[3]))}
d, total, tier = sys.argv[4], int(sys.argv[5]), sys.argv[6]
bad = []
seen = collections.defaultdict(list)	# pid: [(which output, record)]
for n, recs in enumerate(outs):
    for r in recs:
        if r["type"] != "session":
            bad.append(f"not a session: {r}")
            continue
        if "still_open" in r["flags"]:
            bad.append(f"still open at the end: {r}")
            continue
        seen[r["pid"]].append((n + 1, r))
        if r["tier"] != tier:
            bad.append(f"tier {r['tier']}, not {tier}: {r}")
        if not r["time"] or not r["close_time"]:
            bad.append(f"no open or close time: {r}")
per_output = [0, 0]
for pid, i in sorted(cats.items(), key=lambda c: c[1]):
    mine = seen.pop(pid, [])
    if len(mine) != 1:
        bad.append(f"cat {i} (pid {pid}): {len(mine)} records, not 1: {mine}")
        continue
    n, r = mine[0]
    per_output[n - 1] += 1
    size = os.path.getsize(f"{d}/f{i}")
    if r["path"] != f"{d}/f{i}" or r["bytes_read"] != size or r["comm"] != "cat":
        bad.append(f"cat {i} (pid {pid}): path {r['path']}, {r['bytes_read']} bytes read by {r['comm']}, not "
                   f"f{i}, {size}, cat")
holder = [(n, r) for pid, rs in list(seen.items()) for n, r in rs if r["path"] == f"{d}/long"]
if len(holder) != 1:
    bad.append(f"the holder: {len(holder)} records, not 1: {holder}")
else:
    n, r = holder[0]
    seen.pop(r["pid"])
    if n != 2 or r["bytes_read"] != total:
        bad.append(f"the holder: {r['bytes_read']} bytes in output {n}, not {total} in output 2: {r}")
if per_output[0] == 0 or per_output[1] == 0:
    bad.append(f"the restart was not in the middle of the workload: {per_output} cats per output")
for pid, rs in seen.items():
    bad.append(f"pid {pid}: unexpected records: {[r for _, r in rs]}")
for b in bad:
    print("FAIL:", b)
print(f"{len(cats)} cats: {per_output[0]} records from the first trace, {per_output[1]} from the second; "
      f"the holder: {total} bytes; {sum(map(len, outs))} records, {len(bad)} wrong")
sys.exit(1 if bad else 0)
PY
grep -q '^trace: [0-9]* records; lost: 0 records (ring buffer full), 0 sessions (table full)' /run/t2.err ||
	fail "lost records: $(tail -n 1 /run/t2.err)"

# unpin_ok: trace --unpin detaches the probes, and leaves nothing pinned nor attached.
unpin_ok() {
	local out
	out=$("$cv" trace --unpin 2>&1) || fail "trace --unpin: $out"
	grep -q "^trace: unpinned the probes in $CAMVAULT_BPFFS: detached\$" <<< "$out" || fail "trace --unpin: $out"
	[ ! -e "$CAMVAULT_BPFFS" ] || fail "$CAMVAULT_BPFFS is still there after trace --unpin"
	[ "$(nlinks)" = "$links_before" ] || fail "$(nlinks) BPF links after trace --unpin, $links_before before"
	status=$("$cv" status 2>/dev/null || true)
	assert_match '^probes: not running \(no agent\)$' "$status"
}
unpin_ok
echo "restart OK: every record once, nothing lost"

# The other kinds of probes pin, and are taken up again, the same way: a session while nothing reads, then
# read by the next trace --pin, with their tier; asking a pinned set for another tier fails. The kprobe
# tier's links are perf events, and so are the syscall tracepoints', which are another object; the fentry
# tier is the lsm tier's object and kind of link. A kernel with the syscall tracepoints only (pi612) has no
# other tier.
if [ "$tier" != lsm ]; then
	echo "other tiers: this kernel offers $tier only"
	exit 0
fi
# A 32-bit program's reads too, where the kernel runs one: the tracepoint tier follows them through a
# program array, which must keep its programs while only pinned.
read32=
if as --32 "$TOP/tests/guest/read32.s" -o /run/read32.o && ld -m elf_i386 -o /run/read32 /run/read32.o &&
	/run/read32 $d/long 2>/dev/null; then
	read32=/run/read32
fi
for other in kprobe tracepoint; do
	"$cv" trace --pin --tier $other --no-cameras --fs $d --seconds 0.5 > /dev/null 2> /run/o1.err ||
		fail "trace --pin --tier $other: $(cat /run/o1.err)"
	grep -q "^trace: pinned in $CAMVAULT_BPFFS\$" /run/o1.err || fail "$other not pinned: $(cat /run/o1.err)"
	expect_fail "$cv" trace --pin --tier lsm --no-cameras --fs $d --seconds 0.5 2> /run/o1.err > /dev/null
	grep -q "run at the [a-z-]* tier, not lsm: ask for no tier to use them" /run/o1.err ||
		fail "another tier asked of pinned $other probes: $(cat /run/o1.err)"
	cat $d/f7 > /dev/null &
	p=$!
	wait $p
	p32=0
	if [ -n "$read32" ]; then
		$read32 $d/long &
		p32=$!
		wait $p32 || fail "read32 $d/long failed"
	fi
	"$cv" trace --pin --format json --no-cameras --fs $d --seconds 0.5 > /run/o2.json 2> /run/o2.err ||
		fail "trace --pin after --tier $other: $(cat /run/o2.err)"
	grep -q "^trace: reusing the probes pinned in $CAMVAULT_BPFFS since " /run/o2.err ||
		fail "pinned $other probes not reused: $(cat /run/o2.err)"
	python3 - /run/o2.json $p $other $d/f7 $p32 $d/long <<'PY' || fail "$other: $(cat /run/o2.json)"
import json, os, sys
recs = [json.loads(line) for line in open(sys.argv[1])]
pid, tier, path, pid32 = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
tier = "syscall-tracepoint" if tier == "tracepoint" else tier
mine = [r for r in recs if r["pid"] == pid]
assert len(mine) == 1 and mine[0]["tier"] == tier and mine[0]["path"] == path, mine
assert mine[0]["bytes_read"] == os.path.getsize(path), mine
# read32: a session reading the file and 4 KiB more, then one reading nothing (see read32.s)
long = sys.argv[6]
got32 = sorted(r["bytes_read"] for r in recs if r["pid"] == pid32 and r["path"] == long) if pid32 else []
assert not pid32 or got32 == [0, os.path.getsize(long) + 4096], f"read32: {got32}"
print(f"{tier}: pinned, the cat read while nothing read the probes came in the next trace --pin"
      f"{', and the 32-bit reader' if pid32 else ''}")
PY
	unpin_ok
done
