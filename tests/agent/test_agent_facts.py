"""The records describe this very machine, with every field of the shared shape."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from agent_helpers import REPO

from agent.facts import PSEUDO_FS, VIRTUAL_DISK_PREFIXES, collect_condition, collect_inventory
from collectors.record import SCHEMA_VERSION, ConditionRecord, InventoryRecord, UnsupportedSchema

INVENTORY_FIELDS = {
    "schema_version", "source", "collected_at", "hostname", "fqdn", "os", "dmi", "cpu",
    "memory_bytes", "disks", "filesystems", "nics", "agent_version", "unreadable",
}


def test_inventory_describes_this_machine() -> None:
    record = collect_inventory()
    data = json.loads(json.dumps(record.to_dict()))  # must survive the wire as-is

    assert data.keys() >= INVENTORY_FIELDS
    assert data["schema_version"] == SCHEMA_VERSION and data["source"] == "agent"
    assert data["hostname"] == socket.gethostname()
    assert data["memory_bytes"] == psutil.virtual_memory().total
    assert data["os"]["kernel"] == platform.release()
    assert set(data["dmi"]) == {"vendor", "product", "serial", "bios_version", "bios_date"}
    assert data["cpu"]["threads"] == os.cpu_count()
    assert data["cpu"]["sockets"] >= 1 and data["cpu"]["cores"] >= 1
    assert data["collected_at"].endswith("Z")
    assert data["agent_version"] == "0.1.0"

    hardware = sorted(p.name for p in Path("/sys/block").iterdir()
                      if not p.name.startswith(VIRTUAL_DISK_PREFIXES))
    assert [d["name"] for d in data["disks"]] == hardware
    for disk in data["disks"]:
        sectors = int(Path(f"/sys/block/{disk['name']}/size").read_text())
        assert disk["size_bytes"] == sectors * 512
        assert set(disk) == {"name", "model", "serial", "size_bytes", "rotational"}

    mounts = {p.mountpoint for p in psutil.disk_partitions() if p.fstype not in PSEUDO_FS}
    assert {f["mountpoint"] for f in data["filesystems"]} == mounts
    assert all(f["fstype"] not in PSEUDO_FS and f["size_bytes"] > 0 for f in data["filesystems"])

    names = [n["name"] for n in data["nics"]]
    assert "lo" not in names and set(names) <= set(psutil.net_if_addrs())
    for nic in data["nics"]:
        assert set(nic) == {"name", "mac", "addresses", "speed_mbps", "is_up"}
        assert nic["is_up"] == psutil.net_if_stats()[nic["name"]].isup

    assert InventoryRecord.from_dict(data) == record


def test_condition_describes_this_machine_now() -> None:
    psutil.cpu_percent(interval=None)
    time.sleep(0.05)
    record = collect_condition()
    data = json.loads(json.dumps(record.to_dict()))

    assert data["hostname"] == socket.gethostname()
    assert data["memory"]["total_bytes"] == psutil.virtual_memory().total
    assert data["memory"]["swap_total_bytes"] == psutil.swap_memory().total
    assert 0 <= data["cpu"]["percent"] <= 100
    assert data["cpu"]["load_1"] == pytest.approx(os.getloadavg()[0], abs=1.0)
    assert abs(data["uptime_seconds"] - (time.time() - psutil.boot_time())) < 5
    assert {f["mountpoint"] for f in data["filesystems"]} == {
        f.mountpoint for f in collect_inventory().filesystems}
    for fs in data["filesystems"]:
        assert 0 <= fs["used_percent"] <= 100
    stats = psutil.net_if_stats()
    for nic in data["nics"]:
        assert nic["is_up"] == stats[nic["name"]].isup
        assert {"errors_in", "errors_out", "drops_in", "drops_out"} <= nic.keys()
    assert isinstance(data["temperatures"], list) and isinstance(data["fans"], list)
    assert ConditionRecord.from_dict(data) == record


def _fake_sys(root: Path) -> Path:
    dmi = root / "sys" / "class" / "dmi" / "id"
    dmi.mkdir(parents=True)
    for name, value in {"sys_vendor": "Dell Inc.", "product_name": "PowerEdge R740",
                        "product_serial": "7XK2Q53", "bios_version": "2.19.1",
                        "bios_date": "To Be Filled By O.E.M."}.items():
        (dmi / name).write_text(value + "\n")
    # root-only, as on real servers; a non-root test run cannot lock itself out otherwise
    (dmi / "product_serial").chmod(0o400 if os.geteuid() == 0 else 0o000)
    (root / "sys" / "block").mkdir()
    return root / "sys"


def _importable_copy(root: Path) -> Path:
    """The agent's code (and psutil) copied where `nobody` may read it: a checkout or venv in a
    private directory (a `mktemp -d`, /root) is closed to that user."""
    import psutil

    py = root / "py"
    for package in (REPO / "agent", REPO / "collectors", Path(psutil.__file__).parent):
        shutil.copytree(package, py / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    for path in (py, *py.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return py


def _run_unprivileged(command: list[str], root: Path) -> subprocess.CompletedProcess[str]:
    """Run as `nobody` when we are root (setpriv, else subprocess's own switch)."""
    options = {"capture_output": True, "text": True, "cwd": root, "timeout": 30,
               "env": {**os.environ, "PYTHONPATH": str(_importable_copy(root)), "PYTHONNOUSERSITE": "1"}}
    if os.geteuid() != 0:
        result = subprocess.run(command, **options)
    else:
        try:
            if shutil.which("setpriv"):
                command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
                result = subprocess.run(command, **options)
            else:
                result = subprocess.run(command, user=65534, group=65534, extra_groups=[], **options)
        except PermissionError as exc:
            pytest.skip(f"the unprivileged user cannot run this Python: {exc}")
    if result.returncode != 0 and "Permission denied" in result.stderr:
        pytest.skip(f"the unprivileged user cannot run this Python: {result.stderr[-200:]}")
    assert result.returncode == 0, result.stderr
    return result


def test_root_only_serial_is_reported_unreadable_not_empty() -> None:
    """Run as an unprivileged user, like the service: the serial is named in `unreadable`."""
    root = Path(tempfile.mkdtemp(prefix="titip-facts-"))
    try:
        root.chmod(0o755)
        sys_root = _fake_sys(root)
        code = ("import json; from pathlib import Path; from agent.facts import collect_inventory, Roots;"
                f"r = collect_inventory(Roots(sys=Path({str(sys_root)!r})));"
                "print(json.dumps({'dmi': r.to_dict()['dmi'], 'unreadable': r.unreadable}))")
        result = _run_unprivileged([sys.executable, "-c", code], root)
        data = json.loads(result.stdout)
    finally:
        shutil.rmtree(root)
    assert data["dmi"]["vendor"] == "Dell Inc." and data["dmi"]["product"] == "PowerEdge R740"
    assert data["dmi"]["serial"] is None and "dmi.serial" in data["unreadable"]
    assert data["dmi"]["bios_date"] is None  # a vendor placeholder is not a fact
    assert "dmi.bios_date" not in data["unreadable"]


def test_record_rejects_what_it_cannot_understand() -> None:
    data = collect_inventory().to_dict()
    with pytest.raises(UnsupportedSchema):
        InventoryRecord.from_dict({**data, "schema_version": SCHEMA_VERSION + 1})
    with pytest.raises(ValueError):
        InventoryRecord.from_dict({**data, "source": "carrier-pigeon"})
    # an additive change from a newer writer of the same version is read, not refused
    extended = {**data, "rack_hint": "R3", "cpu": {**data["cpu"], "flags": ["avx2"]}}
    assert InventoryRecord.from_dict(extended).cpu == InventoryRecord.from_dict(data).cpu
    assert {f.name for f in dataclasses.fields(InventoryRecord)} == INVENTORY_FIELDS
