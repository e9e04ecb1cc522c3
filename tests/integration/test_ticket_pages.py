"""The helpdesk's pages over HTTP without a browser (SOP 003): filing in the reporter's words with a
file, triage against the catalogue, the division's steps, comments, the separate close, the
queues, and the admin's catalogue page. The browser walk is tests/e2e/test_helpdesk_browser.py."""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.integration.test_web_pages import Browser, people  # noqa: F401 - the fixture
from tests.support import custody as flow
from tests.support.tickets import catalogue

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _act(b: Browser, tid: int, action: str, data: dict | None = None) -> str:
    r = b.post(f"/tickets/{tid}/actions/{action}", data)
    assert r.status_code == 303 and r.headers["location"] == f"/tickets/{tid}", r.text
    return b.get(r.headers["location"]).text


def _file(b: Browser, subject: str, description: str, **extra) -> int:
    files = extra.pop("files", None)
    r = b.post("/tickets", {"subject": subject, "description": description, **extra}, files=files)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_a_helpdesk_ticket_through_the_pages(app, world, people):  # noqa: F811
    services = catalogue(TestClient(app), world)
    a, b, officer = people["contact_a"], people["contact_b"], people["officer"]
    for path in ("/tickets", "/requests/1/ticket", "/tickets/1/actions/triage", "/tickets/1/comments"):
        assert a.post(path, {"subject": "x", "description": "y"}, csrf=False).status_code == 403, path
    form = a.get("/tickets/new").text
    assert "SN-A-001" in form and "SN-B-001" not in form  # only the caller's unit's servers
    assert 'enctype="multipart/form-data"' in form and 'name="file"' in form
    tid = _file(a, "Server SIMPUS lambat", "Sejak pagi tidak merespons", server_id=str(world.ids["server_a"]),
                files={"file": ("layar.png", PNG, "image/png")})
    page = a.get(f"/tickets/{tid}").text
    assert f"Tiket #{tid} sudah diajukan." in page and "Diajukan" in page and "SN-A-001" in page
    assert "Sejak pagi tidak merespons" in page and "layar.png" in page
    assert f'data-ticket="{tid}"' in a.get("/tickets").text
    # A file of another kind is refused with the form kept, and nothing is filed.
    bad = a.post("/tickets", {"subject": "Dua", "description": "Tiga"}, files={"file": ("x.exe", b"MZ\x00", "x")})
    assert bad.status_code == 422 and "Dua" in bad.text
    assert "Dua" not in a.get("/tickets").text
    # Another unit's contact person sees no such ticket, and may not file about our server.
    assert b.get(f"/tickets/{tid}").status_code == 404
    assert b.post(f"/tickets/{tid}/actions/triage", {"service": "1"}).status_code == 404
    assert b.post(f"/tickets/{tid}/comments", {"body": "x"}).status_code == 404
    assert f'data-ticket="{tid}"' not in b.get("/tickets").text
    bad = b.post("/tickets", {"subject": "x", "description": "y", "server_id": str(world.ids["server_a"])})
    assert bad.status_code == 422 and "Isian Server tidak valid" in bad.text
    # The helpdesk triages against the catalogue (an officer may not).
    assert "Peran Anda tidak berwenang" in _act(officer, tid, "triage", {"service": str(services["SRV-ACCESS"])})
    page = people["helpdesk"].get(f"/tickets/{tid}").text
    assert 'id="act-triage"' in page and "SRV-ACCESS" in page and 'id="act-refuse"' in page
    page = _act(people["helpdesk"], tid, "triage", {"service": str(services["SRV-ACCESS"])})
    assert "Di bidang" in page and "Bidang Aptika" in page and "Tinggi" in page
    # The division: on the officer's queue and the division head's inbox.
    assert f'data-ticket="{tid}"' in officer.get("/queue").text
    assert f'data-ticket="{tid}"' in people["division_head"].get("/inbox").text
    assert f'data-ticket="{tid}"' not in people["head"].get("/inbox").text
    assert "Ditangani petugas" in _act(people["division_head"], tid, "assign", {"officer": "officer"})
    # A comment thread: the officer asks, the reporter answers.
    r = officer.post(f"/tickets/{tid}/comments", {"body": "Apakah terjadi di semua komputer?"})
    assert r.status_code == 303
    r = a.post(f"/tickets/{tid}/comments", {"body": "Ya, di semua komputer puskesmas"})
    page = a.get(f"/tickets/{tid}").text
    assert page.index("Apakah terjadi") < page.index("Ya, di semua") and page.count("data-comment=") == 2
    assert people["admin"].post(f"/tickets/{tid}/comments", {"body": "x"}).status_code == 303   # refused, flashed
    assert "Tanpa peran" not in people["admin"].get(f"/tickets/{tid}").text
    assert people["admin"].get(f"/tickets/{tid}").text.count("data-comment=") == 2
    assert "Mohon isi: Tindakan yang dilakukan" in _act(officer, tid, "resolve")
    assert "Diselesaikan" in _act(officer, tid, "resolve", {"resolution": "Layanan di-restart"})
    # The division head sends it back once, then accepts; the head approves; the helpdesk closes.
    page = _act(people["division_head"], tid, "check", {"ok": "0", "note": "Belum ada bukti"})
    assert "Ditangani petugas" in page and "Belum ada bukti" in page
    _act(officer, tid, "resolve", {"resolution": "Log terlampir, disk dibersihkan"})
    assert "Diperiksa Kabid" in _act(people["division_head"], tid, "check", {"ok": "1"})
    assert f'data-ticket="{tid}"' in people["head"].get("/inbox").text
    page = _act(people["head"], tid, "approve_closure", {"note": "Selesai"})
    assert "Disetujui Kadis" in page and 'id="actions"' not in page
    page = _act(people["helpdesk"], tid, "close")
    assert "Ditutup" in page and 'id="actions"' not in page
    assert page.count('<li><strong>') == 9  # file, triage, assign, resolve, check, resolve, check, approval, close
    assert f'data-ticket="{tid}"' not in a.get("/tickets").text  # closed: only in the full list
    assert f'data-ticket="{tid}"' in a.get("/tickets?show=all").text
    # The reporter's file, downloadable by those involved only.
    url = f"/tickets/{tid}/attachments/1"
    assert a.get(url).content == PNG and officer.get(url).status_code == 200
    assert people["admin"].get(url).status_code == 403 and b.get(url).status_code == 404
    # Not through the documents list either: the ticket's page is the way to its files.
    doc = TestClient(app).get(f"/api/v1/tickets/{tid}", headers=world.auth("contact_a")).json()["attachments"][0]
    assert doc["filename"] not in people["admin"].get("/documents").text
    assert doc["filename"] not in a.get("/documents").text
    with app.state.sessions() as s:
        stored = s.scalar(text("SELECT document_id FROM ticket_attachments ORDER BY id LIMIT 1"))
    assert people["admin"].get(f"/documents/{stored}").status_code == 404


