"""Raw generic netlink for the guest tests: requests the camvault tool would never send, and
listening to multicast groups. No libraries: the point is to see the kernel's side alone."""
import os
import re
import socket
import struct

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSGERR_ATTR_MSG = 1
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 1, 10, 11

UAPI_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "include", "uapi",
                           "camvault.h")


def parse_uapi(path=UAPI_HEADER):
    """The contract as include/uapi/camvault.h states it, read from it (never copied here):
    ({name: value} of its enums' members and its #defines of a number or a string, each without
    "CAMVAULT_"; {attribute number: its payload, "string", "u8", "u32", "u64" or "pad"};
    {attribute number: a string's limit, the name of its *_MAXLEN}."""
    with open(path) as f:
        text = f.read()
    consts, types, limits = {}, {}, {}
    for m in re.finditer(r'^#define\s+CAMVAULT_(\w+)\s+(?:"([^"\n]*)"|(\d+)\b)', text, re.M):
        name, string, number = m.groups()
        consts[name] = string if string is not None else int(number)
    for m in re.finditer(r"^enum\s+camvault_(\w+)\s*\{(.*?)^\};", text, re.M | re.S):
        kind, body, value = m.group(1), m.group(2), -1
        for line in body.splitlines():
            e = re.match(r"\s*(_*)CAMVAULT_(\w+)\s*(?:=\s*(\w+))?\s*,?\s*(?:/\*\s*(.*?)\s*\*/)?\s*$", line)
            if not e:
                assert not line.strip() or line.strip().startswith(("/*", "*")), \
                    f"{path}: cannot read {line!r}"
                continue
            dunder, name, explicit, comment = e.groups()
            value = int(explicit, 0) if explicit else value + 1
            consts[dunder + name] = value
            if kind == "attr" and comment:
                payload = re.split(r"[,\s]", comment, maxsplit=1)[0]
                assert payload in ("string", "u8", "u32", "u64", "pad"), \
                    f"{path}: {name}: payload {payload!r}"
                types[value] = payload
                if payload == "string":
                    limits[value] = re.match(r"string,\s*CAMVAULT_(\w+)", comment).group(1)
    consts["CMD_MAX"] = consts["__CMD_MAX"] - 1
    consts["A_MAX"] = consts["__A_MAX"] - 1
    return consts, types, limits


# include/uapi/camvault.h's commands (CMD_*), attributes (A_*), events (EVENT_*) and the rest, as names
# here; A_TYPES each attribute's payload; EVENTS an event's name ("opened", "io_error") by number.
_uapi, A_TYPES, A_LIMITS = parse_uapi()
globals().update({k: v for k, v in _uapi.items() if not k.startswith("_")})
EVENTS = {v: k[len("EVENT_"):].lower() for k, v in _uapi.items() if k.startswith("EVENT_")}


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
                                       attr(CTRL_ATTR_FAMILY_NAME, GENL_NAME.encode() + b"\0"))
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
        msg = struct.pack("BBH", cmd, GENL_VERSION, 0) + body
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
