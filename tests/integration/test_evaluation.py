"""The evaluation report (SOP 001 Evaluasi Pengelolaan Aset) over a seeded year, on both databases.

A year (2025) is seeded straight into the tables with known timestamps; every expected figure below
is worked out here from those seeds (hours between two timestamps, counts of the seeded rows), not
by the service, and the JSON, the XLSX and the PDF must all carry them.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from statistics import mean, median

import pytest
from sqlalchemy import func, select

from controller.db import unit_of_work
from controller.models import AccessCheck, Allocation, AssetRecord, CustodyRequest, CustodyStep, Document, Server
from controller.models.tickets import Ticket, TicketStep

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
WIB = timedelta(hours=7)


def wib(*args: int) -> datetime:
    """A wall-clock time in the office's zone (Asia/Jakarta, UTC+7), stored as UTC."""
    return datetime(*args, tzinfo=UTC) - WIB  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# Tickets: (unit, category, created, hours to resolve)
TICKETS = [("a", "incident", utc(2025, 4, 1, 1), 2.0), ("a", "incident", utc(2025, 4, 2, 1), 6.0),
           ("b", "incident", utc(2025, 4, 3, 1), 10.0), ("a", "service_request", utc(2025, 6, 2, 1), 24.0),
           ("b", "service_request", utc(2025, 6, 3, 1), 48.0)]
# Probes: server key -> [(kind, ok, at)]; the down spells are written out in DOWN.
PROBES = {
    "s1": [("ping", True, utc(2025, 5, 1, 0, 0)), ("ping", False, utc(2025, 5, 1, 0, 15)),
           ("ssh", False, utc(2025, 5, 1, 0, 20)), ("ping", False, utc(2025, 5, 1, 0, 30)),
           ("ssh", True, utc(2025, 5, 1, 0, 40)), ("ping", True, utc(2025, 5, 1, 1, 15))],
    "s2": [("ping", False, utc(2025, 7, 1, 10, 0)), ("ping", True, utc(2025, 7, 1, 12, 30))],
}
# s1: ping down 00:15-01:15, ssh down 00:20-00:40 inside it; s2: 10:00-12:30
DOWN = {"s1": (utc(2025, 5, 1, 1, 15) - utc(2025, 5, 1, 0, 15)).total_seconds() / 3600,
        "s2": (utc(2025, 7, 1, 12, 30) - utc(2025, 7, 1, 10, 0)).total_seconds() / 3600}
# Allocations in rack R01: server key -> (height, created, released)
ALLOCS = {"s1": (2, utc(2025, 2, 1), None), "s2": (4, utc(2025, 5, 15), utc(2025, 8, 10)),
          "s3": (1, utc(2025, 3, 1), None)}
# Register: (key, unit, kind, condition, created); s5 is disposed on 1 September 2025.
SERVERS = [("s1", "a", "server", "baik", utc(2025, 1, 10)), ("s2", "b", "server", "baik", utc(2025, 2, 10)),
           ("s3", "a", "server", "baik", utc(2024, 6, 1)),
           ("s4", "a", "network_device", "rusak_ringan", utc(2025, 3, 1)),
           ("s5", "b", "ups_pdu", "baik", utc(2025, 4, 1))]
DISPOSED = {"s5": utc(2025, 9, 1)}
POWER = {"s1": 300, "s2": 500, "s3": 200, "s4": 0, "s5": 0}


