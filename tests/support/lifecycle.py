"""Open one case of each lifecycle kind, as the role matrix needs them (issue 8)."""

from __future__ import annotations


def open_cases(client, world) -> dict[str, int]:
    """A maintenance case approved by the division head on the section head's memo, one awaiting that
    memo, a transfer and a disposal just requested."""
    def post(path: str, who: str, body: dict | None = None, expect: int = 201) -> dict:
        r = client.post(f"/api/v1/{path}", headers=world.auth(who), json=body)
        assert r.status_code == expect, r.text
        return r.json()

    ids = {"maintenance_id": post("maintenance-cases", "officer", {
        "server_id": world.ids["server_a"], "kind": "repair", "analysis": "Kipas rusak"})["id"]}
    post(f"maintenance-cases/{ids['maintenance_id']}/actions/issue_memo", "section_head", expect=200)
    post(f"maintenance-cases/{ids['maintenance_id']}/actions/approve", "division_head", expect=200)
    # A second one waits for the section head's nota dinas (SOP 001 Perbaikan 2).
    ids["memo_maintenance_id"] = post("maintenance-cases", "officer", {
        "server_id": world.ids["server_a"], "kind": "maintenance", "analysis": "Debu pada filter"})["id"]
    ids["transfer_id"] = post("transfers", "contact_a", {
        "server_id": world.ids["server_a"], "to_unit": "BAPPEDA", "reason": "Pindah pengelola"})["id"]
    ids["disposal_id"] = post("disposals", "contact_b", {
        "server_id": world.ids["server_b"], "method": "pemusnahan", "reason": "Rusak berat"})["id"]
    return ids
