#!/usr/bin/env python3
"""Subscribe to the camvault family's "events" multicast group and check, in order, the events of
a vault's life: opened (table loaded), I/O error (after the lock), locked, closed (removed)."""
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from genl import *  # noqa: E402,F403

EVENTS = {1: "opened", 2: "locked", 3: "closed", 4: "io_error"}


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


nl = Genl()
nl.join("events")
nl.sock.settimeout(10)

loop = sys.argv[1]
sh(f"dmsetup create cv8 --table \"0 8192 camvault aes-xts-plain64 :64:logon:camvault:t28 {loop} 0\"")
sh("dmsetup message cv8 0 key wipe")
subprocess.run("dd if=$(echo /dev/$(dmsetup info -c --noheadings -o blkdevname cv8)) of=/dev/null "
               "bs=4k count=1 iflag=direct status=none", shell=True)
time.sleep(0.5)
sh("dmsetup remove cv8")

got = []
deadline = time.time() + 10
while len(got) < 4 and time.time() < deadline:
    data = nl.sock.recv(65536)
    cmd = data[16]
    if cmd != CMD_EVENT:
        continue
    a = attrs(data[20:])
    ev = EVENTS.get(struct.unpack("I", a[A_EVENT])[0], "?")
    name = a[A_VAULT_NAME].rstrip(b"\0").decode()
    errors = struct.unpack("Q", a[A_VAULT_IO_ERRORS])[0] if A_VAULT_IO_ERRORS in a else None
    print(f"event {ev} {name} {errors if errors is not None else ''}")
    got.append((ev, name, errors))

want = [("opened", "cv8"), ("locked", "cv8"), ("io_error", "cv8"), ("closed", "cv8")]
assert [(e, n) for e, n, _ in got] == want, f"events {got}, wanted {want}"
assert got[2][2] >= 1, "io_error event without an error count"
print("events OK")