def seed(app, world) -> dict[str, int]:
    ids: dict[str, int] = {}
    units = {"a": world.ids["unit_a"], "b": world.ids["unit_b"]}
    with unit_of_work(app.state.sessions, actor="test-seed") as s:
        for key, unit, kind, condition, created in SERVERS:
            srv = Server(unit_id=units[unit], brand="Merk", model=key.upper(), serial_number=f"EV-{key}",
                         height_u=1, power_w=POWER[key], hostname=f"host-{key}", condition=condition, kind=kind,
                         created_at=created)
            s.add(srv)
            s.flush()
            ids[key] = srv.id
        for key, disposed in DISPOSED.items():
            s.add(AssetRecord(server_id=ids[key], disposed_at=disposed, updated_by="test-seed"))
        for key, (height, created, released) in ALLOCS.items():
            srv = s.get(Server, ids[key])
            s.add(Allocation(rack_id=world.ids["rack1"], u_bottom=10 + 5 * len(ids), height_u=height,
                             server_id=srv.id, unit_id=srv.unit_id, status="occupied", created_by="officer",
                             created_at=created, released_at=released))
            s.flush()
        # Custody: request A (unit a) on time then late; request B (unit b) on time twice then late.
        # Due is one working day (08:00-16:00) after the state was entered.
        for key, unit, steps in [
                ("a", "a", [("submit", None, "submitted", wib(2025, 2, 11, 9)),        # Tuesday
                            ("head_dispose", "submitted", "head_disposed", wib(2025, 2, 11, 13)),   # same day
                            ("assign", "head_disposed", "assigned", wib(2025, 2, 14, 10))]),      # Friday: late
                ("b", "b", [("submit", None, "submitted", wib(2025, 3, 4, 9)),         # Tuesday
                            ("head_dispose", "submitted", "head_disposed", wib(2025, 3, 5, 8, 30)),  # due 09:00
                            ("assign", "head_disposed", "assigned", wib(2025, 3, 5, 10)),
                            ("receive", "assigned", "received", wib(2025, 3, 10, 10))])]:       # Monday: late
            srv = ids["s1" if unit == "a" else "s2"]
            req = CustodyRequest(unit_id=units[unit], server_id=srv, state=steps[-1][2], state_since=steps[-1][3],
                                 letter_number=f"EV/{key}", letter_date=steps[0][3].date(), created_by="contact")
            s.add(req)
            s.flush()
            for action, frm, to, at in steps:
                s.add(CustodyStep(request_id=req.id, action=action, actor="x", role="officer", from_state=frm,
                                  to_state=to, at=at))
        for unit, category, created, hours in TICKETS:
            t = Ticket(unit_id=units[unit], subject="s", description="d", state="resolved", category=category,
                       created_by="contact", created_at=created, state_since=created + timedelta(hours=hours))
            s.add(t)
            s.flush()
            s.add(TicketStep(ticket_id=t.id, action="resolve", actor="officer", role="officer", from_state="assigned",
                             to_state="resolved", at=created + timedelta(hours=hours)))
            # a second resolution later (reopened): the first one counts
            s.add(TicketStep(ticket_id=t.id, action="resolve", actor="officer", role="officer", from_state="assigned",
                             to_state="resolved", at=created + timedelta(hours=hours + 100)))
        for key, rows in PROBES.items():
            for kind, ok, at in rows:
                s.add(AccessCheck(server_id=ids[key], kind=kind, target="10.0.0.1", ok=ok, checked_at=at))
    return ids


def month_use(month_end_utc: datetime) -> int:
    return sum(h for h, created, released in ALLOCS.values()
               if created < month_end_utc and (released is None or released >= month_end_utc))


