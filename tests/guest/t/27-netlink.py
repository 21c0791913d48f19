#!/usr/bin/env python3
"""Malformed generic netlink requests to the camvault family get clean errors (never a crash):
a missing or mistyped attribute, an over-long name, an unknown attribute or command. And nothing
of the family answers a process without CAP_SYS_ADMIN and CAP_NET_ADMIN: not status, not the
vault list (names, locked states, byte counters), not the events group.

With --probe: the errnos this process gets, one "what errno" per line (run by the test itself
under setpriv)."""
import errno
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from genl import *  # noqa: E402,F403

if sys.argv[1:] == ["--probe"]:
    # The socket is opened here, with this process's credentials: the kernel checks its opener's.
    nl = Genl()
    err, _, replies = nl.call(CMD_GET_STATUS)
    print("status", err if not (err == 0 and not replies) else "noreply")
    err, _, replies = nl.call(CMD_GET_VAULTS, flags=NLM_F_DUMP)
    # A refused dump must say nothing of any vault, whatever its errno.
    print("vaults", err if not (err and replies) else "leaked")
    print("lock", nl.call(CMD_LOCK, s("nosuch"))[0])
    print("join", nl.try_join(MCGRP_EVENTS))
    sys.exit(0)

nl = Genl()
failures = 0


def expect(what, got, want, msg_part=None):
    global failures
    err, msg, _ = got
    ok = err == want and (msg_part is None or msg_part in msg)
    print(f"{'ok' if ok else 'FAIL'}: {what}: {errno.errorcode.get(err, err)} '{msg}'")
    failures += not ok


expect("lock without a name", nl.call(CMD_LOCK), errno.EINVAL, "is required")
expect("lock with an unterminated name", nl.call(CMD_LOCK, attr(A_VAULT_NAME, b"abcd")), errno.EINVAL)
expect("lock with an over-long name", nl.call(CMD_LOCK, attr(A_VAULT_NAME, b"x" * NAME_MAXLEN + b"\0")),
       errno.EINVAL)
expect("lock with an unknown attribute", nl.call(CMD_LOCK, attr(A_MAX + 1, b"\0\0\0\0")), errno.EINVAL)
expect("lock of a missing vault", nl.call(CMD_LOCK, s("nosuch")), errno.ENODEV, "no camvault vault")
expect("arm without a grace period", nl.call(CMD_ARM, s("nosuch")), errno.EINVAL, "grace period")
expect("arm with a grace of 30 days", nl.call(CMD_ARM, s("nosuch") + u32(A_GRACE_MS, 30 * 86400000)),
       errno.ERANGE)
expect("status with a truncated attribute", nl.call(CMD_GET_STATUS, struct.pack("HH", 8, A_NUM_VAULTS)),
       errno.EINVAL)
expect("unknown command", nl.call(CMD_MAX + 1), errno.EOPNOTSUPP)
expect("status still answers", nl.call(CMD_GET_STATUS), 0)
expect("the vault list still answers", nl.call(CMD_GET_VAULTS, flags=NLM_F_DUMP), 0)


def probe(what, prefix, want):
    """Runs this script with --probe under prefix (a setpriv command line) and checks each errno."""
    global failures
    out = subprocess.run(prefix + [sys.executable, __file__, "--probe"], capture_output=True,
                         text=True)
    got = dict(line.split() for line in out.stdout.splitlines() if len(line.split()) == 2)
    for key, err in want.items():
        ok = out.returncode == 0 and got.get(key) == str(err)
        print(f"{'ok' if ok else 'FAIL'}: {what}: {key}: {got.get(key)} (want {err}) "
              f"{out.stderr.strip() if not ok else ''}")
        failures += not ok


EPERM = errno.EPERM
refused = {"status": EPERM, "vaults": EPERM, "lock": EPERM, "join": EPERM}
probe("root", [], {"status": 0, "vaults": 0, "lock": errno.ENODEV, "join": 0})
probe("nobody", ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], refused)
# Both capabilities are needed: either one alone is refused everything.
probe("root without CAP_SYS_ADMIN", ["setpriv", "--bounding-set=-sys_admin"], refused)
probe("root without CAP_NET_ADMIN", ["setpriv", "--bounding-set=-net_admin"], refused)
sys.exit(1 if failures else 0)
