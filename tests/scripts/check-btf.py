#!/usr/bin/env python3
"""Check a camvault.btf (kmod/btf_types.c through pahole).

usage: check-btf.py BTF CORE_TYPES_H [--config KCONFIG] [--reference VMLINUX_BTF]

1. Every struct the probes declare for CO-RE in CORE_TYPES_H (struct NAME { ... } CV_CORE;) is in BTF as
   a full definition with every member they read, so libbpf can relocate each of their accesses. A member
   that exists only under a kernel option (CONFIG_AUDIT's loginuid) may be missing when KCONFIG says the
   option is off.
2. With --reference (a kernel's own BTF, raw: objcopy --dump-section .BTF=FILE vmlinux): every struct in BTF
   that the reference defines once has the same members at the same offsets and of the same types there,
   which is what "compiled with the kernel's flags" has to guarantee. struct mount and struct mnt_namespace,
   copies of a prefix of private kernel types (see kmod/btf_types.c), have to match that prefix.

Prints one line per problem; exits 1 on any.
"""
import re
import struct
import sys

KIND_STRUCT, KIND_UNION, KIND_FWD = 4, 5, 7
MODIFIERS = {9, 10, 11, 18}  # volatile, const, restrict, type_tag
# Members that exist only under a kernel option.
OPTIONAL = {
    ("task_struct", "loginuid"): "CONFIG_AUDIT",
    ("task_struct", "sessionid"): "CONFIG_AUDIT",
    ("sock_common", "skc_v6_daddr"): "CONFIG_IPV6",
    ("sock_common", "skc_v6_rcv_saddr"): "CONFIG_IPV6",
}
# Ours declares only the start of these (kmod/btf_types.c says why).
PREFIX_COPIES = {"mount", "mnt_namespace"}


class Btf:
    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        magic, _ver, _flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<HBBIIIII", data)
        if magic != 0xEB9F:
            raise SystemExit(f"{path}: not raw BTF (magic {magic:#x})")
        self.strs = data[hdr_len + str_off:hdr_len + str_off + str_len]
        self.types = [None]  # id 0 is void
        pos, end = hdr_len + type_off, hdr_len + type_off + type_len
        while pos < end:
            name_off, info, size_type = struct.unpack_from("<III", data, pos)
            pos += 12
            kind, vlen, kflag = (info >> 24) & 0x1F, info & 0xFFFF, info >> 31
            t = {"name": self.str(name_off), "kind": kind, "vlen": vlen, "ref": size_type, "members": []}
            if kind in (1, 14, 17):  # int, var, decl_tag
                pos += 4
            elif kind == 3:  # array
                t["elem"], _idx, t["n"] = struct.unpack_from("<III", data, pos)
                pos += 12
            elif kind in (KIND_STRUCT, KIND_UNION):
                for _ in range(vlen):
                    m_name, m_type, m_off = struct.unpack_from("<III", data, pos)
                    pos += 12
                    bits, bitsize = (m_off & 0xFFFFFF, m_off >> 24) if kflag else (m_off, 0)
                    t["members"].append((self.str(m_name), m_type, bits, bitsize))
            elif kind == 6:  # enum
                pos += 8 * vlen
            elif kind == 13:  # func_proto
                pos += 8 * vlen
            elif kind == 15:  # datasec
                pos += 12 * vlen
            elif kind == 19:  # enum64
                pos += 12 * vlen
            self.types.append(t)
        self.by_name = {}
        for tid, t in enumerate(self.types):
            if t and t["kind"] in (KIND_STRUCT, KIND_UNION) and t["name"]:
                self.by_name.setdefault(t["name"], []).append(tid)

    def str(self, off):
        return self.strs[off:self.strs.index(b"\0", off)].decode()

    def skip_mods(self, tid):
        while tid and self.types[tid]["kind"] in MODIFIERS:
            tid = self.types[tid]["ref"]
        return tid

    def describe(self, tid, depth=0):
        """A type as text, enough to tell two kernels' layouts apart."""
        tid = self.skip_mods(tid)
        if not tid:
            return "void"
        t = self.types[tid]
        kind = t["kind"]
        if kind == 2:
            return "*" + (self.describe(t["ref"], depth + 1) if depth < 1 else "")
        if kind == 3:
            return f"{self.describe(t['elem'], depth)}[{t['n']}]"
        if kind == 13:
            return "fn"
        prefix = {KIND_STRUCT: "struct ", KIND_UNION: "union ", KIND_FWD: "struct ", 6: "enum ", 19: "enum "}.get(kind, "")
        return prefix + (t["name"] or "(anon)")

    def flat_members(self, tid, base=0, out=None):
        """name -> (bit offset, bitfield size, type), looking through anonymous structs and unions as CO-RE does."""
        out = {} if out is None else out
        for name, mtype, bits, bitsize in self.types[tid]["members"]:
            inner = self.skip_mods(mtype)
            if not name and inner and self.types[inner]["kind"] in (KIND_STRUCT, KIND_UNION):
                self.flat_members(inner, base + bits, out)
            elif name:
                out[name] = (base + bits, bitsize, self.describe(mtype))
        return out

    def full_struct(self, name):
        """The ids of the definitions named name (by_name holds no FWD, which is a declaration only)."""
        return self.by_name.get(name, [])


