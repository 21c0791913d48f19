#!/usr/bin/env python3
"""Subscribe to the camvault family's "events" multicast group and check, in order, the events of
a vault's life: opened (table loaded), I/O error (after the lock), locked, closed (removed).
Meanwhile an unprivileged process (nobody) is refused the group and hears none of it.

With --unprivileged: that process. Prints "join ERRNO" (and "bind ERRNO" when the group's id fits
bind's bitmask), then "ready", then, after its stdin closes, "events N": the camvault messages it
received."""
import errno
import os
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from genl import *  # noqa: E402,F403


def count_family_messages(nl):
    """The family's messages nl receives until stdin closes (or 30 s of silence)."""
    n = 0
    while True:
        ready, _, _ = select.select([nl.sock, sys.stdin], [], [], 30)
        if nl.sock in ready:
            data = nl.sock.recv(65536)
            n += len(data) >= 16 and struct.unpack_from("H", data, 4)[0] == nl.family
        elif sys.stdin in ready or not ready:
            return n


if sys.argv[1:] == ["--unprivileged"]:
    nl = Genl()
    print("join", nl.try_join(MCGRP_EVENTS))
    gid = nl.groups[MCGRP_EVENTS]
    if gid <= 32:
        # The other way into a group: bind with its bit in nl_groups.
        other = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        try:
            other.bind((0, 1 << (gid - 1)))
            print("bind 0")
        except OSError as e:
            print("bind", e.errno)
    print("ready", flush=True)
    print("events", count_family_messages(nl))
    sys.exit(0)


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


nobody = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, __file__, "--unprivileged"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
lines = []
for line in nobody.stdout:
    lines.append(line.split())
    if line.strip() == "ready":
        break
refused = [w for w in lines if w[0] in ("join", "bind")]
print("nobody:", refused)
assert refused and all(int(w[1]) == errno.EPERM for w in refused), \
    f"nobody was not refused the events group: {lines}"

nl = Genl()
assert nl.try_join(MCGRP_EVENTS) == 0, "root cannot join the events group"
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

nobody.stdin.close()
rest = nobody.stdout.read().split()
nobody.wait(timeout=30)
print("nobody heard:", rest)
assert rest == ["events", "0"], f"nobody received camvault messages: {rest}"
print("events OK; nobody was refused the group and heard none")
