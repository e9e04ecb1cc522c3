"""Helpers for the observability tests: fill a demo room through the real API, read /metrics,
walk the dashboards' panels.

`populate` does what people and an agent do: a unit submits a request that the office takes
through every step to `configured` (which runs real access probes against 127.0.0.1), another
request stays `submitted`, and an enrolled agent sends a heartbeat and two inventories whose
memory differs (a drift finding).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from controller.demo import DEMO_PASSWORD
from tests.support.custody import CHECKLIST_OK, NIP_CONTACT, NIP_OFFICER

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"
SERIAL = "OBS-0001"          # the request's server: gets an agent, probes, inventory, a finding
UNIT = "DISKES"


def login(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def heartbeat(hostname: str) -> dict[str, Any]:
    """A ConditionRecord as an agent sends it (collectors/record.py)."""
    return {"source": "agent", "hostname": hostname, "uptime_seconds": 86400,
            "cpu": {"percent": 37.5, "load_1": 0.8, "load_5": 0.6, "load_15": 0.4},
            "memory": {"total_bytes": 64 * 2**30, "available_bytes": 24 * 2**30, "used_percent": 62.5},
            "filesystems": [{"mountpoint": "/", "fstype": "ext4", "size_bytes": 10**11, "used_bytes": 4 * 10**10,
                             "used_percent": 40.0},
                            {"mountpoint": "/var", "fstype": "xfs", "size_bytes": 5 * 10**11,
                             "used_bytes": 46 * 10**10}],
            "temperatures": [{"sensor": "coretemp", "label": "Package id 0", "celsius": 61.0, "high_celsius": 84.0},
                             {"sensor": "coretemp", "label": "Core 0", "celsius": 58.0, "high_celsius": 84.0},
                             {"sensor": "nvme", "label": "Composite", "celsius": 41.9}]}


def inventory(hostname: str, serial: str, memory_bytes: int) -> dict[str, Any]:
    return {"source": "agent", "hostname": hostname, "dmi": {"vendor": "Dell Inc.", "serial": serial},
            "cpu": {"model": "Xeon Silver 4310", "sockets": 1, "cores": 12, "threads": 24},
            "memory_bytes": memory_bytes}


def report(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"report_id": uuid.uuid4().hex, "kind": kind, "payload": payload}


def populate(client: httpx.Client, open_port: int, closed_port: int) -> dict[str, str]:
    """Drive the demo room through the API; returns the template values the panels need."""
    who = {name: login(client, name) for name in ("petugas", "kadis", "kabid", "cp.diskes")}

    def act(req_id: int, action: str, by: str, body: dict | None = None) -> dict:
        r = client.post(f"/api/v1/custody-requests/{req_id}/actions/{action}", headers=who[by], json=body)
        assert r.status_code == 200, f"{action}: {r.status_code} {r.text}"
        return r.json()

    def submit(serial: str) -> dict:
        r = client.post("/api/v1/custody-requests", headers=who["cp.diskes"], json={
            "letter_number": f"005/{serial}/2026", "letter_date": "2026-11-20",
            "server": {"brand": "Dell", "model": "PowerEdge R650", "serial_number": serial, "height_u": 2,
                       "power_w": 500, "hostname": "obs-web", "purpose": "SIMPUS"}})
        assert r.status_code == 201, r.text
        return r.json()

    req = submit(SERIAL)
    act(req["id"], "head_dispose", "kadis", {"note": "Teruskan"})
    act(req["id"], "division_dispose", "kabid", {"officer": "petugas"})
    act(req["id"], "reserve_space", "petugas", {})
    act(req["id"], "receive", "petugas")
    act(req["id"], "inspect", "petugas", {"passed": True, "checklist": CHECKLIST_OK, "notes": "Lengkap"})
    act(req["id"], "sign_handover", "petugas", {"name": "Agus Prasetyo", "nip": NIP_OFFICER,
                                                 "position": "Pranata Komputer"})
    act(req["id"], "sign_handover", "cp.diskes", {"name": "Ayu Kartika", "nip": NIP_CONTACT,
                                                   "position": "Kepala Seksi Data"})
    act(req["id"], "place", "petugas")
    act(req["id"], "configure", "petugas", {"management_ip": "127.0.0.1", "access_checks": [
        {"kind": "tcp", "port": open_port}, {"kind": "tcp", "port": closed_port},
        {"kind": "http", "url": f"http://127.0.0.1:{open_port}/healthz"}]})
    submit("OBS-0002")                                   # waits for the head of office

    r = client.post(f"/api/v1/servers/{req['server_id']}/enrollment-tokens", headers=who["petugas"])
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/agents/enroll", json={"token": r.json()["token"], "hostname": "obs-web"})
    assert r.status_code == 200, r.text
    agent = {"Authorization": f"Bearer {r.json()['credential']}"}
    for batch in ([report("inventory", inventory("obs-web", SERIAL, 64 * 2**30)),
                   report("heartbeat", heartbeat("obs-web"))],
                  [report("inventory", inventory("obs-web", SERIAL, 128 * 2**30))]):
        r = client.post("/api/v1/agents/reports", headers=agent, json={"reports": batch})
        assert r.status_code == 200, r.text
    return {"unit": UNIT, "server": SERIAL}


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """(sample name, labels) -> value, parsed by prometheus_client's own parser."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def value(text: str, name: str, **labels: str) -> float | None:
    """The one sample of `name` whose labels include `labels` (None when there is none)."""
    found = [v for (n, ls), v in samples(text).items() if n == name and set(labels.items()) <= ls]
    assert len(found) <= 1, f"{name}{labels} matches {len(found)} samples"
    return found[0] if found else None


def dashboards() -> list[tuple[Path, dict]]:
    return [(p, json.loads(p.read_text())) for p in sorted(DASHBOARDS.glob("*.json"))]


def panels(board: dict) -> Iterator[dict]:
    """Every panel, the ones inside (collapsed) rows too."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


GRAFANA_VARS = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def fill(expr: str, values: dict[str, str]) -> str:
    """The expression with Grafana's and the dashboard's template variables filled in."""
    for var, val in GRAFANA_VARS.items():
        expr = expr.replace(var, val)
    for var, val in values.items():
        assert re.fullmatch(r"[A-Za-z0-9_-]+", val), f"{val!r} would need regex escaping"
        expr = expr.replace("${" + var + "}", val).replace("$" + var, val)
    assert "$" not in expr, f"unfilled variable in {expr!r}"
    return expr


def metric_names(expr: str) -> set[str]:
    """The Titip metric names an expression reads (all of ours start with titip_)."""
    return set(re.findall(r"\btitip_[a-z0-9_]+\b", expr))
