"""More demo data for the pages: requests at every stage, made only through the services.

`controller.demo.seed` sets up the office; `enrich` then walks a few custody requests through the
same use cases the API and the pages call, so the screenshots show a queue, an inbox, a waiting
reservation, reachable and unreachable servers. Access checks probe only 127.0.0.1.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..audit import install
from ..db import make_engine, make_sessionmaker, unit_of_work
from ..documents import seal
from ..models import CustodyRequest, Server, User
from ..models.base import utcnow
from ..services import custody, servers
from ..settings import Settings

CHECKLIST = {"physical": True, "serial_matches": True, "rails": True, "psu": True, "accessories": True}
NIP = {"petugas": "198905052015031001", "cp.diskes": "198402142010012003", "cp.bappeda": "198011202006041002"}

# (contact, serial, brand, model, U, W, purpose, how far, rack, u_bottom)
REQUESTS = [
    ("cp.diskes", "DL-R650-2201", "Dell", "PowerEdge R650", 1, 600, "SIMRS rumah sakit daerah", "active", "R03", 5),
    ("cp.bappeda", "LNV-SR630-88", "Lenovo", "ThinkSystem SR630", 1, 550, "e-Planning", "unreachable", "R03", 8),
    ("cp.diskes", "HPE-DL20-0932", "HPE", "ProLiant DL20 Gen10", 1, 290, "Aplikasi P-Care", "reserved", "R01", 10),
    ("cp.bappeda", "DL-R450-7710", "Dell", "PowerEdge R450", 1, 450, "SIPD cadangan", "assigned", None, None),
    ("cp.diskes", "SMC-1029-4410", "Supermicro", "SYS-1029P", 1, 500, "Data surveilans", "late", None, None),
    ("cp.diskes", "FJ-RX1330-551", "Fujitsu", "PRIMERGY RX1330", 1, 300, "Sistem antrean puskesmas", "submitted",
     None, None),
]


@contextmanager
def _web_service() -> Iterator[int]:
    """A tiny HTTP service on loopback for the demo's access checks."""
    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def enrich(settings: Settings) -> Iterator[str]:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    install(sessions)
    seal.install(sessions, settings)  # the demo's handover forms are sealed like the app's

    def step(who: str, rid: int, action: str, data: dict | None = None, days_ago: float = 0) -> None:
        with unit_of_work(sessions, actor=who) as s:
            user = s.scalars(select(User).where(User.username == who)).one()
            custody.apply(s, settings, user, rid, action, data, now=utcnow() - timedelta(days=days_ago))

    def sign(who: str, rid: int) -> None:
        with unit_of_work(sessions, actor=who) as s:
            user = s.scalars(select(User).where(User.username == who)).one()
            position = "Pranata Komputer Ahli Muda" if who == "petugas" else "Kepala Seksi Data dan Informasi"
            data = {"name": user.full_name, "nip": NIP[who], "position": position}
            custody.apply(s, settings, user, rid, "sign_handover", data)

    with unit_of_work(sessions, actor="demo-seed") as s:
        if s.scalar(select(CustodyRequest.id).limit(1)):
            yield "demo requests already present; nothing added"
            return
    racks = _rack_ids(sessions)
    with _web_service() as port:
        for contact, serial, brand, model, height, watts, purpose, stage, rack, u in REQUESTS:
            with unit_of_work(sessions, actor=contact) as s:
                user = s.scalars(select(User).where(User.username == contact)).one()
                assert user.unit is not None  # a contact person belongs to a unit
                req = custody.submit(s, settings, user, {
                    "letter_number": f"005/{serial[-4:]}/{user.unit.code}/2026", "letter_date": "2026-11-02",
                    "server": {"brand": brand, "model": model, "serial_number": serial, "height_u": height,
                               "power_w": watts, "purpose": purpose}})
                rid = req.id
            if stage == "submitted":
                continue
            step("kadis", rid, "head_dispose", {"note": "Mohon ditindaklanjuti"}, days_ago=3 if stage == "late" else 0)
            if stage == "late":
                continue
            step("kabid", rid, "division_dispose", {"officer": "petugas"})
            if stage == "assigned":
                continue
            assert rack is not None  # every row past "assigned" names its rack
            step("petugas", rid, "reserve_space", {"rack_id": racks[rack], "u_bottom": u})
            if stage == "reserved":
                continue
            step("petugas", rid, "receive")
            step("petugas", rid, "inspect", {"passed": True, "checklist": CHECKLIST, "notes": "Lengkap dengan rel"})
            sign("petugas", rid)
            sign(contact, rid)
            step("petugas", rid, "place")
            checks = ([{"kind": "tcp", "port": port}, {"kind": "http", "url": f"http://127.0.0.1:{port}/"}]
                      if stage == "active" else [{"kind": "tcp", "port": _closed_port()}])
            step("petugas", rid, "configure", {"management_ip": "127.0.0.1", "access_checks": checks})
            if stage == "active":
                step(contact, rid, "confirm_access", {"ok": True})
    with unit_of_work(sessions, actor="petugas") as s:
        officer = s.scalars(select(User).where(User.username == "petugas")).one()
        worn = s.scalar(select(Server).where(Server.serial_number == "J30A7BCD"))
        if worn is not None:
            servers.update_server(s, officer, worn.id, {"condition": "rusak_ringan"})
    engine.dispose()
    yield f"demo requests added: {len(REQUESTS)} at different steps"


def _rack_ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    from ..models import Rack

    with sessions() as s:
        return {r.name: r.id for r in s.scalars(select(Rack))}


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
