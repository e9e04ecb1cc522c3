"""People are told when a step becomes theirs (in-app; by mail too when they have an address)."""

from __future__ import annotations

from tests.support import custody as flow


def inbox(client, world, who: str) -> list[dict]:
    return client.get("/api/v1/notifications", headers=world.auth(who)).json()["items"]


def turns(client, world, who: str) -> list[str]:
    return [n["subject"] for n in inbox(client, world, who) if n["kind"] == "your_turn"]


def test_each_disposition_and_the_officers_steps_reach_their_owner(client, world):
    rid = flow.submit(client, world)["id"]
    assert [s for s in turns(client, world, "head") if f"#{rid}" in s], "Kadis is told of a new letter"
    assert turns(client, world, "division_head") == [] and turns(client, world, "officer") == []
    flow.act(client, world, rid, "head_dispose", "head")
    assert any(f"#{rid}: Didisposisi Kepala Dinas" in s for s in turns(client, world, "division_head"))
    flow.act(client, world, rid, "division_dispose", "division_head", {"officer": "officer"})
    assert any(f"#{rid}: Didisposisi ke petugas" in s for s in turns(client, world, "officer"))
    flow.act(client, world, rid, "reserve_space", "officer")
    flow.act(client, world, rid, "receive", "officer")
    flow.act(client, world, rid, "inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK})
    # The unit is asked to sign the handover form; the officer who just moved is not told.
    assert any(f"#{rid}: Sudah diperiksa" in s for s in turns(client, world, "contact_a"))
    assert not any("Sudah diperiksa" in s for s in turns(client, world, "officer"))
    assert turns(client, world, "contact_b") == []                  # another unit hears nothing
    assert not any("Ruang tersedia" in s for s in turns(client, world, "contact_a"))  # told by its own notice


def test_tickets_tell_the_helpdesk_the_division_and_keep_the_reporter_informed(client, world):
    from tests.support.tickets import catalogue
    services = catalogue(client, world)
    r = client.post("/api/v1/tickets", headers=world.auth("contact_a"),
                    json={"subject": "SIMPUS lambat", "description": "Sejak pagi"})
    tid = r.json()["id"]
    assert any(f"#{tid}" in s for s in turns(client, world, "helpdesk"))
    client.post(f"/api/v1/tickets/{tid}/actions/triage", headers=world.auth("helpdesk"),
                json={"service": services["SRV-CONFIG"]})
    # The division's members are told (its head and its officers); the head of office is not.
    assert any(f"#{tid}: Di bidang" in s for s in turns(client, world, "division_head"))
    assert any(f"#{tid}: Di bidang" in s for s in turns(client, world, "officer"))
    assert not any(f"#{tid}" in s for s in turns(client, world, "head"))
    client.post(f"/api/v1/tickets/{tid}/actions/take", headers=world.auth("officer"), json={})
    client.post(f"/api/v1/tickets/{tid}/actions/resolve", headers=world.auth("officer"),
                json={"resolution": "Indeks basis data dibangun ulang"})
    assert any(f"#{tid}: Diselesaikan" in s for s in turns(client, world, "division_head"))
    progress = [n for n in inbox(client, world, "contact_a") if n["kind"] == "ticket_progress"]
    assert [n["subject"] for n in progress] == [f"Tiket #{tid}: Diselesaikan", f"Tiket #{tid}: Ditangani petugas",
                                               f"Tiket #{tid}: Di bidang"]
    assert "Indeks basis data dibangun ulang" in progress[0]["body"]


def test_a_lifecycle_case_tells_the_section_head_then_the_division_head(client, world):
    r = client.post("/api/v1/maintenance-cases", headers=world.auth("officer"), json={
        "server_id": world.ids["server_a"], "kind": "repair", "analysis": "Kipas PSU berisik"})
    mid = r.json()["id"]
    # SOP 001 Perbaikan 2-3: the Kasi's nota dinas is owed first, then the Kabid's decision on it.
    assert any(f"Pemeliharaan #{mid}" in s for s in turns(client, world, "section_head"))
    assert not any(f"Pemeliharaan #{mid}" in s for s in turns(client, world, "division_head"))
    r = client.post(f"/api/v1/maintenance-cases/{mid}/actions/issue_memo", headers=world.auth("section_head"))
    assert r.status_code == 200, r.text
    assert any(f"Pemeliharaan #{mid}: Nota dinas ke Kabid" in s for s in turns(client, world, "division_head"))