def test_a_ticket_refused_or_closed_as_out_of_scope(app, world, people):  # noqa: F811
    services = catalogue(TestClient(app), world)
    a, officer = people["contact_a"], people["officer"]
    tid = _file(a, "Aplikasi pihak ketiga", "Lisensi habis")
    page = _act(people["helpdesk"], tid, "refuse", {"reason": "Bukan layanan Kominfo"})
    assert "Ditutup" in page and "Bukan layanan Kominfo" in page
    tid = _file(a, "Printer rusak", "Tidak bisa mencetak")
    _act(people["helpdesk"], tid, "triage", {"service": str(services["SRV-CONFIG"]), "priority": "low"})
    _act(officer, tid, "take")
    page = _act(officer, tid, "reject_out_of_scope", {"reason": "Bukan kewenangan Kominfo"})
    assert "Ditutup" in page and "Bukan kewenangan Kominfo" in page
    assert "tidak dapat dilakukan" in _act(officer, tid, "resolve", {"resolution": "x"})


def test_the_ticket_offer_opens_the_form_with_the_findings_beside_it(app, world, people):  # noqa: F811
    a, b = people["contact_a"], people["contact_b"]
    api = TestClient(app)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    rid = flow.submit(api, world)["id"]
    assert 'data-offer="ticket"' not in a.get(f"/requests/{rid}").text
    r = a.post(f"/requests/{rid}/ticket")
    assert r.status_code == 303 and r.headers["location"] == f"/requests/{rid}"  # nothing to report yet
    flow.to_handed_over(api, world, rid)
    flow.act(api, world, rid, "place", "officer")
    flow.act(api, world, rid, "configure", "officer", {"management_ip": "127.0.0.1",
                                                       "access_checks": [{"kind": "tcp", "port": closed}]})
    flow.act(api, world, rid, "confirm_access", "contact_a", {"ok": False, "note": "tidak bisa"})
    page = a.get(f"/requests/{rid}").text
    assert 'data-offer="ticket"' in page and "Buat tiket helpdesk" in page
    assert b.post(f"/requests/{rid}/ticket").status_code == 404
    assert b.get(f"/tickets/new?from_request={rid}").status_code == 404
    # The offer files nothing: it opens the form, the subject proposed, the description the reporter's.
    r = a.post(f"/requests/{rid}/ticket")
    assert r.status_code == 303 and r.headers["location"].startswith(f"/tickets/new?from_request={rid}"), r.text
    form = a.get(r.headers["location"]).text
    assert "tidak dapat diakses" in form and 'data-probe="fail"' in form and str(closed) in form
    assert '<textarea name="description" required maxlength="5000"></textarea>' in form
    tid = _file(a, "Server tidak dapat diakses", "Aplikasi SIMPUS tidak terbuka dari puskesmas",
                from_request=str(rid))
    page = a.get(f"/tickets/{tid}").text
    assert "Aplikasi SIMPUS tidak terbuka dari puskesmas" in page and f'href="/requests/{rid}"' in page
    assert 'data-probe="fail"' in page and str(closed) in page
    assert f'data-ticket="{tid}"' in people["helpdesk"].get("/tickets").text