# The member of struct pt_regs that tells each architecture's (core_types.h's ___cv_x86 and ___cv_arm64
# flavours: not ___arm64, which libbpf's bpf_tracing.h defines itself).
ARCH_MEMBERS = {"x86": "orig_ax", "arm64": "syscallno"}


def core_types(path):
    """{struct name: [members]} of the CV_CORE structs in bpf/core_types.h."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", open(path).read(), flags=re.S)
    wanted = {}
    for m in re.finditer(r"struct\s+(\w+)\s*\{(.*?)\}\s*CV_CORE\s*;", text, re.S):
        name, body = m.group(1), m.group(2)
        if "___" in name and not name.endswith(tuple("___cv_" + a for a in ARCH_MEMBERS)):
            continue  # a CO-RE flavour (task_struct___old): an alternative that may well not exist
        members = []
        for decl in body.split(";"):
            decl = re.sub(r"\[[^]]*\]|:\s*\d+", "", decl).strip()
            ident = re.findall(r"(\w+)\s*\)?\s*(?:\(.*\))?$", decl)
            if decl and ident and "{" not in decl and "}" not in decl:
                members.append(ident[-1])
        wanted[name] = members
    return wanted


def kconfig(path):
    opts = set()
    if path:
        for line in open(path):
            m = re.match(r"(CONFIG_\w+)=[ym]", line)
            if m:
                opts.add(m.group(1))
    return opts


def main(argv):
    args, opts = [], {}
    it = iter(argv)
    for a in it:
        if a in ("--config", "--reference"):
            opts[a] = next(it)
        else:
            args.append(a)
    if len(args) != 2:
        raise SystemExit(__doc__)
    btf = Btf(args[0])
    config = kconfig(opts.get("--config"))
    problems = []

    wanted = core_types(args[1])
    # An architecture's flavour (pt_regs___cv_x86) is the struct itself on that architecture, told by a
    # member only its pt_regs has; the other architectures' are not checked.
    regs = btf.full_struct("pt_regs")
    arch = next((a for a, m in ARCH_MEMBERS.items() if regs and m in btf.flat_members(regs[0])), None)
    for name in list(wanted):
        base, _, flavour = name.partition("___")
        if flavour:
            members = wanted.pop(name)
            if flavour == f"cv_{arch}":
                wanted[base] = sorted(set(wanted.get(base, [])) | set(members))
    if not wanted:
        problems.append(f"{args[1]}: no CV_CORE struct found: has its syntax changed?")
    for name, members in sorted(wanted.items()):
        ids = btf.full_struct(name)
        if not ids:
            problems.append(f"struct {name}: not in {args[0]}: add a variable of it to kmod/btf_types.c")
            continue
        have = btf.flat_members(ids[0])
        for m in members:
            if m in have:
                continue
            opt = OPTIONAL.get((name, m))
            if opt and opt not in config:
                print(f"# {name}.{m}: absent, as {opt} is off in this kernel")
                continue
            problems.append(f"struct {name}: no member {m} in {args[0]}")
    print(f"# {len(wanted)} structs of bpf/core_types.h checked in {args[0]}")

    if "--reference" in opts:
        ref = Btf(opts["--reference"])
        compared = 0
        for name, ids in sorted(btf.by_name.items()):
            ours, theirs = ids, ref.full_struct(name)
            if len(ours) != 1 or len(theirs) != 1:
                continue  # not defined here, or more than one type of that name in the kernel
            a, b = btf.flat_members(ours[0]), ref.flat_members(theirs[0])
            compared += 1
            for m, where in a.items():
                if b.get(m) != where:
                    problems.append(f"struct {name}.{m}: {where} here, {b.get(m)} in the kernel's BTF")
            if name not in PREFIX_COPIES:
                for m in b.keys() - a.keys():
                    problems.append(f"struct {name}.{m}: in the kernel's BTF, not here")
                if btf.types[ours[0]]["ref"] != ref.types[theirs[0]]["ref"]:
                    problems.append(f"struct {name}: size {btf.types[ours[0]]['ref']} here, "
                                    f"{ref.types[theirs[0]]['ref']} in the kernel's BTF")
        print(f"# {compared} structs compared with {opts['--reference']}")
        if compared == 0:
            problems.append("no struct in common with the reference: is it the right file?")

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
