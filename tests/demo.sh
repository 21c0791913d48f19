#!/usr/bin/env bash
# make demo: the camvault story in a Debian 6.1 guest with a TPM 2.0 (swtpm), printing each step.
set -euo pipefail
. "$(dirname "$0")/scripts/lib.sh"
cd "$TOP"
say "building the camvault tool and probes"
make -s bpf agent
out=$TOP/build/demo
"$TOP/tests/guest/run-guest.sh" --show --out "$out" debian61 "$TOP/tests/guest/demo-job.sh" || {
	rc=$?
	echo "demo failed (exit $rc); console log: $out/console.log" >&2
	exit $rc
}
say "the HTML report: $out/report.html (open it in a browser); the access log: $out/access.db"
