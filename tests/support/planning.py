"""Walk a needs plan, a procurement and an issue to a user over HTTP (the planning tests and the
browser test's set-up share these)."""

from __future__ import annotations

from typing import Any

ITEMS = [
    {"kind": "server", "description": "Server rak 2U untuk SIMPUS", "quantity": 2, "uom": "unit",
     "unit_price": "185000000.00", "justification": "Server lama habis garansi"},
    {"kind": "end_user_device", "description": "Laptop petugas puskesmas", "quantity": 10, "uom": "unit",
     "unit_price": "14500000.50", "justification": "Pelayanan keliling"},
    {"kind": "software_licence", "description": "Lisensi antivirus", "quantity": 50, "uom": "lisensi",
     "unit_price": "350000.00", "justification": "Perlindungan endpoint"},
]


def call(client, world, method: str, path: str, who: str, body: dict[str, Any] | None = None,
         expect: int = 200) -> dict[str, Any]:
    r = client.request(method, f"/api/v1/{path}", headers=world.auth(who), json=body)
    assert r.status_code == expect, f"{method} {path} by {who}: {r.status_code} {r.text}"
    return r.json()


def act(client, world, path: str, action: str, who: str, body: dict[str, Any] | None = None,
        expect: int = 200) -> dict[str, Any]:
    return call(client, world, "POST", f"{path}/actions/{action}", who, body, expect)


def submit(client, world, who: str = "contact_a", items: list[dict[str, Any]] | None = None,
           year: int = 2027) -> dict[str, Any]:
    return call(client, world, "POST", "needs-plans", who, {
        "budget_year": year, "letter_number": "027/114/DINKES/2026", "letter_date": "2026-11-16",
        "title": "Kebutuhan TIK Dinas Kesehatan", "items": items or ITEMS}, expect=201)


def to_approved(client, world, plan: dict[str, Any]) -> dict[str, Any]:
    """Disposition, review, assessment and the head's approval of every item."""
    path = f"needs-plans/{plan['id']}"
    act(client, world, path, "disposition", "head", {"note": "Kabid, mohon ditelaah"})
    act(client, world, path, "review", "division_head", {"forward": True, "findings": "Sesuai renstra"})
    ids = [i["id"] for i in plan["items"]]
    act(client, world, path, "assess", "officer",
        {"items": [{"id": i, "recommended": True, "assessment": "Diperlukan"} for i in ids]})
    return act(client, world, path, "approve", "head", {
        "decision_number": "027/201/KOMINFO/2026", "items": [{"id": i, "decision": "approved"} for i in ids]})
