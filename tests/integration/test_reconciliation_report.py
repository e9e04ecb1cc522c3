"""The monthly Laporan Rekonsiliasi Aset TIK to the Asisten (SOP 000 Penggunaan 4) over HTTP:
issued once per month by the Pengelola Barang (or the admin), numbered from the register, sealed,
its figures those of the register the test seeded, and read back as the stored bytes."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.integration.test_official_letters import no_english
from tests.integration.test_web_pages import Browser
from tests.support import custody as flow
from tests.support.seal import sealed_ok, sealed_settings
from tests.unit.test_official_forms import text_of

PERIOD = "2026-02"
ADDRESSEE = "Asisten Administrasi Umum Sekretariat Daerah Kabupaten Contoh"
SIGNER = {"name": "Sri Wahyuni, S.E.", "nip": "198503172010012004", "position": "Pengelola Barang"}
# Register rows the test adds besides the world's two servers and the one taken into custody:
# (kind, condition, disposed at or None).
EXTRA = [("network_device", "baik", None), ("network_device", "rusak_ringan", None),
         ("end_user_device", "rusak_berat", None),
         ("server", "rusak_berat", datetime(2026, 2, 10, 3, 0, tzinfo=UTC)),     # disposed in the month
         ("server", "baik", datetime(2026, 1, 20, 3, 0, tzinfo=UTC))]             # disposed before it
KIND_WORDS = {"server": "Server", "network_device": "Perangkat jaringan",
              "end_user_device": "Perangkat pengguna (PC/laptop)"}
CONDITIONS = ("baik", "rusak_ringan", "rusak_berat")


@pytest.fixture
def settings(db_url, demo_pki):
    return sealed_settings(db_url, demo_pki, reconciliation_addressee=ADDRESSEE)


def seed(app, client, world) -> tuple[Counter[tuple[str, str]], int]:
    """The register the report is about: (kind, condition) of every active row, and how many of
    the active rows the inventory could not reach (the placed server, which has no agent: the
    officer decides it is lightly damaged; the run is not signed yet)."""
    from controller.db import unit_of_work
    from controller.models import Server
    from controller.models.assets import AssetRecord
    from controller.services import inventory

    req = flow.submit(client, world)
    rid = req["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    with unit_of_work(app.state.sessions, actor="test-setup") as s:
        for n, (kind, condition, disposed) in enumerate(EXTRA, start=1):
            row = Server(unit_id=world.ids["unit_a"], kind=kind, brand="Merek", model=f"Tipe {n}",
                         serial_number=f"SN-X-{n:03d}", height_u=1, condition=condition)
            s.add(row)
            s.flush()
            s.add(AssetRecord(server_id=row.id, asset_code="1.3.2.10", nup=f"{n:04d}", updated_by="test",
                              disposed_at=disposed))
    inventory.run(app.state.sessions, app.state.settings, PERIOD)
    r = client.put(f"/api/v1/inventory-runs/{PERIOD}/items/{req['server_id']}/condition", headers=world.auth("officer"),
                   json={"condition": "rusak_ringan", "reason": "Kipas berisik, masih berjalan"})
    assert r.status_code == 200, r.text
    active = Counter({("server", "baik"): 2, ("server", "rusak_ringan"): 1})   # the world's two, the placed one
    active.update((kind, condition) for kind, condition, disposed in EXTRA if disposed is None)
    return active, 1


def test_the_monthly_report_is_issued_once_sealed_and_holds_the_register_s_figures(app, client, world,
                                                                                   demo_pki):
    active, unreachable = seed(app, client, world)
    body = {"period": PERIOD, **SIGNER}
    url = "/api/v1/reconciliation-reports"

    # Role checks: a unit's contact person neither reads nor issues; an officer reads, not issues.
    assert client.get(url, headers=world.auth("contact_a")).status_code == 403
    assert client.post(url, json=body, headers=world.auth("contact_a")).status_code == 403
    r = client.post(url, json=body, headers=world.auth("officer"))
    assert r.status_code == 403 and "property_manager" in r.json()["allowed_roles"]
    assert client.get(url, headers=world.auth("officer")).json() == {"items": [], "total": 0}

    # The month's inventory is not signed yet: its decisions would change the register.
    r = client.post(url, json=body, headers=world.auth("property_manager"))
    assert r.status_code == 409 and PERIOD in r.json()["detail"] and r.json()["field"] == "period"
    sign = client.post(f"/api/v1/inventory-runs/{PERIOD}/sign", headers=world.auth("officer"),
                       json={"name": "Petugas Inventaris", "nip": "199001012015031001", "position": "Pelaksana"})
    assert sign.status_code == 200, sign.text

    for bad, field in (({**body, "nip": "123"}, "nip"), ({**body, "period": "2026-13"}, "period"),
                       ({**body, "period": "2999-01"}, "period")):
        r = client.post(url, json=bad, headers=world.auth("property_manager"))
        assert r.status_code == 422 and field in r.text, (bad, r.text)

    r = client.post(url, json=body, headers=world.auth("property_manager"))
    assert r.status_code == 201, r.text
    issued = r.json()
    year = datetime.now(UTC).year
    assert issued["number"] == f"LAP-REK/001/{year}" and issued["period"] == PERIOD
    assert r.headers["location"] == f"/api/v1/reconciliation-reports/{PERIOD}.pdf" == issued["download_url"]

    # Write-once: a second issue for the month is a 409 naming the month, and takes no number.
    again = client.post(url, json={**body, "name": "Orang Lain"}, headers=world.auth("admin"))
    assert again.status_code == 409 and PERIOD in again.json()["detail"]
    assert issued["number"] in again.json()["detail"]

    listed = client.get(url, headers=world.auth("head")).json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == issued["number"]
    pdf = client.get(issued["download_url"], headers=world.auth("officer"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-content-sha256"] == issued["sha256"]
    assert client.get(issued["download_url"], headers=world.auth("contact_a")).status_code == 403
    assert client.get(f"{url}/2026-03.pdf", headers=world.auth("officer")).status_code == 404
    # Read twice, the same bytes: reading issues nothing.
    assert client.get(issued["download_url"], headers=world.auth("admin")).content == pdf.content

    assert sealed_ok(pdf.content, demo_pki["ca"])
    text = text_of(pdf.content)
    assert "LAPORAN REKONSILIASI ASET TIK" in text and f"Nomor: {issued['number']}" in text
    assert "Periode Februari 2026" in text and ADDRESSEE in text
    assert SIGNER["name"] in text and SIGNER["nip"] in text and "Mengetahui" in text
    assert "Kepala Dinas Komunikasi dan Informatika" in text
    no_english(text)

    # The figures, from the seed: the total, each kind's row (per condition, then its total),
    # the unreachable one, the one disposed in February (not January's).
    assert re.search(rf"Jumlah aset dalam daftar {sum(active.values())}\b", text), text
    for n, kind in enumerate(sorted(KIND_WORDS[k] for k in {k for k, _ in active}), start=1):
        code = next(k for k, w in KIND_WORDS.items() if w == kind)
        counts = [active[(code, c)] for c in CONDITIONS]
        assert f"{n} {kind} {' '.join(map(str, counts))} {sum(counts)}" in text, (kind, counts, text)
    conditions = [sum(v for (_, c), v in active.items() if c == cond) for cond in CONDITIONS]
    assert f"Jumlah {' '.join(map(str, conditions))} {sum(active.values())}" in text
    assert f"Tidak terjangkau saat inventarisasi {unreachable}" in text
    assert f"Jumlah selisih {unreachable}" in text and "Dihapus dalam periode 1" in text
    assert "10 Februari 2026" in text and "20 Januari 2026" not in text


def test_the_page_lists_the_reports_and_the_property_manager_issues_one(app, client, world):
    seed(app, client, world)
    client.post(f"/api/v1/inventory-runs/{PERIOD}/sign", headers=world.auth("officer"),
                json={"name": "Petugas", "nip": "199001012015031001", "position": "Pelaksana"})
    officer = Browser(app, "officer")
    page = officer.get("/admin/reconciliation")
    assert page.status_code == 200 and "rec-issue" not in page.text and "/admin/reconciliation.xlsx" in page.text
    assert officer.post("/admin/reconciliation/reports", {"period": PERIOD, **SIGNER}).status_code == 403
    assert Browser(app, "contact_a").get("/admin/reconciliation").status_code == 403

    manager = Browser(app, "property_manager")
    assert "rec-issue" in manager.get("/admin/reconciliation").text
    r = manager.post("/admin/reconciliation/reports", {"period": PERIOD, **SIGNER})
    assert r.status_code == 303
    listed = manager.get("/admin/reconciliation").text
    doc = re.search(r'href="/documents/(\d+)"', listed)
    assert doc and "LAP-REK/001/" in listed and SIGNER["name"] in listed
    assert officer.get(f"/documents/{doc.group(1)}").content.startswith(b"%PDF-")
    # The second one is refused on the page too, naming the month.
    manager.post("/admin/reconciliation/reports", {"period": PERIOD, **SIGNER})
    assert PERIOD in manager.get("/admin/reconciliation").text
    assert len(re.findall(r'href="/documents/\d+"', manager.get("/admin/reconciliation").text)) == 1


def test_concurrent_issues_of_one_month_give_one_report_and_one_number(served):
    """Four property managers' clicks at once on a served controller: one report, three 409s naming
    the month, and the losers' numbers given back (the next month's report is 002)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    world, ctl, _ = served
    body = {"period": "2026-01", **SIGNER}
    barrier = threading.Barrier(4)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=ctl.url, timeout=120, headers=world.auth("property_manager")) as c:
            barrier.wait()
            return c.post("/api/v1/reconciliation-reports", json=body)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(one, range(4)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409, 409], [r.text for r in answers]
    assert all("2026-01" in r.json()["detail"] for r in answers if r.status_code == 409)
    with httpx.Client(base_url=ctl.url, timeout=120, headers=world.auth("admin")) as c:
        year = datetime.now(UTC).year
        assert c.get("/api/v1/reconciliation-reports").json()["items"][0]["number"] == f"LAP-REK/001/{year}"
        nxt = c.post("/api/v1/reconciliation-reports", json={**body, "period": "2026-03"})
        assert nxt.status_code == 201 and nxt.json()["number"] == f"LAP-REK/002/{year}", nxt.text
