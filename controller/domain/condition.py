"""Proposing an asset condition (Baik / Rusak Ringan / Rusak Berat) from what monitoring sees.

The rules are a table, checked worst first; every rule that holds is given as a reason, and the
worst condition among them is proposed. An officer confirms or sets the condition, with a reason.

| condition     | when |
|---------------|------|
| rusak_berat   | not reached by any source and no agent heartbeat for 7 days |
| rusak_berat   | a temperature at or above 85 °C (or the sensor's critical mark) |
| rusak_berat   | a fan reporting 0 rpm |
| rusak_ringan  | not reached this month, but seen within 7 days |
| rusak_ringan  | a temperature at or above 75 °C (or the sensor's high mark) |
| rusak_ringan  | a filesystem over 90 % full |
| rusak_ringan  | open drift findings (hardware differs from the record) |
| rusak_ringan  | NIC errors counted since boot over 1,000 |
| baik          | none of the above |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .choices import Condition

SEVERITY = {Condition.baik: 0, Condition.rusak_ringan: 1, Condition.rusak_berat: 2}


@dataclass(frozen=True)
class Facts:
    reached: bool
    now: datetime
    last_seen_at: datetime | None = None
    condition: dict[str, Any] | None = None      # a ConditionRecord as a dict
    open_drift: int = 0


def _temps(f: Facts) -> list[dict[str, Any]]:
    return [t for t in (f.condition or {}).get("temperatures") or [] if t.get("celsius") is not None]


def _gone_long(f: Facts) -> str | None:
    if f.reached or (f.last_seen_at and f.now - f.last_seen_at <= timedelta(days=7)):
        return None
    return "tidak terjangkau dan tidak ada heartbeat selama 7 hari / unreachable, no heartbeat for 7 days"


def _hot(limit: float, mark: str) -> Callable[[Facts], str | None]:
    def rule(f: Facts) -> str | None:
        for t in _temps(f):
            edge = min(t.get(mark) or limit, limit)
            if t["celsius"] >= edge:
                return f"suhu {t.get('label') or t.get('sensor') or 'sensor'} {t['celsius']:.0f} °C"
        return None
    return rule


def _fan_stopped(f: Facts) -> str | None:
    for fan in (f.condition or {}).get("fans") or []:
        if fan.get("rpm") == 0:
            return f"kipas {fan.get('label') or fan.get('sensor') or ''} berhenti (0 rpm) / fan stopped"
    return None


def _missed(f: Facts) -> str | None:
    if f.reached or _gone_long(f):
        return None  # the worse rule already says so
    return "tidak terjangkau bulan ini / not reached this month"


def _disk_full(f: Facts) -> str | None:
    for fs in (f.condition or {}).get("filesystems") or []:
        pct = fs.get("used_percent")
        if pct is None and fs.get("size_bytes"):
            pct = 100.0 * (fs.get("used_bytes") or 0) / fs["size_bytes"]
        if pct is not None and pct > 90:
            return f"filesystem {fs.get('mountpoint')} {pct:.0f}% penuh / full"
    return None


def _drift(f: Facts) -> str | None:
    return f"{f.open_drift} temuan perbedaan perangkat keras / hardware drift findings" if f.open_drift else None


def _nic_errors(f: Facts) -> str | None:
    for nic in (f.condition or {}).get("nics") or []:
        errors = sum(nic.get(k) or 0 for k in ("errors_in", "errors_out"))
        if errors > 1000:
            return f"NIC {nic.get('name')} {errors} error"
    return None


RULES: tuple[tuple[Condition, Callable[[Facts], str | None]], ...] = (
    (Condition.rusak_berat, _gone_long),
    (Condition.rusak_berat, _hot(85.0, "critical_celsius")),
    (Condition.rusak_berat, _fan_stopped),
    (Condition.rusak_ringan, _missed),
    (Condition.rusak_ringan, _hot(75.0, "high_celsius")),
    (Condition.rusak_ringan, _disk_full),
    (Condition.rusak_ringan, _drift),
    (Condition.rusak_ringan, _nic_errors),
)


def propose(facts: Facts) -> tuple[Condition, list[str]]:
    worst, reasons = Condition.baik, []
    for condition, rule in RULES:
        why = rule(facts)
        if why:
            reasons.append(why)
            if SEVERITY[condition] > SEVERITY[worst]:
                worst = condition
    return worst, reasons
