"""Test hosts in network namespaces this test run creates, each with its own address.

Each namespace gets a veth pair and a /30 out of 10.231.0.0/24: the root end
is .4n+1, the namespace end .4n+2. Traffic in tests goes only to those namespace
addresses. `delete()` removes the link and the namespace again.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import subprocess
from dataclasses import dataclass

SUBNET = ipaddress.ip_network("10.231.0.0/24")


@dataclass
class Netns:
    name: str
    host_link: str      # the veth end in the root namespace
    host_address: str   # its address, the route to `address`
    address: str        # the namespace's own address: the test host

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        return _ip("netns", "exec", self.name, *cmd, check=check)

    def delete(self) -> None:
        _ip("link", "del", self.host_link, check=False)
        _ip("netns", "del", self.name, check=False)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def _used_blocks() -> set[int]:
    """The /30 blocks of SUBNET already on a link here (another test run's, say)."""
    used = set()
    for line in _ip("-4", "-o", "addr", "show").stdout.splitlines():
        address = ipaddress.ip_interface(line.split()[3]).ip
        if address in SUBNET:
            used.add((int(address) - int(SUBNET.network_address)) // 4)
    return used


def create_netns(tag: str = "") -> Netns:
    """A namespace with lo up and a veth pair to the root namespace, addressed from SUBNET.

    Choosing a free block and taking it is one step under a machine-wide file lock: test runs
    side by side (pytest-xdist workers, two checkouts) would otherwise pick the same block.
    """
    if os.geteuid() != 0:
        raise RuntimeError("network namespaces need root")
    with open("/run/lock/titip-netns.lock" if os.path.isdir("/run/lock") else "/tmp/titip-netns.lock",
              "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _create(tag)


def _create(tag: str) -> Netns:
    used = _used_blocks()
    block = next(b for b in range(1, 64) if b not in used)
    base = int(SUBNET.network_address) + 4 * block
    host_address, address = str(ipaddress.ip_address(base + 1)), str(ipaddress.ip_address(base + 2))
    suffix = f"{os.getpid() % 100000}{tag}{block}"
    ns = Netns(f"titip-{suffix}", f"tth{suffix}"[:15], host_address, address)
    inner = f"ttn{suffix}"[:15]
    try:
        _ip("netns", "add", ns.name)
        _ip("link", "add", ns.host_link, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", ns.name)
        _ip("addr", "add", f"{host_address}/30", "dev", ns.host_link)
        _ip("link", "set", ns.host_link, "up")
        ns.run("ip", "link", "set", "lo", "up")
        ns.run("ip", "addr", "add", f"{address}/30", "dev", inner)
        ns.run("ip", "link", "set", inner, "up")
    except subprocess.CalledProcessError as exc:
        ns.delete()
        raise RuntimeError(f"could not create namespace {ns.name}: {exc.stderr}") from exc
    return ns


def blackhole_replies(ns: Netns) -> None:
    """Make the namespace drop its replies to the root namespace: connects to it time out."""
    ns.run("ip", "route", "add", "blackhole", f"{ns.host_address}/32")