def test_the_evaluation_of_a_seeded_year_has_the_figures_computed_from_the_seeds(app, client, world):
    seed(app, world)
    r = client.get("/api/v1/evaluations", params=YEAR, headers=world.auth("head"))
    assert r.status_code == 200, r.text
    ev = r.json()
    assert ev["period"]["first"] == "2025-01-01" and ev["unit_code"] is None
    # Register at the end of 2025: s1, s2, s3 (servers, good) and s4; s5 disposed; world's servers are 2026's.
    assert {(a["kind"], a["condition"]): a["count"] for a in ev["assets"]} == {
        ("server", "baik"): 3, ("network_device", "rusak_ringan"): 1}
    assert ev["assets_total"] == 4
    assert ev["changes"] == {"registered": 4, "disposed": 1, "transferred_in": 0, "transferred_out": 0}
    assert {c["state"]: (c["on_time"], c["overdue"]) for c in ev["custody"]} == {
        "submitted": (2, 0), "head_disposed": (1, 1), "assigned": (0, 1)}
    by_cat: dict[str, list[float]] = {}
    for _unit, category, _created, hours in TICKETS:
        by_cat.setdefault(category, []).append(hours)
    assert {t["category"]: (t["opened"], t["resolved"], t["median_hours"], t["mean_hours"]) for t in ev["tickets"]} == {
        c: (len(h), len(h), round(median(h), 2), round(mean(h), 2)) for c, h in by_cat.items()}
    assert {d["name"]: d["downtime_hours"] for d in ev["downtime"]} == {"host-s1": DOWN["s1"], "host-s2": DOWN["s2"]}
    assert ev["downtime_by_unit"] == {"DISKES": DOWN["s1"], "BAPPEDA": DOWN["s2"]}
    room = next(x for x in ev["rooms"] if x["room"] == "Ruang Server Utama")
    live = [k for k, (_h, _c, released) in ALLOCS.items() if released is None]
    assert room["u_total"] == 84 and room["u_used"] == sum(ALLOCS[k][0] for k in live)
    assert room["u_free"] == 84 - room["u_used"]
    assert room["power_budget_w"] == 5000 and room["power_used_w"] == sum(POWER[k] for k in live)
    trend = {m["month"]: m["u_used"] for m in room["trend"]}
    assert len(trend) == 12
    # month ends at 24:00 WIB
    assert trend["2025-01"] == month_use(utc(2025, 2, 1) - WIB) == 0
    assert trend["2025-05"] == month_use(utc(2025, 6, 1) - WIB) == 7
    assert trend["2025-08"] == month_use(utc(2025, 9, 1) - WIB) == 3

    # One unit: only its rows.
    r = client.get("/api/v1/evaluations", params={**YEAR, "unit": "DISKES"}, headers=world.auth("officer"))
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["assets_total"] == 3 and a["changes"]["registered"] == 2 and a["changes"]["disposed"] == 0
    assert {c["state"]: (c["on_time"], c["overdue"]) for c in a["custody"]} == {
        "submitted": (1, 0), "head_disposed": (0, 1)}
    inc = [h for u, c, _t, h in TICKETS if u == "a" and c == "incident"]
    assert next(t for t in a["tickets"] if t["category"] == "incident")["mean_hours"] == round(mean(inc), 2)
    assert a["downtime_by_unit"] == {"DISKES": DOWN["s1"]}

    # XLSX: the same figures.
    from openpyxl import load_workbook
    r = client.get("/api/v1/evaluations/evaluation.xlsx", params=YEAR, headers=world.auth("head"))
    assert r.status_code == 200, r.text
    rows = [tuple(c for c in row) for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)]
    assert ("Jumlah aset", None, 4, None, None, None) in rows or ("Jumlah aset", "", 4, None, None, None) in rows
    assert any(row[:3] == ("Server", "Baik", 3) for row in rows), rows
    assert any(row[1:4] == ("head_disposed", 1, 1) for row in rows)
    assert any(row[0] == "host-s2" and row[4] == DOWN["s2"] for row in rows)
    assert any(row[0] == "Ruang Server Utama" and row[1] == 3 and row[2] == 81 for row in rows)

    # PDF: none issued yet, and reading issues nothing; a POST issues it with the same figures, kept
    # as a document, which the GET then serves byte for byte.
    from pypdf import PdfReader
    r = client.get("/api/v1/evaluations/evaluation.pdf", params=YEAR, headers=world.auth("head"))
    assert r.status_code == 404 and "POST" in r.text, r.text
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document).where(Document.kind == "evaluation")) == 0
    r = client.post("/api/v1/evaluations/evaluation.pdf", params=YEAR, headers=world.auth("head"))
    assert r.status_code == 201, r.text
    issued = client.get(r.headers["location"], headers=world.auth("head"))
    assert issued.status_code == 200 and issued.content == r.content
    again = client.get("/api/v1/evaluations/evaluation.pdf", params=YEAR, headers=world.auth("head"))
    assert again.status_code == 200 and again.content == r.content
    assert again.headers["x-content-sha256"] == r.headers["x-content-sha256"]
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document).where(Document.kind == "evaluation")) == 1
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "LAPORAN EVALUASI PENGELOLAAN ASET TIK" in text
    assert "1 Januari 2025" in text and "31 Desember 2025" in text
    assert "host-s1" in text and "1,00" in text and "2,50" in text
    assert f"{round(median(by_cat['service_request']), 2):.2f}".replace(".", ",") in text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_unit_contact_sees_only_their_own_unit(client, world):
    r = client.get("/api/v1/evaluations", params={**YEAR, "unit": "BAPPEDA"}, headers=world.auth("contact_a"))
    assert r.status_code == 403, r.text
    for call in (client.get, client.post):
        r = call("/api/v1/evaluations/evaluation.pdf", params={**YEAR, "unit": "BAPPEDA"},
                 headers=world.auth("contact_a"))
        assert r.status_code == 403, r.text
    r = client.post("/api/v1/evaluations/evaluation.pdf", params=YEAR, headers=world.auth("contact_a"))
    assert r.status_code == 201 and "DISKES" in r.headers["content-disposition"], r.text
    r = client.get("/api/v1/evaluations", params=YEAR, headers=world.auth("contact_a"))
    assert r.status_code == 200 and r.json()["unit_code"] == "DISKES"
    r = client.get("/api/v1/evaluations", params={**YEAR, "unit": "DISKES"}, headers=world.auth("contact_a"))
    assert r.status_code == 200 and r.json()["unit_code"] == "DISKES"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_periods_and_units_are_refused_naming_the_field(client, world):
    r = client.get("/api/v1/evaluations", params={"from": "2025-05-01", "to": "2025-01-01"}, headers=world.auth("head"))
    assert r.status_code == 422 and "to" in r.text
    r = client.get("/api/v1/evaluations", params={"from": "2025-13-01"}, headers=world.auth("head"))
    assert r.status_code == 422 and "from" in r.text
    for far in ({"from": "0001-01-01"}, {"to": "9999-12-31"}):
        r = client.get("/api/v1/evaluations", params=far, headers=world.auth("head"))
        assert r.status_code == 422 and next(iter(far)) in r.text, r.text
    r = client.get("/api/v1/evaluations", params={"unit": "NOPE"}, headers=world.auth("head"))
    assert r.status_code == 422 and "unit" in r.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_evaluation_page_shows_the_figures_and_links_the_downloads(app, world):
    from tests.integration.test_web_pages import Browser

    seed(app, world)
    head = Browser(app, "head")
    r = head.get("/evaluation", params={**YEAR, "unit": "DISKES"})
    assert r.status_code == 200, r.text
    assert "Evaluasi Pengelolaan Aset" in r.text and "Tepat waktu" in r.text
    assert 'action="/evaluation.pdf"' in r.text and 'id="ev-issued"' not in r.text
    assets = r.text.split('id="ev-assets"')[1].split("</table>")[0]
    assert "<th>3</th>" in assets       # s1, s3 and s4 are DISKES's at the end of 2025
    downtime = r.text.split('id="ev-downtime"')[1].split("</table>")[0]
    assert "host-s1" in downtime and "host-s2" not in downtime and "1,00" in downtime
    x = head.get("/evaluation.xlsx", params={**YEAR, "unit": "DISKES"})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert head.get("/evaluation.pdf", params={**YEAR, "unit": "DISKES"}).status_code == 404   # none issued
    issued = head.post("/evaluation.pdf", data={**YEAR, "unit": "DISKES"})
    assert issued.status_code == 303
    assert issued.headers["location"] == "/evaluation?from=2025-01-01&to=2025-12-31&unit=DISKES"
    shown = head.get(issued.headers["location"])
    link = shown.text.split('id="ev-issued" href="')[1].split('"')[0]
    p = head.get(link)
    assert p.status_code == 200 and p.content.startswith(b"%PDF-")
    assert head.get("/evaluation.pdf", params={**YEAR, "unit": "DISKES"}).content == p.content
    assert "Laporan evaluasi pengelolaan aset" in head.get("/documents").text   # kept as an issued paper
    contact_b = Browser(app, "contact_b")
    assert contact_b.get("/evaluation", params={**YEAR, "unit": "DISKES"}).status_code == 403
    own = contact_b.get("/evaluation", params=YEAR)
    assert own.status_code == 200 and "BAPPEDA" in own.text and 'name="unit"' not in own.text
    assert head.get("/evaluation", params={"from": "kemarin"}).status_code == 400


