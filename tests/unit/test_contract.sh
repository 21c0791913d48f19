#!/usr/bin/env bash
# The netlink contract has one source, include/uapi/camvault.h: what is not compiled against it is checked
# against it here. tests/guest/genl.py (the guests' raw netlink, in Python) reads the header's enums and
# defines at run time: its numbers must be the compiler's. kmod/netlink.c's policy must give each attribute
# the payload the header's comment states (test_ipc checks the tool's policies the same way). Prints TAP
# lines that run.sh counts.
set -uo pipefail
export PYTHONDONTWRITEBYTECODE=1	# genl.py is imported from the tree: leave no __pycache__ there

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "1..2"

# 1: genl.py's parse of the header, printed by Python and by a C program built from the same names.
genl_numbers() {
	PYTHONPATH=$top/tests/guest python3 - "$tmp" <<'PY' || return 1
import sys
import genl
names = sorted(k for k in vars(genl)
               if k.startswith(("CMD_", "A_", "EVENT_")) and isinstance(getattr(genl, k), int))
assert {"CMD_GET_STATUS", "CMD_ARM", "A_VAULT_NAME", "A_GRACE_MS", "EVENT_IO_ERROR"} <= set(names), names
with open(sys.argv[1] + "/py.txt", "w") as f:
    for n in names:
        print(n, getattr(genl, n), file=f)
with open(sys.argv[1] + "/c.c", "w") as f:
    print('#include <stdio.h>\n#include "uapi/camvault.h"\nint main(void)\n{', file=f)
    for n in names:
        print(f'\tprintf("{n} %d\\n", (int)CAMVAULT_{n});', file=f)
    print("\treturn 0;\n}", file=f)
PY
	${CC:-cc} -I"$top/include" -o "$tmp/c" "$tmp/c.c" && "$tmp/c" > "$tmp/c.txt" &&
		diff -u "$tmp/c.txt" "$tmp/py.txt"
}
if out=$(genl_numbers 2>&1); then
	echo "ok 1 - genl.py reads the header's commands, attributes and events as the compiler numbers them"
else
	echo "$out" | sed 's/^/# /'
	echo "not ok 1 - genl.py's numbers are not the compiler's"
fi

# 2: kmod/netlink.c's cv_genl_policy, entry by entry, against the header's payloads.
kmod_policy() {
	PYTHONPATH=$top/tests/guest python3 - "$top/kmod/netlink.c" <<'PY'
import re
import sys
import genl
src = open(sys.argv[1]).read()
table = re.search(r"cv_genl_policy\[CAMVAULT_A_MAX \+ 1\] = \{(.*?)\n\};", src, re.S).group(1)
policy = dict(re.findall(r"\[CAMVAULT_(A_\w+)\]\s*=\s*(.*?),?$", table, re.M))
names = {getattr(genl, k): k for k in vars(genl)
         if k.startswith("A_") and isinstance(getattr(genl, k), int) and k != "A_MAX"}
bad = []
for num, payload in sorted(genl.A_TYPES.items()):
    name, entry = names[num], policy.get(names[num], "")
    if payload == "pad":
        ok = not entry
    elif payload == "string":
        want = r"\{ \.type = NLA_NUL_STRING, \.len = CAMVAULT_%s - 1 \}" % genl.A_LIMITS[num]
        ok = re.fullmatch(want, entry)
    else:
        t = "NLA_" + payload.upper()
        ok = entry == "{ .type = %s }" % t or re.fullmatch(r"NLA_POLICY_\w+\(%s\b.*\)" % t, entry)
    if not ok:
        bad.append(f"{name}: {payload} in the header, {entry or 'no entry'!r} in kmod/netlink.c")
for name in set(policy) - set(names.values()):
    bad.append(f"{name}: in kmod/netlink.c, not in the header")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}
if out=$(kmod_policy 2>&1); then
	echo "ok 2 - kmod/netlink.c's policy gives every attribute the header's payload"
else
	echo "$out" | sed 's/^/# /'
	echo "not ok 2 - kmod/netlink.c's policy differs from the header"
fi
