"""Raw generic netlink for the guest tests: requests the camvault tool would never send, and
listening to multicast groups. No libraries: the point is to see the kernel's side alone."""
import socket
import struct

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSGERR_ATTR_MSG = 1
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 1, 10, 11

# include/uapi/camvault.h
CMD_GET_STATUS, CMD_GET_VAULTS, CMD_LOCK, CMD_EVENT, CMD_ARM = 0, 1, 2, 3, 4
A_NUM_VAULTS, A_VAULT_NAME, A_VAULT_LOCKED, A_VAULT_IO_ERRORS, A_EVENT, A_GRACE_MS = 2, 3, 7, 10, 12, 13


def attr(kind, payload):
    a = struct.pack("HH", 4 + len(payload), kind) + payload
    return a + b"\0" * (-len(a) % 4)


def attrs(buf):
    out = {}
    while len(buf) >= 4:
        alen, kind = struct.unpack_from("HH", buf)
        if alen < 4:
            break
        out[kind & 0x3fff] = buf[4:alen]
        buf = buf[(alen + 3) & ~3:]
    return out


def s(name):
    return attr(A_VAULT_NAME, name.encode() + b"\0")


def u32(kind, value):
    return attr(kind, struct.pack("I", value))


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0
        err, _, replies = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                       attr(CTRL_ATTR_FAMILY_NAME, b"camvault\0"))
        assert err == 0 and replies, "the camvault family is not registered"
        fam = attrs(replies[0][4:])
        self.family = struct.unpack_from("H", fam[CTRL_ATTR_FAMILY_ID])[0]
        self.groups = {}
        for grp in attrs(fam.get(CTRL_ATTR_MCAST_GROUPS, b"")).values():
            g = attrs(grp)
            self.groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID])[0]

    def request(self, family, cmd, body=b"", flags=0):
        """(errno, extack message, reply payloads) of one request."""
        self.seq += 1
        msg = struct.pack("BBH", cmd, 1, 0) + body
        self.sock.send(struct.pack("IHHII", 16 + len(msg), family, NLM_F_REQUEST | NLM_F_ACK | flags,
                                   self.seq, 0) + msg)
        replies = []
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off < len(data):
                length, kind = struct.unpack_from("IH", data, off)
                if kind == NLMSG_ERROR:
                    err = -struct.unpack_from("i", data, off + 16)[0]
                    tlv = attrs(data[off + 36:off + length])
                    return err, tlv.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode(), replies
                if kind == NLMSG_DONE:
                    # A dump that failed after it started carries its errno here.
                    err = -struct.unpack_from("i", data, off + 16)[0] if length >= 20 else 0
                    return err, "", replies
                replies.append(data[off + 16:off + length])
                off += (length + 3) & ~3

    def call(self, cmd, body=b"", flags=0):
        return self.request(self.family, cmd, body, flags)

    def vaults(self):
        """{name: attributes} from CAMVAULT_CMD_GET_VAULTS."""
        err, msg, replies = self.call(CMD_GET_VAULTS, flags=NLM_F_DUMP)
        assert err == 0, msg
        out = {}
        for r in replies:
            a = attrs(r[4:])
            out[a[A_VAULT_NAME].rstrip(b"\0").decode()] = a
        return out

    def join(self, group):
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, self.groups[group])

    def try_join(self, group):
        """0, or the errno of joining group."""
        try:
            self.join(group)
        except OSError as e:
            return e.errno
        return 0

    def close(self):
        self.sock.close()
