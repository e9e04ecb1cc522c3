"""Fixtures for the collector tests: real servers, started here and stopped by PID at teardown."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sshd import Sshd, start_sshd


@pytest.fixture(scope="session")
def loopback_sshd() -> Iterator[Sshd]:
    """One OpenSSH server on 127.0.0.1, shared by the tests that only read from it."""
    if shutil.which("sshd") is None and not Path("/usr/sbin/sshd").exists():
        pytest.fail("sshd is needed: apt-get install openssh-server (make test does)")
    server = start_sshd()
    yield server
    server.stop()


DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def snmpd():
    """A real Debian snmpd on loopback: v2c `public`, v3 authPriv SHA/AES and SHA-256/AES users."""
    from tests.support.snmp import start_snmpd

    if shutil.which("snmpd") is None and not Path("/usr/sbin/snmpd").exists():
        pytest.fail("snmpd is needed: apt-get install snmpd snmp (make test does)")
    agent = start_snmpd(sys_name="srv-snmpd-test.kominfo.example")
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def snmpsim():
    """snmpsim serving the recordings in data/: communities `server`, `switch`, `ups`."""
    from tests.support.snmp import start_snmpsim

    agent = start_snmpsim(DATA)
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def client_key(tmp_path_factory) -> Path:
    from tests.support.sshd import make_keypair

    path = tmp_path_factory.mktemp("ssh-client") / "id_ed25519"
    make_keypair(path)
    return path


@pytest.fixture(scope="session")
def ssh_hosts(client_key: Path):
    """Three test servers, each an sshd in its own network namespace with its own address and name."""
    from tests.support.netns import create_netns
    from tests.support.sshd import start_sshd

    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2")
    namespaces, servers = [], []
    try:
        for name in ("srv-arsip", "srv-simpeg", "srv-web-opd"):
            ns = create_netns("s")
            namespaces.append(ns)
            servers.append((ns, start_sshd(ns.address, netns=ns.name, client_key=client_key, hostname=name),
                            name))
        yield servers
    finally:
        for _, server, _ in servers:
            server.stop()
        for ns in namespaces:
            ns.delete()


@pytest.fixture
def spare_netns():
    """A namespace of our own with nothing listening on it: a dead test host."""
    from tests.support.netns import create_netns

    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    ns = create_netns("d")
    yield ns
    ns.delete()
