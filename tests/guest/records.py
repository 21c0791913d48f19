# SPDX-License-Identifier: GPL-2.0
"""The records of a guest access test (camvault trace --format json), matched to the processes its workload ran
(a file of "name pid" lines, lib.sh's run): of() finds a process's record, check() looks at its fields,
settle() at what every record must be; what is wrong collects in bad, and finish() reports it."""
import json
import sys

TIERS = {"tracepoint": "syscall-tracepoint"}  # --tier's names that records spell otherwise


class Records:
    def __init__(self, trace, pids, tier):
        self.recs = [json.loads(line) for line in open(trace)]
        self.pids = dict(line.split() for line in open(pids))
        self.tier = TIERS.get(tier, tier)
        self.bad = []

    def of(self, name, **want):
        """The first record of the process run as name with those fields (values compared as given)."""
        pid = int(self.pids[name])
        mine = [r for r in self.recs if r["pid"] == pid and all(r.get(k) == v for k, v in want.items())]
        if not mine:
            self.bad.append(f"{name} (pid {pid}): no record with {want}; "
                            f"its records: {[r for r in self.recs if r['pid'] == pid]}")
            return None
        return mine[0]

    def check(self, name, r, **want):
        """r's fields as wanted: a value, or a function of the field that says whether it is right."""
        if r is None:
            return
        for k, v in want.items():
            got = r[k] if k in r else None
            if callable(v) and not v(got) or not callable(v) and got != v:
                self.bad.append(f"{name}: {k} is {got!r}, not {v!r}: {r}")

    def settle(self):
        """Every record is of the tier asked for, and counts every byte. At the kprobe tier, a file opened
        before the probes ran (a loop device's backing file) has its first I/O uncounted, and says so."""
        for r in self.recs:
            if r["tier"] != self.tier:
                self.bad.append(f"a record of the {r['tier']} tier, not {self.tier}: {r}")
            unseen_first = self.tier == "kprobe" and "open_unseen" in r["flags"]
            if "uncounted_io" in r["flags"] and not unseen_first:
                self.bad.append(f"uncounted I/O where every byte should count: {r}")

    def finish(self, *notes):
        self.settle()
        for b in self.bad:
            print("FAIL:", b)
        print(f"{self.tier} tier: {len(self.recs)} records checked, {len(self.bad)} wrong", *notes, sep="; ")
        sys.exit(1 if self.bad else 0)
