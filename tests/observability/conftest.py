"""Fixtures for the observability tests: a real controller with a demo room, and Prometheus
scraping it. Both are started once per session and stopped by PID at the end."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from obs_helpers import DASHBOARDS, populate  # noqa: E402

from tests.support.controller import RunningController, start_controller  # noqa: E402
from tests.support.prometheus import RunningPrometheus, start_prometheus  # noqa: E402

TOKEN = "obs-metrics-token-0123456789"


@dataclass
class Room:
    controller: RunningController
    values: dict[str, str]      # template variables of the dashboards, filled with real values

    def metrics(self) -> str:
        r = httpx.get(f"{self.controller.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert r.status_code == 200, r.text
        return r.text


@pytest.fixture(scope="session")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    """The demo data (`controller.demo.seed`) plus a request, probes and an agent, in a live controller."""
    from controller.demo import seed
    from controller.migrate import upgrade
    from controller.settings import Settings

    url = f"sqlite:///{tmp_path_factory.mktemp('room') / 'titip.db'}"
    upgrade(url)
    for _ in seed(Settings(database_url=url, scheduler_enabled=False)):
        pass
    ctl = start_controller(url, {"TITIP_SECRET_KEY": "obs-secret-key-0123456789abcdef-0123",
                                 "TITIP_SCHEDULER_ENABLED": "false", "TITIP_METRICS_TOKEN": TOKEN})
    try:
        with socket.socket() as closed:       # a port nothing listens on: a failing probe
            closed.bind(("127.0.0.1", 0))
            closed_port = closed.getsockname()[1]
        with httpx.Client(base_url=ctl.url, timeout=30) as client:
            values = populate(client, int(ctl.url.rsplit(":", 1)[1]), closed_port)
        yield Room(ctl, values)
    finally:
        ctl.stop()


@pytest.fixture(scope="session")
def prometheus(room: Room) -> Iterator[RunningPrometheus]:
    """Debian's Prometheus scraping the room every second, with the alert rules loaded."""
    prom = start_prometheus([room.controller.url.removeprefix("http://")], token=TOKEN,
                            rule_files=(DASHBOARDS / "alerts.yml",))
    try:
        prom.wait_for('up{job="titip"} == 1')
        prom.wait_for('count_over_time(up{job="titip"}[1m]) >= 4')   # rate() needs a few scrapes
        yield prom
    finally:
        prom.stop()

