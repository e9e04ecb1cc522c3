"""Lists people can work with (issue 15): search, filter, sort and pages in SQL, an export that
is exactly the filtered list, no silent cap, one global search; an unknown page in Indonesian."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from controller.db import unit_of_work
from controller.models import CustodyRequest, Server, User
from controller.models.base import utcnow
from controller.services import servers
from tests.integration.test_web_pages import Browser
from tests.support import custody as flow

SERIAL = re.compile(r'<tr data-serial="([^"]+)"')


def _servers(app, world, n: int = 28) -> None:
    """`n` DISKES servers LIST-000.. with host names and management addresses."""
    with unit_of_work(app.state.sessions, actor="test-setup") as s:
        officer = s.get(User, world.ids["officer"])
        for i in range(n):
            servers.create_server(s, officer, dict(
                unit_code="DISKES", brand="Lenovo", model="SR650", serial_number=f"LIST-{i:03d}", height_u=1,
                power_w=300, hostname=f"simpus-{i:03d}.diskes.go.id", management_ip=f"10.9.0.{i + 10}"))


def _csv_serials(body: bytes, column: str = "Nomor seri") -> list[str]:
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    return [r[column] for r in rows]


def test_a_list_is_searched_filtered_sorted_paged_and_exported(app, world):
    _servers(app, world)
    officer = Browser(app, "officer")
    first = officer.get("/servers?q=list&sort=serial&dir=desc")
    assert first.status_code == 200
    page1 = SERIAL.findall(first.text)
    assert page1 == [f"LIST-{i:03d}" for i in range(27, 2, -1)]               # 25 a page, newest serial first
    assert 'data-total="28"' in first.text and "1–25 dari 28" in first.text
    nxt = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    page2 = SERIAL.findall(officer.get(nxt).text)
    assert page2 == ["LIST-002", "LIST-001", "LIST-000"]
    # The search looks in host names and addresses too; the filter narrows to a unit.
    assert SERIAL.findall(officer.get("/servers?q=simpus-00").text) == [f"LIST-00{i}" for i in range(10)]
    assert SERIAL.findall(officer.get("/servers?q=10.9.0.15").text) == ["LIST-005"]
    assert SERIAL.findall(officer.get("/servers?unit=BAPPEDA").text) == ["SN-B-001"]
    # The export is the whole filtered list in the list's order, every page of it.
    exported = officer.get("/servers?q=list&sort=serial&dir=desc&format=csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert _csv_serials(exported.content) == page1 + page2
    xlsx = officer.get("/servers?q=list&sort=serial&dir=desc&format=xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][3] == "Nomor seri" and [r[3] for r in rows[1:]] == page1 + page2
    filtered = officer.get("/servers?unit=BAPPEDA&format=csv")
    assert _csv_serials(filtered.content) == ["SN-B-001"]
    # A contact person's list and export hold the unit's own servers only.
    b = Browser(app, "contact_b")
    assert _csv_serials(b.get("/servers?format=csv").content) == ["SN-B-001"]
    assert SERIAL.findall(b.get("/servers?q=LIST").text) == []
    # Bad parameters are a 400 naming them, not a different list.
    bad = officer.get("/servers?sort=password_hash")
    assert bad.status_code == 400 and "Urutan" in bad.text
    assert officer.get("/servers?page=0").status_code == 400
    assert officer.get("/servers?per=100000").status_code == 400
    assert officer.get("/servers?format=pdf").status_code == 400


def test_tickets_and_requests_filter_and_export(client, app, world):
    rid = flow.submit(client, world, serial="FILTER-01")["id"]
    other = flow.submit(client, world, serial="FILTER-02", who="contact_b")["id"]
    flow.act(client, world, other, "withdraw", "contact_b", {"reason": "Batal"})
    officer = Browser(app, "officer")
    open_ = officer.get("/requests").text
    assert f'data-request="{rid}"' in open_ and f'data-request="{other}"' not in open_
    withdrawn = officer.get("/requests?state=withdrawn").text
    assert f'data-request="{other}"' in withdrawn and f'data-request="{rid}"' not in withdrawn
    assert f'data-request="{rid}"' in officer.get("/requests?q=filter-01&show=all").text
    rows = list(csv.DictReader(io.StringIO(officer.get("/requests?show=all&q=FILTER&format=csv")
                                           .content.decode("utf-8-sig"))))
    assert sorted(int(r["No"]) for r in rows) == [rid, other]
    assert {r["Status"] for r in rows} == {"Permohonan diajukan", "Ditarik oleh unit"}
    r = client.post("/api/v1/tickets", headers=world.auth("contact_a"),
                    json={"subject": "Server lambat sekali", "description": "Aplikasi SIMPUS lambat"})
    assert r.status_code == 201, r.text
    tickets = officer.get("/tickets?q=lambat").text
    assert "Server lambat sekali" in tickets and 'data-total="1"' in tickets
    assert "Server lambat sekali" not in officer.get("/tickets?q=printer").text
    assert "Server lambat sekali" in officer.get("/tickets?format=csv").content.decode("utf-8-sig")


def test_closed_requests_beyond_200_are_reached_by_paging(app, world):
    with unit_of_work(app.state.sessions, actor="test-setup") as s:
        server = s.get(Server, world.ids["server_a"])
        long_ago = utcnow() - timedelta(days=400)
        for i in range(230):
            s.add(CustodyRequest(unit_id=server.unit_id, server_id=server.id, state="withdrawn",
                                 state_since=long_ago + timedelta(hours=i), letter_number=f"OLD/{i:03d}/2025",
                                 letter_date=date(2025, 1, 1), created_by="contact_a"))
    officer = Browser(app, "officer")
    seen: list[str] = []
    url = "/requests?show=all&per=100"
    while url:
        text = officer.get(url).text
        seen += re.findall(r'data-request="(\d+)"', text)
        found = re.search(r'href="([^"]+)" rel="next"', text)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(set(seen)) == 230                           # none capped, none twice
    assert "OLD/000/2025" in officer.get("/requests?show=all&q=OLD/000").text


def test_global_search_finds_a_server_by_ip_and_a_request_by_letter(client, app, world):
    r = client.patch(f"/api/v1/servers/{world.ids['server_a']}", headers=world.auth("officer"),
                     json={"management_ip": "10.20.30.40"})
    assert r.status_code == 200, r.text
    rid = flow.submit(client, world, serial="SEARCH-01")["id"]
    letter = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("officer")).json()["letter_number"]
    officer = Browser(app, "officer")
    assert 'action="/search"' in officer.get("/requests").text                 # the header's search box
    hit = officer.get("/search?q=10.20.30.40")
    assert hit.status_code == 303 and hit.headers["location"] == f"/servers/{world.ids['server_a']}"
    hit = officer.get("/search", params={"q": letter})
    assert hit.status_code == 303 and hit.headers["location"] == f"/requests/{rid}"
    several = officer.get("/search?q=SN-").text                                # more than one: a list
    assert f'data-server="{world.ids["server_a"]}"' in several and f'data-server="{world.ids["server_b"]}"' in several
    # A contact person finds only the unit's own.
    mine = Browser(app, "contact_b").get("/search?q=10.20.30.40")
    assert mine.status_code == 200 and "Tidak ditemukan." in mine.text and "SN-A-001" not in mine.text


def test_an_unknown_page_is_an_indonesian_page_and_the_api_stays_json(client, app, world):
    page = Browser(app, "officer").get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Halaman ini tidak ada" in page.text and '<html lang="id">' in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_the_asset_register_and_the_documents_are_paged_and_exported(client, app, world):
    _servers(app, world, n=30)
    r = client.put(f"/api/v1/servers/{world.ids['server_a']}/asset", headers=world.auth("officer"),
                   json={"asset_code": "1.3.2.10.01.02.001", "nup": "7", "owner": "unit"})
    assert r.status_code == 200, r.text
    officer = Browser(app, "officer")
    assert SERIAL.findall(officer.get("/assets?q=1.3.2.10").text) == ["SN-A-001"]
    page1 = officer.get("/assets?q=list&sort=serial")
    assert 'data-total="30"' in page1.text and len(SERIAL.findall(page1.text)) == 25
    rows = list(csv.DictReader(io.StringIO(officer.get("/assets?q=list&sort=serial&format=csv")
                                           .content.decode("utf-8-sig"))))
    assert [r["Nomor seri"] for r in rows] == [f"LIST-{i:03d}" for i in range(30)]
    assert officer.get("/assets?sort=nope").status_code == 400
    rid = flow.submit(client, world, serial="DOCS-01")["id"]
    flow.to_handed_over(client, world, rid)
    docs = officer.get("/documents?state=handover").text
    assert 'data-doc="handover"' in docs and 'data-doc="letter"' not in docs and 'data-total="1"' in docs


def test_details_names_and_conditions_read_as_indonesian(client, app, world):
    """The leaks of issue 15: English service and probe details, logins for names, a condition
    claimed for a server nobody has inspected."""
    import socket

    a = Browser(app, "contact_a")
    token = a.token
    r = a.client.post("/requests", data={
        "letter_number": "005/DUP/2026", "letter_date": "2026-11-20", "brand": "HPE", "model": "DL380",
        "serial_number": "SN-B-001", "height_u": "2", "power_w": "500", "purpose": "SIMPUS", "csrf_token": token})
    assert r.status_code == 422
    assert "Nomor seri SN-B-001 terdaftar pada unit kerja lain" in r.text and "registered" not in r.text
    rid = flow.submit(client, world, serial="LEAK-01")["id"]
    page = a.get(f"/requests/{rid}").text
    assert "belum diperiksa (server belum diterima)" in page                 # not "Kondisi: Baik"
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    with socket.socket() as s:                                               # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    flow.act(client, world, rid, "configure", "officer",
             {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": port}]})
    page = Browser(app, "officer").get(f"/requests/{rid}").text
    assert "koneksi ditolak" in page and "connection refused" not in page
    assert "Contact_A" in page and " · contact_a" not in page                # the timeline names people
    assert "belum diperiksa (server belum diterima)" not in page
