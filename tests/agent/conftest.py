"""Fixtures for the agent tests: they start real things and stop them at teardown."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_helpers import ENROLL_TOKEN, FakeController, run_agent, self_signed_certificate, tune

from agent import log as agent_log


@pytest.fixture
def controller() -> Iterator[FakeController]:
    server = FakeController()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tls_controller(tmp_path: Path) -> Iterator[FakeController]:
    """The same controller behind https with a self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    server = FakeController(tls=self_signed_certificate(tmp_path))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def state_dir(tmp_path: Path, controller: FakeController) -> Path:
    """A state dir enrolled against `controller`, with fast retries."""
    directory = tmp_path / "state"
    result = run_agent("enroll", "--controller", controller.url, "--token", ENROLL_TOKEN,
                       "--state-dir", str(directory))
    assert result.returncode == 0, result.stderr
    tune(directory, backoff_base_seconds=0.05, backoff_max_seconds=0.2, timeout_seconds=2)
    return directory


@pytest.fixture(autouse=True)
def _forget_cli_logging() -> Iterator[None]:
    """In-process `main()` sets the agent's log level for the process; put it back after."""
    yield
    agent_log.reset()
