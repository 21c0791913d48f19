#!/usr/bin/env python3
"""The dead-man lock: a vault armed by a netlink socket locks itself when that socket goes away and
nobody re-arms it within the grace period; re-arming from a new socket (an agent restart) in time,
or disarming, keeps it open."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from genl import *  # noqa: E402,F403
import struct  # noqa: E402

loop = sys.argv[1]
table = f"0 8192 camvault aes-xts-plain64 :64:logon:camvault:t29 {loop} 0"


def status():
    return subprocess.run(["dmsetup", "status", "cv9"], capture_output=True, text=True,
                          check=True).stdout.split()[3]


def fresh_vault():
    subprocess.run("dmsetup remove cv9 2>/dev/null", shell=True)
    subprocess.run(["dmsetup", "create", "cv9", "--table", table], check=True)


def arm(nl, grace_ms):
    err, msg, _ = nl.call(CMD_ARM, s("cv9") + u32(A_GRACE_MS, grace_ms))
    assert err == 0, f"arm: {os.strerror(err)} {msg}"


# 1. The agent dies: locked after the grace, not before.
fresh_vault()
agent = Genl()
arm(agent, 1500)
assert struct.unpack("I", agent.vaults()["cv9"][A_GRACE_MS])[0] == 1500, "grace not reported"
agent.close()
time.sleep(0.3)
assert status() == "open", "locked before the grace period ended"
time.sleep(2.5)
assert status() == "locked", f"still {status()} after the agent went away"
print("agent gone: vault locked after its grace period")

# 2. The agent restarts within the grace: the new socket's arm cancels the pending lock.
fresh_vault()
agent = Genl()
arm(agent, 1500)
agent.close()
time.sleep(0.3)
agent = Genl()
arm(agent, 1500)
time.sleep(2.5)
assert status() == "open", "locked although the agent re-armed in time"
print("agent restarted in time: vault stays open")

# 3. Disarmed (grace 0), the socket can go: nothing happens.
arm(agent, 0)
agent.close()
time.sleep(2.5)
assert status() == "open", "a disarmed vault locked"
# Another socket closing never locks a vault it did not arm.
other = Genl()
fresh_vault()
arm(other, 500)
bystander = Genl()
bystander.close()
time.sleep(1.5)
assert status() == "open", "a socket that did not arm the vault locked it"
arm(other, 0)
other.close()
subprocess.run(["dmsetup", "remove", "cv9"], check=True)
print("disarm and bystanders OK")