def test_condition_changes_come_from_the_audit_trail(app, client, world):
    """Condition changes are recorded now (the audit trail cannot be backdated): this year's report."""
    from controller.domain.choices import Condition
    from controller.models import User
    from controller.services import condition

    with unit_of_work(app.state.sessions, actor="officer") as s:
        officer = s.get(User, world.ids["officer"])
        condition.set_condition(s, officer, world.ids["server_a"], Condition.rusak_ringan, "kipas rusak")
        condition.set_condition(s, officer, world.ids["server_b"], Condition.rusak_berat, "terbakar")
    office = client.get("/api/v1/evaluations", headers=world.auth("head")).json()
    assert {(m["before"], m["after"]): m["count"] for m in office["condition_moves"]} == {
        ("baik", "rusak_ringan"): 1, ("baik", "rusak_berat"): 1}
    diskes = client.get("/api/v1/evaluations", params={"unit": "DISKES"}, headers=world.auth("head")).json()
    assert diskes["condition_moves"] == [{"before": "baik", "after": "rusak_ringan", "count": 1}]
    assert client.get("/api/v1/evaluations", params=YEAR, headers=world.auth("head")).json()["condition_moves"] == []
    from openpyxl import load_workbook
    x = client.get("/api/v1/evaluations/evaluation.xlsx", params={"unit": "DISKES"}, headers=world.auth("head"))
    rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert any(row[:3] == ("Baik", "Rusak Ringan", 1) for row in rows), rows


