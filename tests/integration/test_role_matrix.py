"""Every endpoint times every role, including another unit's contact person and nobody at all.

`ok` means the caller got past the role and unit checks (2xx, or 409/422 about the data itself);
`denied` is a refused workflow move (403 for the role, or 409 when the state allows nothing).
A new endpoint without a row here fails `test_matrix_covers_every_endpoint`.
"""

from __future__ import annotations

import re

import pytest

LETTER = {"letter_file": ("surat.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
WIPE_REPORT = {"report_file": ("wipe.log", b"shred: selesai\n", "text/plain")}
TICKET_FILE = {"file": ("log.txt", b"error 502\n", "text/plain")}
ROLES = ["admin", "head", "division_head", "officer", "helpdesk", "contact_a", "contact_b", "section_head",
         "property_manager"]
OK = {200, 201, 202, 204, 409, 422}

ALL = dict.fromkeys(ROLES, "ok")
STAFF = {"admin": "ok", "head": "ok", "division_head": "ok", "officer": "ok", "helpdesk": "ok",
         "section_head": "ok", "property_manager": "ok", "contact_a": 403, "contact_b": 403}
ADMIN_ONLY = {r: ("ok" if r == "admin" else 403) for r in ROLES}
SPACE = {r: ("ok" if r in ("admin", "officer") else 403) for r in ROLES}
# The register's data and the monthly inventory: also the property manager (Pengelola Barang).
KEEPERS = {**SPACE, "property_manager": "ok"}
OWN_UNIT = {**ALL, "contact_b": 404}
# A ticket's people (once triaged to APTIKA): the reporter's unit, the helpdesk, the heads, the division.
TICKET_PEOPLE = {**ALL, "admin": 403, "contact_b": 404, "section_head": 403, "property_manager": 403}
AUDIT = {r: ("ok" if r in ("admin", "head", "division_head") else 403) for r in ROLES}
EDIT_SERVER = {"admin": "ok", "officer": "ok", "contact_a": "ok", "head": 403, "division_head": 403,
               "helpdesk": 403, "section_head": 403, "property_manager": "ok"}

# (method, path template, body, expectations)
MATRIX = [
    ("GET", "/api/v1/auth/me", None, ALL),
    ("GET", "/api/v1/units", None, ALL),
    ("GET", "/api/v1/units/{unit_a}", None, OWN_UNIT),
    ("POST", "/api/v1/units", {"code": "DISDIK", "name": "Dinas Pendidikan"}, ADMIN_ONLY),
    ("PATCH", "/api/v1/units/{unit_a}", {"name": "Dinas Kesehatan Kab."}, ADMIN_ONLY),
    ("DELETE", "/api/v1/units/{unit_a}", None, ADMIN_ONLY),
    ("GET", "/api/v1/users", None, ADMIN_ONLY),
    ("GET", "/api/v1/users/{officer}", None, ADMIN_ONLY),
    ("POST", "/api/v1/users", {"username": "baru", "password": "panjang-sekali", "role": "officer",
                               "full_name": "Pegawai Baru"}, ADMIN_ONLY),
    ("PATCH", "/api/v1/users/{officer}", {"full_name": "Petugas"}, ADMIN_ONLY),
    ("DELETE", "/api/v1/users/{helpdesk_spare}", None, ADMIN_ONLY),
    ("GET", "/api/v1/rooms", None, STAFF),
    ("GET", "/api/v1/rooms/{room}", None, STAFF),
    ("POST", "/api/v1/rooms", {"name": "Ruang B"}, ADMIN_ONLY),
    ("PATCH", "/api/v1/rooms/{room}", {"name": "Ruang Server Utama"}, ADMIN_ONLY),
    ("DELETE", "/api/v1/rooms/{room}", None, ADMIN_ONLY),
    ("GET", "/api/v1/rooms/{room}/free-slots?height_u=2", None, STAFF),
    ("GET", "/api/v1/racks", None, STAFF),
    ("GET", "/api/v1/racks/{rack1}", None, STAFF),
    ("POST", "/api/v1/racks", {"room_id": 1, "name": "R09"}, SPACE),
    ("PATCH", "/api/v1/racks/{rack1}", {"name": "R01"}, SPACE),
    ("DELETE", "/api/v1/racks/{rack1}", None, SPACE),
    ("GET", "/api/v1/racks/{rack1}/elevation", None, STAFF),
    ("GET", "/api/v1/racks/{rack1}/reservations", None, STAFF),
    ("POST", "/api/v1/racks/{rack1}/reservations", {"u_bottom": 30, "height_u": 1}, SPACE),
    ("DELETE", "/api/v1/racks/{rack1}/reservations/{alloc}", None, SPACE),
    ("GET", "/api/v1/servers", None, ALL),
    ("GET", "/api/v1/servers/{server_a}", None, OWN_UNIT),
    ("GET", "/api/v1/servers/{server_a}/history", None, OWN_UNIT),
    ("POST", "/api/v1/servers", {"unit_code": "DISKES", "brand": "Lenovo", "model": "SR650",
                                 "serial_number": "LNV-9", "height_u": 2, "power_w": 500},
     {**EDIT_SERVER, "contact_b": 403}),
    ("PATCH", "/api/v1/servers/{server_a}", {"hostname": "srv-a"}, {**EDIT_SERVER, "contact_b": 404}),
    ("DELETE", "/api/v1/servers/{server_a}", None, SPACE),
    ("GET", "/api/v1/custody-requests", None, ALL),
    ("GET", "/api/v1/custody-requests/{request}", None, OWN_UNIT),
    ("POST", "/api/v1/custody-requests", {"letter_number": "1", "letter_date": "2026-11-20", "server": {
        "brand": "Dell", "model": "R650", "serial_number": "MTX-1", "height_u": 1, "power_w": 300}},
     {**dict.fromkeys(ROLES, 403), "contact_a": "ok", "contact_b": "ok"}),
    ("POST", "/api/v1/custody-requests/{request}/actions/receive", {},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "contact_b": 404}),
    ("POST", "/api/v1/custody-requests/{request}/letter", LETTER, {**ALL, "contact_b": 404}),
    ("GET", "/api/v1/documents/{document}", None, OWN_UNIT),
    # The scan of an outside office's letter (a 422 for staff: the form names another file field).
    ("POST", "/api/v1/letter-scans", LETTER, STAFF),
    ("GET", "/api/v1/notifications", None, ALL),
    ("POST", "/api/v1/notifications/{notification}/read", None,
     {**dict.fromkeys(ROLES, 404), "contact_a": "ok"}),
    ("POST", "/api/v1/servers/{server_a}/enrollment-tokens", None, {**SPACE, "contact_b": 403}),
    ("POST", "/api/v1/servers/{server_a}/inventory-request", None, SPACE),
    ("GET", "/api/v1/servers/{server_a}/reports", None, OWN_UNIT),
    ("GET", "/api/v1/findings", None, ALL),
    ("POST", "/api/v1/findings/{finding}/accept", None, SPACE),
    ("POST", "/api/v1/findings/{finding}/reject", None, SPACE),
    ("DELETE", "/api/v1/agents/{agent}", None, SPACE),
    ("POST", "/api/v1/servers/{server_a}/targets", {"kind": "ssh", "address": "127.0.0.1", "port": 1,
                                                     "username": "root", "password": "rahasia"}, SPACE),
    ("GET", "/api/v1/servers/{server_a}/targets", None, STAFF),
    ("POST", "/api/v1/targets/{target}/collect", None, SPACE),
    ("PUT", "/api/v1/targets/{target}/secrets", {"password": "rahasia-baru"}, SPACE),
    ("DELETE", "/api/v1/targets/{target}", None, SPACE),
    ("GET", "/api/v1/inventory-runs", None, STAFF),
    ("POST", "/api/v1/inventory-runs", {"period": "2026-01"}, KEEPERS),
    ("GET", "/api/v1/inventory-runs/2026-02", None, STAFF),
    ("PUT", "/api/v1/inventory-runs/2026-02/items/{inventoried}/condition",
     {"condition": "baik", "reason": "x"}, KEEPERS),
    ("POST", "/api/v1/inventory-runs/2026-02/sign", {"name": "Agus", "position": "Petugas"}, KEEPERS),
    ("GET", "/api/v1/inventory-runs/2026-02/form.xlsx", None, STAFF),
    ("GET", "/api/v1/inventory-runs/2026-02/form.pdf", None, STAFF),
    ("POST", "/api/v1/tickets", {"subject": "Lambat", "description": "Aplikasi lambat"}, ALL),
    ("GET", "/api/v1/tickets", None, ALL),
    ("GET", "/api/v1/tickets/{ticket}", None, OWN_UNIT),
    ("GET", "/api/v1/tickets/waiting", None, ALL),
    ("POST", "/api/v1/tickets/{ticket}/actions/triage", {"service": "{service}"},
     {**dict.fromkeys(ROLES, "denied"), "helpdesk": "ok", "contact_b": 404}),
    # Once triaged to APTIKA (division_head and officer are its members), everyone involved but the admin.
    ("POST", "/api/v1/tickets/{ticket}/comments", {"body": "Sudah dicoba ulang"}, TICKET_PEOPLE),
    ("POST", "/api/v1/tickets/{ticket}/attachments", TICKET_FILE, TICKET_PEOPLE),
    ("GET", "/api/v1/tickets/{ticket}/attachments/{ticket_file}", None, TICKET_PEOPLE),
    ("GET", "/api/v1/divisions", None, STAFF),
    ("POST", "/api/v1/divisions", {"code": "INFRA", "name": "Bidang Infrastruktur"}, ADMIN_ONLY),
    ("PATCH", "/api/v1/divisions/{division}", {"name": "Bidang Aptika"}, ADMIN_ONLY),
    ("PUT", "/api/v1/divisions/{division}/members", {"usernames": ["division_head", "officer"]}, ADMIN_ONLY),
    ("GET", "/api/v1/service-catalogue", None, ALL),
    ("POST", "/api/v1/service-catalogue", {"code": "NET", "name": "Jaringan", "category": "incident",
                                           "division": "APTIKA"}, ADMIN_ONLY),
    ("PATCH", "/api/v1/service-catalogue/{service}", {"priority": "high"}, ADMIN_ONLY),
    # Asset lifecycle. Servers 1 and 2 are world's server_a (DISKES) and server_b (BAPPEDA); the
    # transfer goes from DISKES to BAPPEDA, so both units' contacts see it.
    ("GET", "/api/v1/assets", None, ALL),
    ("GET", "/api/v1/servers/{server_a}/asset", None, OWN_UNIT),
    ("PUT", "/api/v1/servers/{server_a}/asset", {"owner": "office", "asset_code": "1.3.2.10", "nup": "0001"},
     {r: ("ok" if r in ("officer", "property_manager") else 403) for r in ROLES}),
    ("GET", "/api/v1/servers/{server_a}/asset-card.pdf", None, OWN_UNIT),
    ("POST", "/api/v1/maintenance-cases", {"server_id": 1, "kind": "repair", "analysis": "Disk gagal"},
     {**dict.fromkeys(ROLES, 403), "officer": "ok"}),
    ("GET", "/api/v1/maintenance-cases", None, ALL),
    ("GET", "/api/v1/maintenance-cases/{maintenance_id}", None, OWN_UNIT),
    ("POST", "/api/v1/maintenance-cases/{memo_maintenance_id}/actions/issue_memo", {"note": "Mohon persetujuan"},
     {**dict.fromkeys(ROLES, "denied"), "section_head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/maintenance-cases/{maintenance_id}/actions/assign",
     {"letter_number": "800/1", "officer": "officer"},
     {**dict.fromkeys(ROLES, "denied"), "head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/transfers", {"server_id": 1, "to_unit": "BAPPEDA", "reason": "Pindah"},
     {**dict.fromkeys(ROLES, 403), "officer": "ok", "contact_a": "ok", "contact_b": 404}),
    ("GET", "/api/v1/transfers", None, ALL),
    ("GET", "/api/v1/transfers/{transfer_id}", None, ALL),
    ("POST", "/api/v1/transfers/{transfer_id}/actions/approve", {},
     {**dict.fromkeys(ROLES, "denied"), "division_head": "ok"}),
    ("POST", "/api/v1/disposals", {"server_id": 2, "method": "pemusnahan", "reason": "Rusak berat"},
     {**dict.fromkeys(ROLES, 403), "officer": "ok", "contact_b": "ok", "contact_a": 404}),
    ("GET", "/api/v1/disposals", None, ALL),
    ("GET", "/api/v1/disposals/{disposal_id}", None, {**ALL, "contact_a": 404}),
    ("POST", "/api/v1/disposals/{disposal_id}/actions/review", {"eligible": True, "findings": "Layak"},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "contact_a": 404}),
    ("POST", "/api/v1/disposals/{disposal_id}/wipe-report", WIPE_REPORT,
     {**dict.fromkeys(ROLES, 403), "officer": "ok", "contact_a": 404}),
    ("GET", "/api/v1/reconciliation/2026-02.xlsx", None, STAFF),
    # The monthly report to the Asisten: the property manager (or the admin) issues it, once (the
    # admin's issues February's, signed above; the property manager's is then a 409); staff read it.
    ("POST", "/api/v1/reconciliation-reports", {"period": "2026-02", "name": "Sri", "position": "Pengelola Barang"},
     {r: ("ok" if r in ("admin", "property_manager") else 403) for r in ROLES}),
    ("GET", "/api/v1/reconciliation-reports", None, STAFF),
    ("GET", "/api/v1/reconciliation-reports/2026-02.pdf", None, STAFF),
    # The evaluation: staff for the office or any unit, a contact person for their own unit only.
    ("GET", "/api/v1/evaluations?unit=DISKES", None, {**ALL, "contact_b": 403}),
    ("GET", "/api/v1/evaluations/evaluation.xlsx?unit=DISKES", None, {**ALL, "contact_b": 403}),
    # issuing the PDF stores a document (a POST); the GET after it reads that one back
    ("POST", "/api/v1/evaluations/evaluation.pdf?unit=DISKES", None, {**ALL, "contact_b": 403}),
    ("GET", "/api/v1/evaluations/evaluation.pdf?unit=DISKES", None, {**ALL, "contact_b": 403}),
    ("GET", "/api/v1/audit/events", None, AUDIT),
    ("GET", "/api/v1/audit/verify", None, AUDIT),
    # Needs planning, procurement and issue to a user (SOP 000 and 001). The plan is DISKES's, one
    # item, just submitted; each move's row takes it one step on (the first allowed role moves it).
    ("POST", "/api/v1/needs-plans", {"unit_code": "DISKES", "budget_year": 2027, "letter_number": "027/M/1",
                                     "items": [{"kind": "server", "description": "Server", "quantity": 1,
                                                "unit_price": "1.00", "justification": "x"}]},
     {**dict.fromkeys(ROLES, 403), "officer": "ok", "contact_a": "ok", "section_head": "ok"}),
    ("GET", "/api/v1/needs-plans", None, ALL),
    ("GET", "/api/v1/needs-plans/approved/{year}.xlsx", None, ALL),
    ("GET", "/api/v1/needs-plans/{plan}", None, OWN_UNIT),
    ("POST", "/api/v1/needs-plans/{plan}/actions/disposition", None,
     {**dict.fromkeys(ROLES, "denied"), "head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/review", {"forward": True, "findings": "Lengkap"},
     {**dict.fromkeys(ROLES, "denied"), "division_head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/assess", {"items": [{"id": "{plan_item}", "recommended": True}]},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/approve",
     {"decision_number": "1", "items": [{"id": "{plan_item}", "decision": "approved"}]},
     {**dict.fromkeys(ROLES, "denied"), "head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/return_for_revision",
     {"items": [{"id": "{plan_item}", "decision": "revise"}]},
     {**dict.fromkeys(ROLES, "denied"), "head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/reject", {"reason": "x"},
     {**dict.fromkeys(ROLES, "denied"), "head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/resubmit", {"items": [{"id": "{plan_item}", "quantity": 1}]},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "contact_a": "ok", "section_head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/record_rkpd", {"rkpd_reference": "1.02.01", "letter_number": "P/1"},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "contact_a": "ok", "section_head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/needs-plans/{plan}/actions/send_to_finance", {"letter_number": "1", "simbada_reference": "2"},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "contact_a": "ok", "section_head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/procurements", {"item_id": "{approved_item}", "method": "e_purchasing", "vendor": "PT V",
                                      "contract_number": "SP/M", "contract_value": "1.00", "quantity": 1},
     {**dict.fromkeys(ROLES, 403), "officer": "ok", "section_head": "ok"}),
    ("GET", "/api/v1/procurements", None, ALL),
    ("GET", "/api/v1/procurements/{procurement}", None, OWN_UNIT),
    ("POST", "/api/v1/procurements/{procurement}/actions/receive",
     {"received_on": "2027-01-02", "receipt_number": "BA/M",
      "assets": [{"brand": "Dell", "model": "R250", "serial_number": "MTX-PROC-1"}]},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "section_head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/procurements/{procurement}/actions/report", {"report": "Selesai"},
     {**dict.fromkeys(ROLES, "denied"), "officer": "ok", "section_head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/procurements/{procurement}/actions/cancel", {"reason": "x"},
     {**dict.fromkeys(ROLES, "denied"), "head": "ok", "contact_b": 404}),
    ("POST", "/api/v1/asset-issues", {"server_id": "{issued_server}", "to_unit": "DISKES", "recipient_name": "x",
                                      "bast_number": "BAST/M/2"},
     {**dict.fromkeys(ROLES, 403), "section_head": "ok", "property_manager": "ok"}),
    ("GET", "/api/v1/asset-issues", None, ALL),
    ("GET", "/api/v1/asset-issues/{issue}", None, OWN_UNIT),
    # Both sides sign the BAST: the office (either issuing role, once) and the receiving unit's contact.
    ("POST", "/api/v1/asset-issues/{issue}/actions/sign_as_giver",
     {"name": "Kasi", "nip": "197001011995031001", "position": "Kepala Seksi"},
     {**dict.fromkeys(ROLES, "denied"), "section_head": "ok", "property_manager": "ok", "contact_b": 404}),
    ("POST", "/api/v1/asset-issues/{issue}/actions/sign_as_recipient",
     {"name": "Kontak", "nip": "198001012005011001", "position": "Pengelola TIK"},
     {**dict.fromkeys(ROLES, "denied"), "contact_a": "ok", "contact_b": 404}),
    ("POST", "/api/v1/asset-issues/{issue}/actions/report_installation", {"installed_on": "2027-01-03",
                                                                         "report": "Terpasang"},
     {**dict.fromkeys(ROLES, "denied"), "contact_a": "ok", "contact_b": 404}),
    ("POST", "/api/v1/asset-issues/{issue}/actions/acknowledge", None,
     {**dict.fromkeys(ROLES, "denied"), "section_head": "ok", "contact_b": 404}),
]
# Login, and the agents' own endpoints (machine credentials, tested in test_agents.py).
PUBLIC = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/agents/enroll"), ("POST", "/api/v1/agents/reports")}


def test_matrix_covers_every_endpoint(app, db_url):
    routes = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() if path.startswith("/api/")
              for m in ops}
    covered = {(m, p.split("?")[0]) for m, p, _, _ in MATRIX}
    names = {"unit_a": "unit_id", "officer": "user_id", "helpdesk_spare": "user_id", "room": "room_id",
             "rack1": "rack_id", "alloc": "allocation_id", "server_a": "server_id", "inventoried": "server_id",
             "request": "request_id", "document": "document_id", "notification": "notification_id",
             "finding": "finding_id", "agent": "agent_id", "target": "target_id", "ticket": "ticket_id",
             "ticket_file": "attachment_id", "division": "division_id", "service": "service_id"}
    names.update({"plan": "plan_id", "procurement": "procurement_id", "issue": "issue_id", "year": "budget_year"})
    covered = {(m, p.replace("/2026-02", "/{period}")) for m, p in covered}
    normalised_actions = {(m, p.replace("/actions/receive", "/actions/{action}").replace(
        "/actions/assign", "/actions/{action}")) for m, p in covered}
    covered = covered | normalised_actions
    covered |= {(m, re.sub(r"/actions/[a-z_]+$", "/actions/{action}", p)) for m, p in covered}
    normalised = set()
    for m, p in covered:
        for ours, theirs in names.items():
            p = p.replace("{" + ours + "}", "{" + theirs + "}")
        normalised.add((m, p))
    missing = routes - normalised - PUBLIC
    assert not missing, f"endpoints without a role-matrix row: {sorted(missing)}"


@pytest.fixture
def matrix_world(client, world):
    h = world.auth("officer")
    r = client.post(f"/api/v1/racks/{world.ids['rack1']}/reservations", headers=h,
                    json={"u_bottom": 1, "height_u": 2, "server_id": world.ids["server_a"]})
    world.ids["alloc"] = r.json()["id"]
    spare = client.post("/api/v1/users", headers=world.auth("admin"), json={
        "username": "spare", "password": "panjang-sekali", "role": "helpdesk", "full_name": "Cadangan"})
    world.ids["helpdesk_spare"] = spare.json()["id"]
    from tests.support import custody as flow
    world.ids["request"] = flow.submit(client, world)["id"]
    letter = client.post(f"/api/v1/custody-requests/{world.ids['request']}/letter", headers=world.auth("contact_a"),
                         files={"letter_file": ("s.pdf", b"%PDF-1.4\n", "application/pdf")})
    world.ids["document"] = letter.json()["id"]
    flow.to_assigned(client, world, world.ids["request"])
    flow.act(client, world, world.ids["request"], "reserve_space", "officer")
    inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
    world.ids["notification"] = inbox[0]["id"]
    token = client.post(f"/api/v1/servers/{world.ids['server_a']}/enrollment-tokens", headers=h).json()["token"]
    enrolled = client.post("/api/v1/agents/enroll", json={"token": token, "hostname": "srv-a"}).json()
    world.ids["agent"] = enrolled["agent_id"]
    r = client.post("/api/v1/agents/reports", headers={"Authorization": f"Bearer {enrolled['credential']}"},
                    json={"report_id": "matrix-0001", "kind": "inventory",
                          "payload": {"source": "agent", "hostname": "srv-a", "dmi": {"serial": "Default string"}}})
    assert r.status_code == 200, r.text
    world.ids["finding"] = client.get("/api/v1/findings", headers=h).json()["items"][0]["id"]
    world.ids["target"] = client.post(f"/api/v1/servers/{world.ids['server_a']}/targets", headers=h, json={
        "kind": "ssh", "address": "127.0.0.1", "port": 1, "username": "root", "password": "rahasia"}).json()["id"]
    world.ids["ticket"] = client.post("/api/v1/tickets", headers=world.auth("contact_a"), json={
        "subject": "Server lambat", "description": "Sejak pagi"}).json()["id"]
    from tests.support.tickets import catalogue
    world.ids["service"] = catalogue(client, world)["SRV-ACCESS"]
    world.ids["division"] = client.get("/api/v1/divisions", headers=world.auth("admin")).json()[0]["id"]
    world.ids["ticket_file"] = client.post(f"/api/v1/tickets/{world.ids['ticket']}/attachments",
                                           headers=world.auth("contact_a"), files=TICKET_FILE).json()["id"]
    from tests.support.lifecycle import open_cases
    world.ids.update(open_cases(client, world))
    from tests.support.planning import matrix_cases
    world.ids.update(matrix_cases(client, world))
    from controller.db import unit_of_work
    from controller.domain.choices import AllocationStatus
    from controller.models import User
    from controller.services import inventory, servers, space
    with unit_of_work(client.app.state.sessions, "officer") as s:   # one server in the room to inventory
        officer = s.get(User, world.ids["officer"])
        placed = servers.create_server(s, officer, {"unit_code": "DISKES", "brand": "Dell", "model": "R650",
                                                    "serial_number": "SN-MATRIX-1", "height_u": 1, "power_w": 300})
        space.reserve(s, officer, world.ids["rack2"], 40, 1, placed.id, status=AllocationStatus.occupied)
        world.ids["inventoried"] = placed.id
    inventory.run(client.app.state.sessions, client.app.state.settings, "2026-02")
    return world



def _fill(body, ids: dict[str, int]):
    """Ids a body names ("{plan_item}") filled in from the world, as the path's are."""
    if isinstance(body, dict):
        return {k: _fill(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v, ids) for v in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}") and body[1:-1] in ids:
        return ids[body[1:-1]]
    return body

def test_people_tokens_are_not_agent_credentials(client, world):
    r = client.post("/api/v1/agents/reports", headers=world.auth("officer"), json={
        "report_id": "people-0001", "kind": "heartbeat", "payload": {"source": "agent", "hostname": "x"}})
    assert r.status_code == 401


def test_only_the_section_head_sends_the_maintenance_memo(client, world):
    """SOP 001 Perbaikan 2: the nota dinas is the Kasi's; everyone else is told whose it is, and once
    it is sent, what they may do instead (the Kabid decides on it, nobody sends it twice)."""
    from tests.support.lifecycle import open_cases

    mid = open_cases(client, world)["memo_maintenance_id"]
    path = f"/api/v1/maintenance-cases/{mid}/actions/issue_memo"
    for role in ROLES:
        if role == "section_head":
            continue
        r = client.post(path, headers=world.auth(role), json={})
        if role == "contact_b":                   # another unit's case is not theirs to see
            assert r.status_code == 404, r.text
            continue
        assert r.status_code == 403, (role, r.text)
        assert r.json()["allowed_roles"] == ["section_head"], role
    sent = client.post(path, headers=world.auth("section_head"), json={})
    assert sent.status_code == 200 and sent.json()["state"] == "memo_sent", sent.text
    again = client.post(path, headers=world.auth("section_head"), json={})
    assert again.status_code == 409 and again.json()["allowed_actions"] == [], again.text
    kabid = client.post(path, headers=world.auth("division_head"), json={})
    assert kabid.status_code == 409 and kabid.json()["allowed_actions"] == ["approve", "reject"], kabid.text


def test_every_endpoint_for_every_role(client, matrix_world):
    world = matrix_world
    failures = []
    for method, template, body, expect in MATRIX:
        path = template.format(**world.ids)
        send = {"files": body} if body in (LETTER, WIPE_REPORT, TICKET_FILE) else {"json": _fill(body, world.ids)}
        anon = client.request(method, path, **send)
        if anon.status_code != 401:
            failures.append(f"anonymous {method} {template}: {anon.status_code}")
        for role in ROLES:
            r = client.request(method, path, headers=world.auth(role), **send)
            want = expect[role]
            good = {"ok": r.status_code in OK, "denied": r.status_code in (403, 409)}.get(want, r.status_code == want)
            if not good:
                failures.append(f"{role} {method} {template}: got {r.status_code}, want {want}: {r.text[:120]}")
    assert not failures, "\n".join(failures)
