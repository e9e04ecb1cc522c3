#!/usr/bin/env python3
"""The pages people open most, timed over real HTTP with 10,000 servers, and with 100.

Fills a database (bench/web/fill.py: 40 units, 4 rooms, 200 racks, 10,000 servers, a year of
custody history with steps, signatures, letters and handover papers, twelve monthly
inventories, probe rounds, heartbeats, tickets, maintenance, notifications and the audit
trail), starts `titip serve --workers 2` on it, logs in through the web login form (CSRF token
and all) as the officer, the head (Kadis), the division head (Kabid) and a unit's contact
person, and times each page over keep-alive HTTP, one request at a time:

* room:     /rooms/{id}, a room's rack elevations (50 racks at 10,000 servers)
* servers:  /servers with a search and a condition/unit filter, a later page (the officer)
* servers (unit): /servers as a unit's contact person, filtered
* server:   /servers/{id}, a server with a year of history
* queue:    /queue, the officer's work list
* inbox:    /inbox, the head's and the division head's dispositions

p50 and p95 over --requests requests each (after 6 unmeasured ones, so both workers are warm), on SQLite and on
PostgreSQL (a private cluster started here), at each --servers size. Target: p50 < 200 ms and
p95 < 500 ms at 10,000 servers.

    .venv/bin/python bench/web [--servers 10000 100] [--requests 50] [--db sqlite postgresql]

Needs: apt-get install -y postgresql. Loopback only; every process started here is stopped
here, by its PID.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import fill  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.support.controller import start_serve  # noqa: E402
from tests.support.postgres import start_postgres  # noqa: E402

TARGET_P50, TARGET_P95 = 0.200, 0.500


def login(base: str, username: str) -> httpx.Client:
    """A browser's session: the form's CSRF token, then the POST; the cookie stays in the client."""
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("no CSRF token on the login form")
    r = client.post("/login", data={"username": username, "password": fill.PASSWORD, "csrf_token": token.group(1)})
    if r.status_code != 303:
        raise SystemExit(f"login as {username} answered {r.status_code}")
    return client


def pages(filled: fill.Filled) -> list[tuple[str, str, Callable[[int], str]]]:
    """(page, who opens it, the address of its k-th request)."""
    live, rooms = filled.live_servers, filled.rooms
    searches = ["/servers?q=srv0&state=baik&page=3", "/servers?unit=U07&state=baik&page=2",
                "/servers?q=dell&unit=U12", "/servers?q=10.0.1&per=50&page=2", "/servers?state=rusak_ringan",
                "/servers?q=poweredge&sort=hostname&dir=desc&page=5"]
    step = max(1, len(live) // 97)
    return [
        ("room", "petugas1", lambda k: f"/rooms/{rooms[k % len(rooms)]}"),
        ("servers", "petugas1", lambda k: searches[k % len(searches)]),
        ("servers (unit)", "cp.u07", lambda k: ["/servers?q=srv&state=baik", "/servers?page=2",
                                                 "/servers?q=dell"][k % 3]),
        ("server", "petugas1", lambda k: f"/servers/{live[(k * step) % len(live)]}"),
        ("queue", "petugas1", lambda k: "/queue"),
        ("inbox (head)", "kadis", lambda k: "/inbox"),
        ("inbox (division)", "kabid", lambda k: "/inbox"),
    ]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def measure(base: str, filled: fill.Filled, count: int) -> list[tuple[str, float, float, float, int, int]]:
    """(page, p50, p95, max, largest body, requests lost): a request the server dropped (uvicorn's
    supervisor restarts a worker that misses its 5 s health check while a slow page holds it) is
    counted, not timed, and the next one goes on a new connection."""
    out = []
    clients: dict[str, httpx.Client] = {}
    try:
        for name, who, address in pages(filled):
            client = clients.get(who) or clients.setdefault(who, login(base, who))
            for k in range(6):   # both workers warm
                try:
                    client.get(address(k)).raise_for_status()
                except httpx.TransportError:
                    pass
            took, size, lost = [], 0, 0
            for k in range(count):
                t0 = time.perf_counter()
                try:
                    r = client.get(address(k + 6))
                except httpx.TransportError:
                    lost += 1
                    continue
                took.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"{name}: {address(k + 6)} answered {r.status_code}")
                size = max(size, len(r.content))
            if not took:
                raise SystemExit(f"{name}: every request was dropped")
            out.append((name, statistics.median(took), pct(took, 0.95), max(took), size, lost))
    finally:
        for client in clients.values():
            client.close()
    return out


def run(db: str, url: str, n: int, args: argparse.Namespace, home: Path) -> list[tuple]:
    audit_key = secrets.token_hex(32)
    t0 = time.perf_counter()
    filled = fill.write(url, n, audit_key)
    rows = sum(filled.counts.values()) + filled.audit_events
    print(f"# {db}, {n} servers: {filled.racks} racks in {len(filled.rooms)} rooms, {rows:,} rows "
          f"({filled.counts['custody_steps']:,} custody steps, {filled.counts['inventory_items']:,} inventory items, "
          f"{filled.audit_events:,} audit events) filled in {time.perf_counter() - t0:.1f} s", flush=True)
    env = {"TITIP_SECRET_KEY": secrets.token_hex(32), "TITIP_AUDIT_KEY": audit_key,
           "TITIP_SCHEDULER_ENABLED": "false", "TITIP_SERVE_WORKER": "false",
           "PYTHONPATH": str(ROOT)}   # this tree's controller, also when run from a copy of the checkout
    # A loaded machine (the benches share it with test runs) can take over a minute to start both workers.
    ctl = start_serve(url, home / f"{db}-{n}", extra_env=env, workers=args.workers, timeout=300)
    try:
        results = measure(ctl.url, filled, args.requests)
    finally:
        ctl.stop()
    for name, p50, p95, worst, size, lost in results:
        verdict = "" if n < 10_000 or (p50 < TARGET_P50 and p95 < TARGET_P95) else "  OVER target"
        dropped = f"  ({lost} dropped)" if lost else ""
        print(f"{db:<11} {n:>6} {name:<17} {p50 * 1000:7.0f} {p95 * 1000:7.0f} {worst * 1000:7.0f} "
              f"{size / 1024:7.0f}{verdict}{dropped}", flush=True)
    return [(db, n, *r) for r in results]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", type=int, nargs="+", default=[10_000, 100])
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print(f"{'database':<11} {'servers':>6} {'page':<17} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'KiB':>7}")
    with tempfile.TemporaryDirectory(prefix="titip-bench-web-") as tmp:
        home = Path(tmp)
        if "sqlite" in args.db:
            for n in args.servers:
                run("sqlite", f"sqlite:///{home}/bench-{n}.db", n, args, home)
        if "postgresql" in args.db:
            if os.geteuid() == 0:
                os.chmod(home, 0o755)
            pg = start_postgres()
            try:
                admin = create_engine(pg.url(), isolation_level="AUTOCOMMIT")
                with admin.connect() as c:
                    for n in args.servers:
                        c.execute(text(f"CREATE DATABASE bench_{n}"))
                admin.dispose()
                for n in args.servers:
                    run("postgresql", pg.url(f"bench_{n}"), n, args, home)
            finally:
                pg.stop()


if __name__ == "__main__":
    main()