# Changes after registration, recorded on the audit trail at these times: (at, server, field, new value).
CHANGES = [(utc(2025, 6, 1, 3), "s1", "condition", "rusak_ringan"), (utc(2025, 6, 1, 4), "s4", "kind", "server"),
           (utc(2026, 2, 1, 3), "s1", "condition", "rusak_berat"),
           (utc(2026, 2, 1, 4), "s3", "condition", "rusak_ringan"), (utc(2026, 2, 1, 5), "s4", "kind", "ups_pdu")]


def register_at(moment: datetime) -> dict[tuple[str, str], int]:
    """(kind, condition) -> count at `moment`, by replaying the seeds and CHANGES made before it."""
    out: dict[tuple[str, str], int] = {}
    for key, _unit, kind, condition, created in SERVERS:
        if created >= moment or (key in DISPOSED and DISPOSED[key] < moment):
            continue
        now = {"kind": kind, "condition": condition}
        for at, changed, name, value in CHANGES:
            if changed == key and at < moment:
                now[name] = value
        out[(now["kind"], now["condition"])] = out.get((now["kind"], now["condition"]), 0) + 1
    return out


def test_kind_and_condition_at_a_past_periods_end_come_from_the_audit_trail(app, client, world, monkeypatch):
    """Servers changed during and after the period: each is counted as it was at the period's end
    (the audit trail is backdated here through its clock, which a real change cannot do)."""
    import controller.audit
    from controller.domain.choices import Condition
    from controller.models import User
    from controller.services import condition, servers

    ids = seed(app, world)
    for at, key, name, value in CHANGES:
        monkeypatch.setattr(controller.audit, "utcnow", lambda at=at: at)
        with unit_of_work(app.state.sessions, actor="officer") as s:
            officer = s.get(User, world.ids["officer"])
            if name == "condition":
                condition.set_condition(s, officer, ids[key], Condition(value), "pemeriksaan berkala")
            else:
                servers.update_server(s, officer, ids[key], {"kind": value}, app.state.settings)
    monkeypatch.undo()

    def assets(params: dict[str, str]) -> dict[tuple[str, str], int]:
        r = client.get("/api/v1/evaluations", params=params, headers=world.auth("head"))
        assert r.status_code == 200, r.text
        return {(a["kind"], a["condition"]): a["count"] for a in r.json()["assets"]}

    year = assets(YEAR)
    assert year == register_at(utc(2026, 1, 1) - WIB) == {
        ("server", "baik"): 2, ("server", "rusak_ringan"): 2}
    quarter = assets({"from": "2025-01-01", "to": "2025-03-31"})
    assert quarter == register_at(utc(2025, 4, 1) - WIB) == {
        ("server", "baik"): 3, ("network_device", "rusak_ringan"): 1}
    with app.state.sessions() as s:   # today's values would give other figures: the test can fail
        today = {(srv.kind, srv.condition) for srv in s.scalars(select(Server).where(Server.id.in_(ids.values())))}
    assert ("ups_pdu", "rusak_ringan") in today and ("server", "rusak_berat") in today
    # and the current year (its end is ahead): today's values
    this_year = assets({"unit": "DISKES"})
    assert this_year.get(("ups_pdu", "rusak_ringan")) == 1 and this_year.get(("server", "rusak_berat")) == 1
