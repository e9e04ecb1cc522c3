"""Comparing what a machine reports with what the office recorded: plain functions.

Identity never comes from these facts (an agent's credential binds it to one server); they only
raise findings a person decides on. Vendor placeholder serials count as missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from collectors.record import is_placeholder_serial

VIRTUAL_NIC = re.compile(r"^(lo|docker|veth|br-|virbr|ifb|tun|tap|vnet|cali|flannel|cni|kube|dummy|bond)")
MEMORY_TOLERANCE = 0.05   # firmware and kernel reserve a little; 5% still catches a missing DIMM


@dataclass(frozen=True)
class Drift:
    field: str
    recorded: str | None
    observed: str | None


def hardware_of(record: dict[str, Any]) -> dict[str, Any]:
    """The parts of an inventory record that identify the hardware (the baseline's shape)."""
    cpu = record.get("cpu") or {}
    disks = sorted(
        (str(d["serial"]) if not is_placeholder_serial(d.get("serial")) else f"{d.get('name')}:{d.get('size_bytes')}")
        for d in record.get("disks") or [] if isinstance(d, dict))
    nics = sorted((n.get("mac") or "").lower() for n in record.get("nics") or []
                  if isinstance(n, dict) and n.get("mac") and not VIRTUAL_NIC.match(n.get("name") or "")
                  and n.get("mac") != "00:00:00:00:00:00")
    return {"cpu": f"{cpu.get('model')} / {cpu.get('sockets')} socket / {cpu.get('cores')} core / "
                   f"{cpu.get('threads')} thread",
            "memory_bytes": record.get("memory_bytes"), "disks": disks, "nics": nics}


def compare(recorded_serial: str, baseline: dict[str, Any] | None, record: dict[str, Any]) -> list[Drift]:
    """Differences between the record and the office's data; an empty baseline is no drift."""
    out: list[Drift] = []
    serial = (record.get("dmi") or {}).get("serial")
    if serial is not None and not is_placeholder_serial(serial) and serial.strip() != recorded_serial.strip():
        out.append(Drift("serial_number", recorded_serial, serial.strip()))
    if not baseline:
        return out
    now = hardware_of(record)
    if now["cpu"] != baseline.get("cpu"):
        out.append(Drift("cpu", baseline.get("cpu"), now["cpu"]))
    old_mem, new_mem = baseline.get("memory_bytes"), now["memory_bytes"]
    if old_mem and new_mem and abs(new_mem - old_mem) > MEMORY_TOLERANCE * old_mem:
        out.append(Drift("memory_bytes", str(old_mem), str(new_mem)))
    for key in ("disks", "nics"):
        if now[key] != baseline.get(key):
            out.append(Drift(key, ", ".join(baseline.get(key) or []), ", ".join(now[key])))
    return out
