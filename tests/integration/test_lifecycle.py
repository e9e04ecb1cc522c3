"""The asset lifecycle over HTTP: maintenance, transfer, disposal, the asset card and reconciliation."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader

from tests.support import custody as flow

WIPE_LOG = b"shred -n 3 -z /dev/sda: selesai 2026-11-20 10:15 WIB\n"


def act(client, world, path: str, case_id: int, action: str, who: str, body: dict | None = None,
        expect: int = 200) -> dict:
    r = client.post(f"/api/v1/{path}/{case_id}/actions/{action}", headers=world.auth(who), json=body)
    assert r.status_code == expect, f"{action} by {who}: {r.status_code} {r.text}"
    return r.json()


def open_case(client, world, path: str, who: str, body: dict, expect: int = 201) -> dict:
    r = client.post(f"/api/v1/{path}", headers=world.auth(who), json=body)
    assert r.status_code == expect, f"open {path} by {who}: {r.status_code} {r.text}"
    return r.json()


def pdf_text(content: bytes) -> str:
    """The text without any whitespace: table cells wrap words wherever the column ends."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def holds(text: str, *expected: str) -> None:
    for e in expected:
        assert "".join(e.split()) in text, (e, text)


def place(client, world, server: str, u_bottom: int) -> int:
    r = client.post(f"/api/v1/racks/{world.ids['rack1']}/reservations", headers=world.auth("officer"),
                    json={"u_bottom": u_bottom, "height_u": 2, "server_id": world.ids[server]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_maintenance_walk_with_role_checks_and_the_asset_card(client, world):
    sid = world.ids["server_a"]
    asset = {"asset_code": "1.3.2.10.01.02.001", "nup": "0007", "owner": "office",
             "acquired_on": "2024-03-01", "acquisition_value": "125000000.00"}
    assert client.put(f"/api/v1/servers/{sid}/asset", headers=world.auth("contact_a"), json=asset).status_code == 403
    r = client.put(f"/api/v1/servers/{sid}/asset", headers=world.auth("officer"), json={**asset, "owner": "unit"})
    assert r.status_code == 422  # a unit's server has no office acquisition value
    assert client.put(f"/api/v1/servers/{sid}/asset", headers=world.auth("officer"), json=asset).status_code == 200
    place(client, world, "server_a", 5)
    r = client.patch(f"/api/v1/servers/{sid}", headers=world.auth("officer"), json={"condition": "rusak_ringan"})
    assert r.status_code == 200

    r = client.post("/api/v1/maintenance-cases", headers=world.auth("contact_a"),
                    json={"server_id": sid, "kind": "repair", "analysis": "x"})
    assert r.status_code == 403
    case = open_case(client, world, "maintenance-cases", "officer",
                     {"server_id": sid, "kind": "repair", "analysis": "Disk 2 gagal (SMART), perlu diganti"})
    cid = case["id"]
    assert case["state"] == "requested" and case["allowed_actions"] == []
    # SOP 001 Perbaikan 2: the Kasi's nota dinas comes before the Kabid may decide.
    early = act(client, world, "maintenance-cases", cid, "approve", "division_head", expect=409)
    assert early["allowed_actions"] == []
    denied = act(client, world, "maintenance-cases", cid, "issue_memo", "officer", expect=403)
    assert denied["allowed_roles"] == ["section_head"]
    wrong_state = act(client, world, "maintenance-cases", cid, "record_work", "officer", {}, expect=409)
    assert wrong_state["allowed_actions"] == []
    kasi = client.get(f"/api/v1/maintenance-cases/{cid}", headers=world.auth("section_head")).json()
    assert kasi["allowed_actions"] == ["issue_memo"]
    sent = act(client, world, "maintenance-cases", cid, "issue_memo", "section_head")
    assert sent["state"] == "memo_sent" and [d["kind"] for d in sent["documents"]] == ["nota_dinas"]
    denied = act(client, world, "maintenance-cases", cid, "approve", "officer", expect=403)
    assert denied["allowed_roles"] == ["division_head"]
    act(client, world, "maintenance-cases", cid, "approve", "division_head", {"note": "Segera"})
    act(client, world, "maintenance-cases", cid, "assign", "head", {"letter_number": "800/12/DKI/2026"},
        expect=422)
    act(client, world, "maintenance-cases", cid, "assign", "head",
        {"letter_number": "800/12/DKI/2026", "officer": "officer"})
    act(client, world, "maintenance-cases", cid, "record_work", "officer", {
        "work_done": "Ganti disk 2, rebuild RAID 1", "downtime_start": "2026-11-20T09:00:00+07:00",
        "downtime_end": "2026-11-20T08:00:00+07:00"}, expect=422)
    act(client, world, "maintenance-cases", cid, "record_work", "officer", {
        "work_done": "Ganti disk 2, rebuild RAID 1", "downtime_start": "2026-11-20T09:00:00+07:00",
        "downtime_end": "2026-11-20T11:30:00+07:00",
        "parts": [{"name": "Hard disk SAS 1,2 TB", "quantity": 1, "serial_removed": "WX-OLD-1",
                   "serial_installed": "WX-NEW-9"}]})
    done = act(client, world, "maintenance-cases", cid, "report", "officer",
               {"report": "Server kembali normal", "condition_after": "baik"})
    assert done["state"] == "closed" and done["parts"][0]["serial_installed"] == "WX-NEW-9"
    assert [h["action"] for h in done["history"]] == ["request", "issue_memo", "approve", "assign", "record_work",
                                                      "report"]
    assert [d["kind"] for d in done["documents"]] == ["nota_dinas", "assignment", "activity_report"]
    assert client.get(f"/api/v1/maintenance-cases/{cid}", headers=world.auth("contact_b")).status_code == 404
    assert client.get(f"/api/v1/maintenance-cases/{cid}", headers=world.auth("contact_a")).status_code == 200

    card = client.get(f"/api/v1/servers/{sid}/asset", headers=world.auth("contact_a")).json()
    assert [(c["before"], c["after"]) for c in card["conditions"]] == [
        ("-", "Baik"), ("Baik", "Rusak Ringan"), ("Rusak Ringan", "Baik")]
    assert "R01 U5-U6" in card["location"]
    assert client.get(f"/api/v1/servers/{sid}/asset-card.pdf", headers=world.auth("contact_b")).status_code == 404
    r = client.get(f"/api/v1/servers/{sid}/asset-card.pdf", headers=world.auth("contact_a"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    holds(text, "KARTU INVENTARIS", "1.3.2.10.01.02.001", "0007", "Rp 125.000.000,00", "800/12/DKI/2026",
          "Hard disk SAS 1,2 TB", "2,5 jam", "Rusak Ringan", "Perbaikan", "Selesai, laporan diterima")


def test_transfer_changes_the_holder_with_approvals_and_a_record(client, world):
    sid = world.ids["server_a"]
    body = {"server_id": sid, "to_unit": "BAPPEDA", "reason": "Aplikasi pindah ke Bappeda"}
    open_case(client, world, "transfers", "contact_b", body, expect=404)   # not their server
    open_case(client, world, "transfers", "head", body, expect=403)
    open_case(client, world, "transfers", "contact_a", {**body, "to_unit": "DISKES"}, expect=422)
    cid = open_case(client, world, "transfers", "contact_a", body)["id"]
    open_case(client, world, "transfers", "officer", body, expect=409)     # one open transfer at a time
    assert act(client, world, "transfers", cid, "approve", "head", expect=403)["allowed_roles"] == ["division_head"]
    act(client, world, "transfers", cid, "approve", "division_head")
    assert act(client, world, "transfers", cid, "approve", "division_head", expect=403)["allowed_roles"] == ["head"]
    act(client, world, "transfers", cid, "record_transfer", "officer", {"record_number": "BA-PT/1"}, expect=409)
    act(client, world, "transfers", cid, "approve", "head")
    out = act(client, world, "transfers", cid, "record_transfer", "officer", {"record_number": "BA-PT/001/2026"})
    assert out["state"] == "transferred" and out["documents"][0]["kind"] == "transfer"
    act(client, world, "transfers", cid, "record_transfer", "officer", {"record_number": "x"}, expect=409)

    assert client.get(f"/api/v1/servers/{sid}", headers=world.auth("contact_b")).json()["unit_code"] == "BAPPEDA"
    assert client.get(f"/api/v1/servers/{sid}", headers=world.auth("contact_a")).status_code == 404
    doc = client.get(out["documents"][0]["url"], headers=world.auth("contact_b"))
    assert doc.status_code == 200
    holds(pdf_text(doc.content), "BERITA ACARA ALIH STATUS PENGGUNAAN", "BA-PT/001/2026", "BAPPEDA")
    events = client.get(f"/api/v1/audit/events?entity=server&entity_id={sid}", headers=world.auth("head")).json()
    assert any('"unit_id":' + str(world.ids["unit_b"]) in (e.get("after") or "") for e in events["items"])
    text = pdf_text(client.get(f"/api/v1/servers/{sid}/asset-card.pdf", headers=world.auth("contact_b")).content)
    holds(text, "BA-PT/001/2026", "Alih status penggunaan", "Sudah dialihkan")


def test_destruction_needs_the_regent_wipes_data_frees_the_slot_and_keeps_history(client, world):
    sid, rack = world.ids["server_b"], world.ids["rack1"]
    place(client, world, "server_b", 10)
    cid = open_case(client, world, "disposals", "contact_b",
                    {"server_id": sid, "method": "pemusnahan", "reason": "Rusak berat, tidak ekonomis"})["id"]
    act(client, world, "disposals", cid, "approve", "head", expect=409)
    act(client, world, "disposals", cid, "review", "officer", {"eligible": True, "findings": "Memenuhi syarat"})
    assert act(client, world, "disposals", cid, "approve", "head")["state"] == "awaiting_regent"
    assert act(client, world, "disposals", cid, "record_wipe", "officer", {}, expect=409)["allowed_actions"] == []
    act(client, world, "disposals", cid, "record_regent_approval", "head", {"approver_name": "Bupati"}, expect=422)
    act(client, world, "disposals", cid, "record_regent_approval", "head",
        {"approver_name": "H. Bupati Contoh", "decree_number": "188.45/123/KEP/2026"})
    r = client.post(f"/api/v1/disposals/{cid}/wipe-report", headers=world.auth("officer"),
                    files={"report_file": ("wipe.log", WIPE_LOG, "text/plain")})
    assert r.status_code == 201 and r.json()["sha256"] == hashlib.sha256(WIPE_LOG).hexdigest()
    wiped = act(client, world, "disposals", cid, "record_wipe", "officer", {
        "backup": "NAS-01:/arsip/bappeda-2026", "method": "shred 3x + zero", "wiped_by": "Agus Prasetyo",
        "wiped_at": "2026-11-20T10:15:00+07:00", "report_document_id": r.json()["id"]})
    assert wiped["wipe_sha256"] == hashlib.sha256(WIPE_LOG).hexdigest()
    act(client, world, "disposals", cid, "hand_over", "officer",
        {"recipient_name": "Pengelola Barang BPKAD", "record_number": "BA-MUS/001/2026"})
    elevation = client.get(f"/api/v1/racks/{rack}/elevation", headers=world.auth("officer")).json()
    assert [u["state"] for u in elevation["units"][9:11]] == ["free", "free"]
    done = act(client, world, "disposals", cid, "dispose", "officer")
    assert done["state"] == "disposed" and done["disposed_at"]
    assert len(done["history"]) == 7

    active = client.get("/api/v1/assets", headers=world.auth("officer")).json()["items"]
    assert sid not in [a["server_id"] for a in active]
    everything = client.get("/api/v1/assets?include_disposed=true", headers=world.auth("officer")).json()["items"]
    assert [a["disposed_at"] is not None for a in everything if a["server_id"] == sid] == [True]
    assert client.get(f"/api/v1/servers/{sid}", headers=world.auth("contact_b")).status_code == 200
    listed = client.get("/api/v1/servers", headers=world.auth("contact_b")).json()["items"]
    assert sid not in [s["id"] for s in listed]                       # gone from the unit's list
    listed = client.get("/api/v1/servers?include_disposed=true", headers=world.auth("contact_b")).json()["items"]
    assert sid in [s["id"] for s in listed]                           # but kept, with its history
    open_case(client, world, "maintenance-cases", "officer",
              {"server_id": sid, "kind": "maintenance", "analysis": "x"}, expect=409)
    events = client.get(f"/api/v1/audit/events?entity=disposal_case&entity_id={cid}&limit=100",
                        headers=world.auth("head")).json()
    assert events["total"] >= 7
    assert client.get("/api/v1/audit/verify", headers=world.auth("head")).json()["ok"] is True
    text = pdf_text(client.get(f"/api/v1/servers/{sid}/asset-card.pdf", headers=world.auth("officer")).content)
    holds(text, "DIHAPUS DARI DAFTAR", "188.45/123/KEP/2026", "BA-MUS/001/2026", "Menunggu persetujuan Bupati",
          hashlib.sha256(WIPE_LOG).hexdigest())


def test_deletion_skips_the_regent_and_review_can_refuse(client, world):
    sid = world.ids["server_a"]
    refused = open_case(client, world, "disposals", "officer",
                        {"server_id": sid, "method": "penghapusan", "reason": "Usang"})["id"]
    out = act(client, world, "disposals", refused, "review", "officer", {"eligible": False, "findings": "Masih layak"})
    assert out["state"] == "rejected"
    cid = open_case(client, world, "disposals", "officer",
                    {"server_id": sid, "method": "penghapusan", "reason": "Dihibahkan"})["id"]
    act(client, world, "disposals", cid, "review", "officer", {"eligible": True, "findings": "Layak dihapus"})
    r = client.post(f"/api/v1/disposals/{cid}/actions/approve", headers=world.auth("head"),
                    json={"needs_regent": False})
    assert r.status_code == 422  # the case decides whether the regent is needed, not the caller
    assert act(client, world, "disposals", cid, "approve", "head")["state"] == "approved"
    text = "Log penghapusan: dd if=/dev/zero of=/dev/sda selesai"
    out = act(client, world, "disposals", cid, "record_wipe", "officer", {
        "backup": "Tidak ada data", "method": "dd zero", "wiped_by": "Agus", "wiped_at": "2026-11-21T09:00:00+07:00",
        "report_text": text})
    assert out["wipe_sha256"] == hashlib.sha256(text.encode()).hexdigest()


def test_pemindahtanganan_out_of_the_government_needs_the_regent_unlike_alih_status(client, world):
    """Sale, exchange, grant or capital participation (pemindahtanganan) is a disposal the regent
    approves, recorded on his behalf; moving between units (alih status) is the transfer case."""
    sid = world.ids["server_a"]
    cid = open_case(client, world, "disposals", "officer", {
        "server_id": sid, "method": "pemindahtanganan", "reason": "Dihibahkan kepada sekolah"})["id"]
    act(client, world, "disposals", cid, "review", "officer", {"eligible": True, "findings": "Layak dihibahkan"})
    waiting = act(client, world, "disposals", cid, "approve", "head")
    assert waiting["state"] == "awaiting_regent"
    assert act(client, world, "disposals", cid, "record_wipe", "officer", {}, expect=409)["allowed_actions"] == []
    approved = act(client, world, "disposals", cid, "record_regent_approval", "head",
                   {"approver_name": "H. Bupati Contoh", "decree_number": "188.45/200/KEP/2026"})
    assert approved["state"] == "approved"
    assert (approved["history"][-1]["on_behalf_of"], approved["history"][-1]["letter_number"]) == (
        "bupati", "188.45/200/KEP/2026")
    assert "on_behalf_of" not in approved["history"][0]   # the office's own steps say nothing of it
    bad = client.post("/api/v1/disposals", headers=world.auth("officer"),
                      json={"server_id": world.ids["server_b"], "method": "dijual", "reason": "x"})
    assert bad.status_code == 422 and "method" in bad.text


def test_disposal_of_a_server_in_custody_waits_for_its_return(client, world):
    req = flow.submit(client, world)
    r = client.post("/api/v1/disposals", headers=world.auth("contact_a"),
                    json={"server_id": req["server_id"], "method": "penghapusan", "reason": "Rusak"})
    assert r.status_code == 409 and "return" in r.json()["detail"]


def test_reconciliation_lists_the_register_against_the_inventory(app, client, world):
    from openpyxl import load_workbook

    from controller.services import inventory

    rid = flow.submit(client, world)["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    inventory.run(app.state.sessions, app.state.settings, "2026-02")
    assert client.get("/api/v1/reconciliation/2026-03.xlsx", headers=world.auth("contact_a")).status_code == 403
    r = client.get("/api/v1/reconciliation/2026-03.xlsx", headers=world.auth("head"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6) if row[0].value]
    serials = {row[5]: row for row in rows if isinstance(row[0], int)}
    assert {"SN-A-001", "SN-B-001"} <= set(serials)
    placed = next(row for s, row in serials.items() if s.startswith("CUST-"))
    assert placed[8] == "Tidak" and placed[13].startswith("Tidak terjangkau")
    assert serials["SN-A-001"][13].startswith("Di luar ruang server")
    assert "2026-02" in ws["A2"].value or "Februari 2026" in ws["A2"].value
    assert wb.sheetnames[1] == "Dihapus"


def test_a_step_is_overdue_after_its_sop_time_in_office_time_in_the_view_and_in_metrics(
        app, client, world, monkeypatch):
    """Opened Wed 24 Dec 2025 15:30 WIB, before Christmas, the cuti bersama Friday and a weekend:
    maintenance waits 30 minutes of office time for the Kasi's nota dinas (due 16:00 that Wednesday,
    as the office closes) and, for a memo sent just after closing, 30 more for the Kabid's approval
    (due Mon 29 Dec 08:30, half an hour from Monday's opening); destruction 7 working days (due Wed
    7 Jan, past New Year's Day). Calendar days would have made both late days earlier."""
    from datetime import UTC, datetime, timedelta

    from prometheus_client.parser import text_string_to_metric_families

    import controller.services.lifecycle as service
    import controller.web.routes.assets as web_assets
    from controller.metrics import collector
    from tests.integration.test_web_pages import Browser

    clock = [datetime(2025, 12, 24, 8, 30, tzinfo=UTC)]
    monkeypatch.setattr(service, "utcnow", lambda: clock[0])
    monkeypatch.setattr(collector, "utcnow", lambda: clock[0])
    monkeypatch.setattr(web_assets, "utcnow", lambda: clock[0])

    def at(moment: datetime) -> tuple[dict, dict, dict[tuple[str, str], float]]:
        clock[0] = moment
        m = client.get(f"/api/v1/maintenance-cases/{mid}", headers=world.auth("officer")).json()
        d = client.get(f"/api/v1/disposals/{did}", headers=world.auth("officer")).json()
        r = client.get("/metrics")
        assert r.status_code == 200
        late = {(s.labels["kind"], s.labels["state"]): s.value for f in text_string_to_metric_families(r.text)
                if f.name == "titip_lifecycle_overdue" for s in f.samples}
        return m, d, late

    mid = open_case(client, world, "maintenance-cases", "officer",
                    {"server_id": world.ids["server_a"], "kind": "repair", "analysis": "Kipas PSU bising"})["id"]
    did = open_case(client, world, "disposals", "officer",
                    {"server_id": world.ids["server_b"], "method": "pemusnahan", "reason": "Rusak berat"})["id"]

    m, d, late = at(datetime(2025, 12, 24, 9, 0, tzinfo=UTC))       # 16:00 WIB, due to the second: on time
    assert datetime.fromisoformat(m["due_at"]) == datetime(2025, 12, 24, 9, 0, tzinfo=UTC)
    assert datetime.fromisoformat(d["due_at"]) == datetime(2026, 1, 7, 8, 30, tzinfo=UTC)
    assert (m["overdue"], d["overdue"]) == (False, False)
    assert late[("maintenance", "requested")] == 0 and late[("disposal", "requested")] == 0

    m, d, late = at(datetime(2025, 12, 24, 9, 0, 1, tzinfo=UTC))
    assert (m["overdue"], d["overdue"]) == (True, False)
    assert late[("maintenance", "requested")] == 1 and late[("disposal", "requested")] == 0

    # The Kasi's memo, sent a second after closing, starts the Kabid's 30 minutes at Monday's opening.
    act(client, world, "maintenance-cases", mid, "issue_memo", "section_head")
    m, d, late = at(datetime(2025, 12, 24, 9, 30, tzinfo=UTC))      # half a calendar hour, no office time
    assert m["state"] == "memo_sent" and datetime.fromisoformat(m["due_at"]) == datetime(
        2025, 12, 29, 1, 30, tzinfo=UTC)
    assert (m["overdue"], d["overdue"]) == (False, False)
    assert late[("maintenance", "requested")] == 0 and late[("maintenance", "memo_sent")] == 0

    m, d, late = at(datetime(2025, 12, 29, 1, 30, tzinfo=UTC))      # due to the second: still on time
    assert m["overdue"] is False and late[("maintenance", "memo_sent")] == 0

    m, d, late = at(datetime(2025, 12, 29, 1, 30, 1, tzinfo=UTC))
    assert (m["overdue"], d["overdue"]) == (True, False)
    assert late[("maintenance", "memo_sent")] == 1 and late[("disposal", "requested")] == 0
    listed = client.get("/api/v1/maintenance-cases", headers=world.auth("officer")).json()["items"]
    assert [(c["id"], c["overdue"]) for c in listed] == [(mid, True)]
    page = Browser(app, "officer").get("/assets").text          # the web page's list of open cases
    assert f'class="is-overdue" data-case="maintenance-{mid}"' in page
    assert f'class="" data-case="disposal-{did}"' in page

    # The approval starts the next step's clock: 1 working day from Wed 31 Dec 15:00 WIB.
    clock[0] = datetime(2025, 12, 31, 8, 0, tzinfo=UTC)
    act(client, world, "maintenance-cases", mid, "approve", "division_head")
    m, d, late = at(datetime(2026, 1, 6, 3, 0, tzinfo=UTC))
    assert m["state"] == "approved" and late[("maintenance", "memo_sent")] == 0
    assert datetime.fromisoformat(m["due_at"]) == datetime(2026, 1, 2, 8, 0, tzinfo=UTC)   # past New Year's Day
    assert m["overdue"] is True and late[("maintenance", "approved")] == 1

    m, d, late = at(datetime(2026, 1, 7, 8, 30, tzinfo=UTC) + timedelta(seconds=1))
    assert d["overdue"] is True and late[("disposal", "requested")] == 1
    cases = {(s.labels["kind"], s.labels["state"]): s.value
             for f in text_string_to_metric_families(client.get("/metrics").text)
             if f.name == "titip_lifecycle_cases" for s in f.samples}
    assert cases[("maintenance", "approved")] == 1 and cases[("disposal", "requested")] == 1
    assert cases[("transfer", "requested")] == 0 and len(cases) == sum(len(f.states) for f in _flows())


def _flows():
    from controller.domain.lifecycle_flow import FLOWS

    return FLOWS.values()
