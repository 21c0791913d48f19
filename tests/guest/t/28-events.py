#!/usr/bin/env python3
"""Subscribe to the camvault family's "events" multicast group and check, in order, the events of
a vault's life: opened (table loaded), I/O error (after the lock), locked, closed (removed)."""
import socket
import struct
import subprocess
import sys
import time

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1
CMD_EVENT, A_VAULT_NAME, A_VAULT_IO_ERRORS, A_EVENT = 3, 3, 10, 12
EVENTS = {1: "opened", 2: "locked", 3: "closed", 4: "io_error"}


def attrs(buf):
    out = {}
    while len(buf) >= 4:
        alen, kind = struct.unpack_from("HH", buf)
        out[kind & 0x3fff] = buf[4:alen]
        buf = buf[(alen + 3) & ~3:]
    return out


def resolve():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    name = b"camvault\0"
    a = struct.pack("HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name + b"\0" * (-len(name) % 4)
    body = struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + a
    s.send(struct.pack("IHHII", 16 + len(body), GENL_ID_CTRL, 1, 1, 0) + body)
    reply = attrs(s.recv(65536)[20:])
    for grp in attrs(reply[CTRL_ATTR_MCAST_GROUPS]).values():
        g = attrs(grp)
        if g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0") == b"events":
            return struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID])[0]
    raise AssertionError("no events group")


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


grp = resolve()
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sock.bind((0, 0))
sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
sock.settimeout(10)

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
    data = sock.recv(65536)
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
