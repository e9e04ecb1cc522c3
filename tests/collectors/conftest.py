"""Fixtures for the collector tests: real servers, started here and stopped by PID at teardown."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sshd import Sshd, start_sshd


@pytest.fixture(scope="session")
def loopback_sshd() -> Iterator[Sshd]:
    """One OpenSSH server on 127.0.0.1, shared by the tests that only read from it."""
    if shutil.which("sshd") is None and not Path("/usr/sbin/sshd").exists():
        pytest.skip("sshd is needed: apt-get install openssh-server")
    server = start_sshd()
    yield server
    server.stop()
