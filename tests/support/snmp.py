"""Real SNMP agents for tests and the bench: Debian's `snmpd` and `snmpsim`, on loopback only.

Each start function starts one process from a private config and returns an
object whose `stop()` ends it by PID. snmpd answers v2c community `public` and
the v3 authPriv users below; snmpsim serves recorded devices, one community
(file name) per device.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

COMMUNITY = "public"
V3_USER, V3_AUTH, V3_PRIV = "titipv3", "authpass123", "privpass123"          # SHA + AES
V3_USER_256 = "titipv3s256"                                                   # SHA-256 + AES
V3_USER_512 = "titipv3s512"                                                   # SHA-512 + AES-256
V3_USER_SHA_AES256 = "titipv3a256"   # SHA + AES-256: the 20-byte key needs the Blumenthal extension


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Agent:
    port: int
    pid: int
    root: Path
    process: subprocess.Popen = field(repr=False)
    address: str = "127.0.0.1"

    def stop(self) -> None:
        try:
            os.kill(self.pid, 15)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.kill(self.pid, 9)
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _wait_for_answer(agent: Agent, community: str, what: str) -> Agent:
    """Poll sysDescr.0 with net-snmp's snmpget until the agent answers."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if agent.process.poll() is not None:
            log = (agent.root / "log").read_text(errors="replace") if (agent.root / "log").exists() else ""
            shutil.rmtree(agent.root, ignore_errors=True)
            raise RuntimeError(f"{what} exited with {agent.process.returncode}: {log[-2000:]}")
        probe = subprocess.run(["snmpget", "-v2c", "-c", community, "-t", "0.3", "-r", "0", "-On",
                                f"{agent.address}:{agent.port}", "1.3.6.1.2.1.1.1.0"],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            return agent
        time.sleep(0.1)
    agent.stop()
    raise RuntimeError(f"{what} on port {agent.port} did not answer within 20 s")


def start_snmpd(port: int | None = None, sys_name: str | None = None,
                location: str = "Ruang Server Kominfo, Rak A", extra_addresses: int = 0) -> Agent:
    """Debian's snmpd on 127.0.0.1:`port` with v2c `public` and four v3 authPriv users (see above).

    `extra_addresses` n: it also answers on 127.0.0.2 ... 127.0.0.(n+1), same port, so one
    process stands in for n+1 devices a client cannot tell apart from distinct agents.
    """
    if shutil.which("snmpd") is None and not Path("/usr/sbin/snmpd").exists():
        raise RuntimeError("snmpd not found: apt-get install snmpd snmp (make test does)")
    root = Path(tempfile.mkdtemp(prefix="titip-snmpd-"))
    port = port or free_udp_port()
    conf = root / "snmpd.conf"
    conf.write_text(
        f"agentAddress {','.join(f'udp:127.0.0.{1 + i}:{port}' for i in range(1 + extra_addresses))}\n"
        f"rocommunity {COMMUNITY} 127.0.0.1\n"
        f"rouser {V3_USER} priv\nrouser {V3_USER_256} priv\n"
        f"rouser {V3_USER_512} priv\nrouser {V3_USER_SHA_AES256} priv\n"
        f"createUser {V3_USER} SHA {V3_AUTH} AES {V3_PRIV}\n"
        f"createUser {V3_USER_256} SHA-256 {V3_AUTH} AES {V3_PRIV}\n"
        f"createUser {V3_USER_512} SHA-512 {V3_AUTH} AES-256 {V3_PRIV}\n"
        f"createUser {V3_USER_SHA_AES256} SHA {V3_AUTH} AES-256 {V3_PRIV}\n"
        f"sysLocation {location}\nsysContact officer@kominfo.example\n"
        + (f"sysName {sys_name}\n" if sys_name else "")
        # Counting hrSWRun & co. is slow and unused: keep the agent lean for the bench.
        + "master no\n")
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(root / "persist"), "MIBS": "", "MIBDIRS": str(root)}
    log = open(root / "log", "w")  # noqa: SIM115 (the daemon's output for its whole life)
    process = subprocess.Popen(["snmpd", "-f", "-Lf", str(root / "log"), "-C", "-c", str(conf),
                                "-p", str(root / "pid"), "-M", str(root), "-m", ""],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    log.close()
    return _wait_for_answer(Agent(port, process.pid, root, process), COMMUNITY, "snmpd")


def start_snmpsim(data_dir: Path, port: int | None = None) -> Agent:
    """snmpsim serving every `<community>.snmpwalk` in `data_dir` on 127.0.0.1:`port`.

    It refuses root unless told otherwise; dropping to `nobody` would lose the
    venv's modules under /root, so the tests let it run as the caller.
    """
    responder = Path(sys.executable).parent / "snmpsim-command-responder"
    if not responder.exists():
        raise RuntimeError("snmpsim not installed: pip install snmpsim pysmi")
    root = Path(tempfile.mkdtemp(prefix="titip-snmpsim-"))
    port = port or free_udp_port()
    shutil.copytree(data_dir, root / "data", ignore=shutil.ignore_patterns("*.py", "*.md"))
    communities = sorted(p.stem for p in (root / "data").glob("*.snmpwalk"))
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    log = open(root / "log", "w")  # noqa: SIM115 (the daemon's output for its whole life)
    process = subprocess.Popen([str(responder), f"--data-dir={root / 'data'}",
                                f"--cache-dir={root / 'cache'}", f"--agent-udpv4-endpoint=127.0.0.1:{port}",
                                f"--logging-method=file:{root / 'log'}"],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    log.close()
    return _wait_for_answer(Agent(port, process.pid, root, process), communities[0], "snmpsim")
