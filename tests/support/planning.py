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


def matrix_cases(client, world) -> dict[str, int]:
    """For the role matrix: a plan just submitted (one item), an approved plan's item to procure,
    a procurement just ordered, and an asset issued to DISKES (not yet reported)."""
    plan = submit(client, world, items=ITEMS[:1])
    approved = to_approved(client, world, submit(client, world))
    items = [i["id"] for i in approved["items"]]

    def procure(item: int, serial: str | None = None) -> dict[str, Any]:
        p = call(client, world, "POST", "procurements", "officer", {
            "item_id": item, "method": "e_purchasing", "vendor": "PT Matriks", "contract_number": f"SP/{item}",
            "contract_value": "1000000.00", "quantity": 1}, expect=201)
        if serial:
            p = act(client, world, f"procurements/{p['id']}", "receive", "officer", {
                "received_on": "2027-01-02", "receipt_number": "BA/1",
                "assets": [{"brand": "Dell", "model": "R250", "serial_number": serial, "height_u": 1}]})
        return p

    issued = procure(items[0], "MTX-ISSUE-1")["assets"][0]["server_id"]
    issue = call(client, world, "POST", "asset-issues", "section_head", {
        "server_id": issued, "to_unit": "DISKES", "recipient_name": "Pengguna", "bast_number": "BAST/MTX/1"},
        expect=201)
    return {"plan": plan["id"], "plan_item": plan["items"][0]["id"], "approved_item": items[2],
            "procurement": procure(items[1])["id"], "issue": issue["id"], "issued_server": issued, "year": 2027}


GIVER = {"name": "Bambang Kasi", "nip": "197001011995031001", "position": "Kepala Seksi Aplikasi"}
RECIPIENT = {"name": "Rina Kontak", "nip": "198001012005012002", "position": "Pengelola TIK Unit"}


def sign_bast(client, world, issue_id: int, giver: str = "section_head", recipient: str = "contact_b"
              ) -> dict[str, Any]:
    """Both sides sign an issue's BAST (the office first); returns the signed issue."""
    path = f"asset-issues/{issue_id}"
    act(client, world, path, "sign_as_giver", giver, GIVER)
    return act(client, world, path, "sign_as_recipient", recipient, RECIPIENT)
