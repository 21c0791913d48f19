#!/usr/bin/env python3
"""Malformed generic netlink requests to the camvault family get clean errors (never a crash):
a missing or mistyped attribute, an over-long name, an unknown attribute or command. Raw sockets,
so nothing in the camvault tool's own validation stands in the way."""
import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_MISS_TYPE = 1, 6
CMD_GET_STATUS, CMD_GET_VAULTS, CMD_LOCK = 0, 1, 2
A_NUM_VAULTS, A_VAULT_NAME = 2, 3

sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sock.setsockopt(270, 11, 1)  # SOL_NETLINK, NETLINK_EXT_ACK: error messages and missing attributes
sock.setsockopt(270, 10, 1)  # NETLINK_CAP_ACK: errors echo our header only, then the TLVs
sock.bind((0, 0))
seq = 0


def attr(kind, payload):
    a = struct.pack("HH", 4 + len(payload), kind) + payload
    return a + b"\0" * ((4 - len(a) % 4) % 4)


def request(family, cmd, attrs=b""):
    """Send one request; return (errno, extack message, payloads of the replies)."""
    global seq
    seq += 1
    body = struct.pack("BBH", cmd, 1, 0) + attrs
    sock.send(struct.pack("IHHII", 16 + len(body), family, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
    replies = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            length, kind, flags, rseq, _ = struct.unpack_from("IHHII", data, off)
            if kind == NLMSG_ERROR:
                err = -struct.unpack_from("i", data, off + 16)[0]
                msg = ""
                # Extended ack: the echoed header (16 bytes, capped) then TLVs.
                toff = off + 20 + 16
                while toff + 4 <= off + length:
                    alen, akind = struct.unpack_from("HH", data, toff)
                    if alen < 4:
                        break
                    if akind == NLMSGERR_ATTR_MSG:
                        msg = data[toff + 4:toff + alen].rstrip(b"\0").decode()
                    elif akind == NLMSGERR_ATTR_MISS_TYPE:
                        msg = "missing attribute %d" % struct.unpack_from("I", data, toff + 4)[0]
                    toff += (alen + 3) & ~3
                return err, msg, replies
            replies.append(data[off + 16:off + length])
            off += (length + 3) & ~3


def family_id():
    err, _, replies = request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, b"camvault\0"))
    assert err == 0 and replies, f"camvault family not found: {os.strerror(err)}"
    body = replies[0][4:]
    while body:
        alen, akind = struct.unpack_from("HH", body)
        if akind == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("H", body, 4)[0]
        body = body[(alen + 3) & ~3:]
    raise AssertionError("no family id")


fam = family_id()
failures = 0


def expect(what, got, want, msg_part=None):
    global failures
    err, msg, _ = got
    ok = err == want and (msg_part is None or msg_part in msg)
    print(f"{'ok' if ok else 'FAIL'}: {what}: {errno.errorcode.get(err, err)} '{msg}'")
    failures += not ok


expect("lock without a name", request(fam, CMD_LOCK), errno.EINVAL, "is required")
expect("lock with an unterminated name", request(fam, CMD_LOCK, attr(A_VAULT_NAME, b"abcd")), errno.EINVAL)
expect("lock with an over-long name", request(fam, CMD_LOCK, attr(A_VAULT_NAME, b"x" * 300 + b"\0")),
       errno.EINVAL)
expect("lock with an unknown attribute", request(fam, CMD_LOCK, attr(99, b"\0\0\0\0")), errno.EINVAL)
expect("lock of a missing vault", request(fam, CMD_LOCK, attr(A_VAULT_NAME, b"nosuch\0")), errno.ENODEV,
       "no camvault vault")
expect("status with a truncated attribute", request(fam, CMD_GET_STATUS, struct.pack("HH", 8, A_NUM_VAULTS)),
       errno.EINVAL)
expect("unknown command", request(fam, 42), errno.EOPNOTSUPP)
expect("status still answers", request(fam, CMD_GET_STATUS), 0)
sys.exit(1 if failures else 0)
