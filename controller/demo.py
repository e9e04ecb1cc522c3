"""Demo data for `make demo`: a server room with racks, units, one user per role, servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit import install
from .db import make_engine, make_sessionmaker, unit_of_work
from .documents import seal
from .domain.choices import AllocationStatus
from .models import Server, Unit, User
from .services import catalogue, servers, setup, space
from .settings import Settings

DEMO_PASSWORD = "titip-demo-123"

UNITS = [
    ("DISKES", "Dinas Kesehatan"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
]

USERS = [
    ("admin", "admin", None, "Administrator Titip", None),
    ("kadis", "head", None, "Dr. Hendra Wijaya, M.Kom.", "197003121995031002"),
    ("kabid", "division_head", None, "Sri Lestari, S.T., M.T.", "197808172003122004"),
    ("petugas", "officer", None, "Agus Prasetyo, S.Kom.", "198905052015031001"),
    ("helpdesk", "helpdesk", None, "Rina Marlina", None),
    ("cp.diskes", "unit_contact", "DISKES", "dr. Ayu Kartika", "198402142010012003"),
    ("cp.bappeda", "unit_contact", "BAPPEDA", "Bambang Sutrisno, S.E.", "198011202006041002"),
]

# The helpdesk's catalogue (SOP 003): (code, name, category, priority), all handled by Bidang Aptika.
SERVICES = [
    ("SRV-ACCESS", "Gangguan akses server titipan", "incident", "high"),
    ("SRV-CONFIG", "Perubahan konfigurasi server (alamat, port, akses)", "service_request", "normal"),
    ("HOSTING", "Permintaan hosting aplikasi", "service_request", "normal"),
    ("KONSULTASI", "Konsultasi layanan TIK", "information", "low"),
]

# (unit, brand, model, serial, U, W, hostname, ip, rack, u_bottom, status or None)
SERVERS = [
    ("DISKES", "Dell", "PowerEdge R740", "DL-R740-7781", 2, 750, "simpus", "10.20.1.11", "R01", 1, "occupied"),
    ("DISKES", "HPE", "ProLiant DL360 Gen10", "CZJ0431AB2", 1, 500, "sik", "10.20.1.12", "R01", 3, "occupied"),
    ("BAPPEDA", "Lenovo", "ThinkSystem SR650", "J30A7BCD", 2, 750, "sipd", "10.20.2.21", "R02", 10, "occupied"),
    ("DISDUKCAPIL", "Dell", "PowerEdge R750", "DL-R750-1102", 2, 1100, None, None, "R02", 20, "reserved"),
    ("BPKAD", "Fujitsu", "PRIMERGY RX2540", "YM4B001234", 2, 800, None, None, None, None, None),
]


def seed(settings: Settings) -> Iterator[str]:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    install(sessions)
    with unit_of_work(sessions, actor="demo-seed") as s:
        if s.scalar(select(Unit.id).limit(1)):
            yield "demo data already present; nothing added"
            return
        for code, name in UNITS:
            setup.create_unit(s, code, name)
        for username, role, unit, full_name, nip in USERS:
            setup.create_user(s, username=username, password=DEMO_PASSWORD, role=role,
                              full_name=full_name, nip=nip, unit_code=unit)
        aptika = catalogue.create_division(s, {"code": "APTIKA", "name": "Bidang Aplikasi Informatika"})
        catalogue.set_members(s, aptika.id, {"usernames": ["kabid", "petugas"]})
        for code, name, category, priority in SERVICES:
            catalogue.create_service(s, {"code": code, "name": name, "category": category, "priority": priority,
                                         "division": "APTIKA"})
        room = setup.create_room(s, "Ruang Server Utama")
        racks = {name: setup.create_rack(s, room.id, name, 42, 6000) for name in ("R01", "R02", "R03")}
        racks["R04"] = setup.create_rack(s, room.id, "R04", 24, None)
        officer = s.scalars(select(User).where(User.username == "petugas")).one()
        s.info["actor"] = officer.username
        for unit, brand, model, serial, height, watts, host, ip, rack, u, status in SERVERS:
            server = servers.create_server(s, officer, dict(
                unit_code=unit, brand=brand, model=model, serial_number=serial, height_u=height,
                power_w=watts, hostname=host, management_ip=ip))
            if rack:
                assert u is not None and status is not None  # a racked row names its U and status
                space.reserve(s, officer, racks[rack].id, u, height, server.id,
                              status=AllocationStatus(status))
        # A switch of the office itself, reserved by note only.
        space.reserve(s, officer, racks["R01"].id, 42, 1, note="Core switch Kominfo")
    engine.dispose()
    yield "demo data created: 4 units, 7 users, 1 room with 4 racks, 5 servers"
    from .web.demo import enrich

    yield from enrich(settings)
    yield _waitlisted(settings)
    yield _needs_plans(settings)


def logins() -> Iterator[str]:
    yield f"logins (password for all: {DEMO_PASSWORD}):"
    for username, role, unit, _name, _nip in USERS:
        yield f"  {username:<12} {role}{' (' + unit + ')' if unit else ''}"


def _waitlisted(settings: Settings) -> str:
    """A storage array that fits no rack (too tall for R04, too much power for R01-R03): it waits."""
    from .services import custody

    sessions = make_sessionmaker(make_engine(settings.database_url))
    install(sessions)
    seal.install(sessions, settings)  # its disposition sheets are sealed as the app's are
    steps = [("cp.bappeda", "submit", None), ("kadis", "head_dispose", {"note": "Proses"}),
             ("kabid", "division_dispose", {"officer": "petugas"}), ("petugas", "waitlist", None)]
    rid = None
    for who, action, data in steps:
        with unit_of_work(sessions, actor=who) as s:
            user = s.scalars(select(User).where(User.username == who)).one()
            if action == "submit":
                rid = custody.submit(s, settings, user, {
                    "letter_number": "005/0099/BAPPEDA/2026", "letter_date": "2026-11-10",
                    "server": {"brand": "NetApp", "model": "FAS8300 + DS224C", "serial_number": "NTAP-7000-01",
                               "height_u": 26, "power_w": 7000, "purpose": "Arsip data perencanaan"}}).id
            else:
                assert rid is not None  # the first step submits
                custody.apply(s, settings, user, rid, action, data)
    return "demo request waitlisted: NTAP-7000-01 (no rack fits 26 U and 7000 W)"


def _needs_plans(settings: Settings) -> str:
    """Next year's ICT needs (SOP 000): DISKES's plan approved by the head, BAPPEDA's just submitted."""
    from datetime import date

    from .services import needs_plans

    sessions = make_sessionmaker(make_engine(settings.database_url))
    install(sessions)
    year = date.today().year + 1
    items = [{"kind": "end_user_device", "description": "Laptop petugas puskesmas keliling", "quantity": 6,
              "uom": "unit", "unit_price": "14500000.00", "justification": "Pelayanan keliling di 22 puskesmas"},
             {"kind": "network_device", "description": "Switch 24 port managed", "quantity": 2, "uom": "unit",
              "unit_price": "7250000.00", "justification": "Jaringan puskesmas rawat inap"}]

    def as_(who: str, run: Callable[[Session, User], Any]) -> Any:  # one transaction per person, as pages do
        with unit_of_work(sessions, actor=who) as s:
            return run(s, s.scalars(select(User).where(User.username == who)).one())

    plan = as_("cp.diskes", lambda s, u: needs_plans.submit(s, settings, u, {
        "budget_year": year, "letter_number": f"027/114/DINKES/{year - 1}", "title": f"Kebutuhan TIK {year}",
        "items": items}).id)
    item_ids = as_("petugas", lambda s, u: [i.id for i in needs_plans.items_of(s, plan)])
    moves: list[tuple[str, str, dict[str, Any]]] = [
            ("kadis", "disposition", {"note": "Kabid, mohon ditelaah"}),
            ("kabid", "review", {"forward": True, "findings": "Sesuai renstra dan urgensi pelayanan"}),
            ("petugas", "assess", {"items": [{"id": i, "recommended": True} for i in item_ids]}),
            ("kadis", "approve", {"decision_number": f"027/201/KOMINFO/{year - 1}",
                                  "items": [{"id": i, "decision": "approved"} for i in item_ids]})]
    for who, action, data in moves:
        def move(s: Session, u: User, action: str = action, data: dict[str, Any] = data) -> None:
            needs_plans.apply(s, settings, u, plan, action, data)
        as_(who, move)
    as_("cp.bappeda", lambda s, u: needs_plans.submit(s, settings, u, {
        "budget_year": year, "letter_number": f"027/45/BAPPEDA/{year - 1}", "items": [
            {"kind": "software_licence", "description": "Lisensi perangkat lunak GIS", "quantity": 3, "uom": "lisensi",
             "unit_price": "22000000.00", "justification": "Analisis tata ruang"}]}))
    return f"demo needs plans for {year}: DISKES's approved (RKBMD at /plans), BAPPEDA's awaiting the head"


def agent_token(settings: Settings, serial: str) -> str:
    """A one-time enrolment token for the demo's local agent, which enrols afresh at every
    `make demo` (the database or the port may have changed since): earlier demo agents of the
    server are revoked, as an officer replacing an agent would."""
    from .models import Agent
    from .services import agents

    sessions = make_sessionmaker(make_engine(settings.database_url))
    install(sessions)
    with unit_of_work(sessions, actor="demo-seed") as s:
        server = s.scalars(select(Server).where(Server.serial_number == serial)).one()
        officer = s.scalars(select(User).where(User.username == "petugas")).one()
        for old in s.scalars(select(Agent).where(Agent.server_id == server.id, Agent.revoked_at.is_(None))):
            agents.revoke(s, old.id)
        token, _row = agents.make_enrollment_token(s, officer, server.id, 1)
    return token
