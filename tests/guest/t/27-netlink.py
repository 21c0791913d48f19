#!/usr/bin/env python3
"""Malformed generic netlink requests to the camvault family get clean errors (never a crash):
a missing or mistyped attribute, an over-long name, an unknown attribute or command."""
import errno
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from genl import *  # noqa: E402,F403

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
expect("lock with an over-long name", nl.call(CMD_LOCK, attr(A_VAULT_NAME, b"x" * 300 + b"\0")),
       errno.EINVAL)
expect("lock with an unknown attribute", nl.call(CMD_LOCK, attr(99, b"\0\0\0\0")), errno.EINVAL)
expect("lock of a missing vault", nl.call(CMD_LOCK, s("nosuch")), errno.ENODEV, "no camvault vault")
expect("arm without a grace period", nl.call(CMD_ARM, s("nosuch")), errno.EINVAL, "grace period")
expect("arm with a grace of 30 days", nl.call(CMD_ARM, s("nosuch") + u32(A_GRACE_MS, 30 * 86400000)),
       errno.ERANGE)
expect("status with a truncated attribute", nl.call(CMD_GET_STATUS, struct.pack("HH", 8, A_NUM_VAULTS)),
       errno.EINVAL)
expect("unknown command", nl.call(42), errno.EOPNOTSUPP)
expect("status still answers", nl.call(CMD_GET_STATUS), 0)
sys.exit(1 if failures else 0)