def test_the_catalogue_page_is_the_admins(app, world, people):  # noqa: F811
    admin = people["admin"]
    for who in ("head", "officer", "helpdesk", "contact_a"):
        assert people[who].get("/admin/catalogue").status_code == 403, who
    assert 'href="/admin/catalogue"' in admin.get("/admin").text
    r = admin.post("/admin/catalogue/divisions", {"code": "APTIKA", "name": "Bidang Aptika"})
    assert r.status_code == 303
    page = admin.get("/admin/catalogue").text
    assert 'data-division="APTIKA"' in page and 'id="new-service"' in page
    r = admin.post("/admin/catalogue/divisions/1", {"name": "Bidang Aptika", "is_active": "1",
                                                    "members": ["officer", "division_head"]})
    assert r.status_code == 303
    r = admin.post("/admin/catalogue/services", {"code": "SRV-ACCESS", "name": "Gangguan akses server",
                                                 "category": "incident", "priority": "urgent", "division": "APTIKA"})
    assert r.status_code == 303
    page = admin.get("/admin/catalogue").text
    assert 'data-service="SRV-ACCESS"' in page and "Mendesak" in page and "Gangguan" in page
    api = TestClient(app).get("/api/v1/divisions", headers=world.auth("admin")).json()
    assert [m["username"] for m in api[0]["members"]] == ["division_head", "officer"]
    # A refusal is a message in Indonesian, not an error page.
    admin.post("/admin/catalogue/services", {"code": "SRV-ACCESS", "name": "x", "category": "incident",
                                             "division": "APTIKA"})
    page = admin.get("/admin/catalogue").text
    assert "flash-error" in page and page.count('data-service="SRV-ACCESS"') == 1
    assert people["officer"].post("/admin/catalogue/services", {"code": "Y", "name": "y", "category": "incident",
                                                                "division": "APTIKA"}).status_code == 403
