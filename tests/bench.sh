#!/usr/bin/env bash
# make bench (not a test): throughput of camvault against dm-crypt in one Debian 6.1 guest boot,
# printed as MB/s and as ratios camvault/dm-crypt. TCG emulation: only the ratios mean anything.
set -euo pipefail
. "$(dirname "$0")/scripts/lib.sh"
cd "$TOP"
make -s bpf agent
out=$TOP/build/bench
"$TOP/tests/guest/run-guest.sh" --show --out "$out" debian61 "$TOP/tests/guest/bench-job.sh"
echo
python3 - "$out/bench.tsv" <<'PY'
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
