"""A hostile SNMP device beside a benign one, over the API and in the month's run."""

from __future__ import annotations

import pytest

from controller.db import unit_of_work
from controller.domain.choices import AllocationStatus
from controller.models import User
from controller.services import inventory, servers, space
from tests.support.hostile_snmp import start_hostile
from tests.support.snmp import COMMUNITY, start_snmpd


@pytest.fixture(scope="module")
def devices():
    agents = {"benign": start_snmpd(sys_name="srv-benign")}
    agents.update({mode: start_hostile(mode) for mode in ("negative", "huge", "endless")})
    yield agents
    for agent in agents.values():
        agent.stop()


def test_hostile_device_is_its_targets_error_and_the_run_completes(app, client, world, devices):
    h = world.auth("officer")
    ids, target_ids = {}, {}
    with unit_of_work(app.state.sessions, "officer") as s:
        officer = s.get(User, world.ids["officer"])
        for u, name in enumerate(devices):
            srv = servers.create_server(s, officer, dict(unit_code="DISKES", brand="Dell", model="R650",
                                                         serial_number=f"HOSTILE-{name}", height_u=1,
                                                         power_w=300))
            space.reserve(s, officer, world.ids["rack2"], 20 + u, 1, srv.id, status=AllocationStatus.occupied)
            ids[name] = srv.id
    for name, agent in devices.items():
        r = client.post(f"/api/v1/servers/{ids[name]}/targets", headers=h, json={
            "kind": "snmp", "address": "127.0.0.1", "port": agent.port, "community": COMMUNITY})
        assert r.status_code == 201, r.text
        target_ids[name] = r.json()["id"]

    answers = {name: client.post(f"/api/v1/targets/{tid}/collect", headers=h) for name, tid in target_ids.items()}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(devices, 200)
    body = {name: r.json() for name, r in answers.items()}
    assert body["benign"]["ok"] and body["benign"]["inventory"]["hostname"] == "srv-benign"
    assert not body["negative"]["ok"] and "error-status -100" in body["negative"]["error"]
    assert not body["huge"]["ok"] and "error-status" in body["huge"]["error"]
    assert not body["endless"]["ok"] and "truncated" in body["endless"]["error"]
    listed = client.get(f"/api/v1/servers/{ids['endless']}/targets", headers=h).json()["items"][0]
    assert listed["last_ok"] is False and "truncated" in listed["last_error"]

    summary = inventory.run(app.state.sessions, app.state.settings, "2026-08")
    assert summary.status == "completed" and summary.total == len(devices) and summary.reached == 1
    run = client.get("/api/v1/inventory-runs/2026-08", headers=h).json()
    items = {i["serial_number"]: i for i in run["items"]}
    assert items["HOSTILE-benign"]["source"] == "snmp"
    assert sorted(run["unreachable"]) == ["HOSTILE-endless", "HOSTILE-huge", "HOSTILE-negative"]
    assert any("truncated" in e for e in items["HOSTILE-endless"]["errors"])
