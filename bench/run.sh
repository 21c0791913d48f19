#!/usr/bin/env bash
# make bench (not a test): numbers for docs/PERFORMANCE.md, as markdown tables.
#  - the access probes natively, on this machine's kernel (bench/probes.sh host);
#  - in a Debian 6.1 guest boot (bench/guest-job.sh): throughput of camvault against dm-crypt, as
#    MB/s and ratios camvault/dm-crypt;
#  - in another, on one vCPU counting instructions (bench/guest-probes-job.sh): the probes at each
#    tier the guest kernel has.
# Under TCG emulation only the guest's ratios mean anything.
set -euo pipefail
. "$(dirname "$0")/../tests/scripts/lib.sh"
cd "$TOP"
make -s bpf agent
make -s -C bench
out=$TOP/build/bench
mkdir -p "$out"

# Other work on this machine (a CI run's guests, a kernel build) perturbs every number: say so.
busy() {
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(pgrep -c qemu-system || true) qemu guest(s) running"
}

# The probes' table of one TSV from probes.sh: medians over the repetitions; an overhead is the
# median over repetitions of (rate off / rate on - 1), each pair measured a few seconds apart.
probes_table() {
	python3 - "$1" <<'PY'
import csv, statistics as st, sys
lines = open(sys.argv[1]).read().splitlines()
notes = [l[2:] for l in lines if l.startswith("#")]
rows = list(csv.DictReader([l for l in lines if not l.startswith("#")], delimiter="\t",
                          quoting=csv.QUOTE_NONE))
med = lambda xs: st.median(xs)
k = lambda x: f"{x / 1000:.1f}k" if x < 100e3 else f"{x / 1000:.0f}k"
def over(rs, off, on):
    o = sorted((float(r[off]) / float(r[on]) - 1) * 100 for r in rs)
    return f"{med(o):+.1f} % ({o[0]:+.0f}…{o[-1]:+.0f})" if len(o) > 1 else f"{o[0]:+.1f} %"
def lost(rs, p):
    n = sum(int(r[p + "sessions"]) for r in rs)
    gone = sum(int(r[p + "lost_records"]) + int(r[p + "lost_sessions"]) for r in rs)
    # What the agent neither printed nor counted as lost: should never happen, never hidden.
    odd = n - gone - sum(int(r[p + "records"]) for r in rs)
    s = "0" if not gone else f"**{gone} of {n} ({100 * gone / n:.1f} %)**"
    return s + (f", {odd} unaccounted" if odd else "")
jobs = next((r["jobs"] for r in rows if r["jobs"]), "N")
def cpu(rs, c):
    return med(float(r[c]) for r in rs) / 1000
def cpu_over(rs, off, on):
    o = sorted((float(r[on]) / float(r[off]) - 1) * 100 for r in rs)
    return f"{med(o):+.1f} %" + (f" ({o[0]:+.1f}…{o[-1]:+.1f})" if len(o) > 1 else "")
print(f"| tier | other files off/s | on/s | overhead | CPU µs off → on | CPU overhead | footage off/s | on/s | "
      f"overhead | CPU µs off → on | CPU overhead | lost | footage ×{jobs} off/s | on/s | lost | "
      f"agent RSS peak (steady) | load |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for tier in dict.fromkeys(r["tier"] for r in rows):
    rs = [r for r in rows if r["tier"] == tier and not r["error"]]
    err = [r["error"] for r in rows if r["tier"] == tier and r["error"]]
    got = rs[0]["got"] if rs else ""
    # "auto" says which tier trace picked; an asked-for tier says so only when trace ran another.
    name = (f"{tier} ({got})" if tier == "auto" else
            tier if got.endswith(tier) or not got else f"{tier} (got {got})")
    # floor-TIER: do-nothing programs on TIER's hooks, no agent: nothing recorded, nothing lost, no RSS.
    floor = tier.startswith("floor-")
    if rs:
        m = lambda c: med(float(r[c]) for r in rs)
        hwm = max(int(r["hwm_kib"]) for r in rs) if not floor else 0
        rss = max(int(r["rss_kib"]) for r in rs) if not floor else 0
        print(f"| {name} | {k(m('other_off'))} | {k(m('other_on'))} | {over(rs, 'other_off', 'other_on')} "
              f"| {cpu(rs, 'other_off_ns'):.2f} → {cpu(rs, 'other_on_ns'):.2f} "
              f"| {cpu_over(rs, 'other_off_ns', 'other_on_ns')} "
              f"| {k(m('footage_off'))} | {k(m('footage_on'))} | {over(rs, 'footage_off', 'footage_on')} "
              f"| {cpu(rs, 'footage_off_ns'):.2f} → {cpu(rs, 'footage_on_ns'):.2f} "
              f"| {cpu_over(rs, 'footage_off_ns', 'footage_on_ns')} "
              + (f"| — | {k(m('multi_off'))} | {k(m('multi_on'))} | — | — " if floor else
                 f"| {lost(rs, '')} | {k(m('multi_off'))} | {k(m('multi_on'))} | {lost(rs, 'multi_')} "
                 f"| {hwm / 1024:.1f} MiB ({rss / 1024:.1f}) ")
              + f"| {m('load_s'):.2f} s |")
    for e in err:
        print(f"| {name} | {e.replace('|', '/')} |" + " |" * 15)
print()
for n in notes:
    print(n)
PY
}

say "probes on this machine's kernel ($(busy))"
bench/probes.sh host "$out/probes-host.tsv"
echo
probes_table "$out/probes-host.tsv"
echo

say "guest: dm-crypt against camvault ($(busy))"
rc=0
# fio, about 4 minutes under TCG: more than run-guest's default.
"$TOP/tests/guest/run-guest.sh" --show --timeout 1800 --out "$out/guest" debian61 \
	"$TOP/bench/guest-job.sh" || rc=$?
# The probes in a boot of their own, on one vCPU counting instructions (-icount): the guest's clocks then
# advance by one nanosecond per instruction it runs, so its CPU times are instruction counts, the same
# from one run to the next whatever else this machine does (rates under plain TCG move by 30 % and more).
say "guest: the probes at each tier, counting instructions ($(busy))"
CAMVAULT_GUEST_QEMU="-smp 1 -icount shift=0,sleep=off" "$TOP/tests/guest/run-guest.sh" --show --timeout 1800 \
	--out "$out/guest-probes" debian61 "$TOP/bench/guest-probes-job.sh" || rc=$?
say "guest done ($(busy))"
echo
if [ -f "$out/guest/bench.tsv" ]; then
	python3 - "$out/guest/bench.tsv" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
head, data = rows[0], {r[0]: [float(x) for x in r[1:]] for r in rows[1:]}
cv = data["camvault"]
print("| workload | raw MB/s | dm-crypt | dm-crypt no-wq | camvault | camvault/dm-crypt | camvault/no-wq |")
print("|---|---|---|---|---|---|---|")
for i, name in enumerate(head[1:]):
    r, d, n, c = data["raw"][i], data["dm-crypt"][i], data["dm-crypt-nowq"][i], cv[i]
    print(f"| {name} | {r:.0f} | {d:.1f} | {n:.1f} | {c:.1f} | {c / d:.2f}x | {c / n:.2f}x |")
PY
	echo
fi
if [ -f "$out/guest-probes/probes-guest.tsv" ]; then
	probes_table "$out/guest-probes/probes-guest.tsv"
fi
exit $rc
