"""Fixtures for the Ansible tests: the agent tests' HTTP controller and the wheelhouses."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))

from agent_helpers import FakeController  # noqa: E402  (tests/agent, no package)
from ansible_helpers import build_wheelhouse  # noqa: E402


@pytest.fixture
def controller() -> Iterator[FakeController]:
    """A real HTTP controller on 127.0.0.1 that speaks the agent contract."""
    server = FakeController()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(folder of wheels for titip and psutil, titip's version), built once per session."""
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def controller_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(folder of wheels for titip[controller] and all it pulls in, titip's version)."""
    return build_wheelhouse(tmp_path_factory.mktemp("controller-wheelhouse"), extras="controller")
