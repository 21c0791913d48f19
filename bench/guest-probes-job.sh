#!/bin/bash
# make bench, inside the guest booted with -icount (bench/run.sh): the access probes' loops, the same as
# natively, at every tier this kernel has (the host kernel has only one). /run/out/probes-guest.tsv.
set -euo pipefail
# Counted instructions vary by well under 1 % between repetitions: three short ones are plenty.
BENCH_PROBE_SECONDS=1 BENCH_PROBE_REPS=3 "$TOP/bench/probes.sh" guest /run/out/probes-guest.tsv
