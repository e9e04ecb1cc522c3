#!/usr/bin/env python3
"""Where a page's time goes: the same pages in-process, with the SQL statements counted and timed,
and optionally a cProfile of one page.

    .venv/bin/python bench/web/page_costs.py --url sqlite:///var/bench-web.db [--fill 10000] [--cprofile queue]

`--fill N` migrates and fills the database first (bench/web/fill.py); without it the database
is used as it is (a file filled before). Prints, per page: wall time, number of statements and
the time spent in them, and the five statements that cost most.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE)]

import fill  # noqa: E402
from sqlalchemy import event  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from controller.app import create_app  # noqa: E402
from controller.settings import Settings  # noqa: E402

AUDIT_KEY = "bench-web-profile-audit-key-0123456789abcdef"


class Statements:
    """Every statement of every engine the app holds: count and time, by normalised text."""

    def __init__(self, engines: list[Any]) -> None:
        self.on = False
        self.by_text: dict[str, list[float]] = defaultdict(list)
        for engine in {id(e): e for e in engines}.values():
            event.listen(engine, "before_cursor_execute", self._before)
            event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["t0"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.on:
            key = re.sub(r"\s+", " ", re.sub(r"\(\?(, \?)*\)|\(__\[POSTCOMPILE_\w+\]\)", "(...)", statement))[:160]
            self.by_text[key].append(time.perf_counter() - conn.info.pop("t0", time.perf_counter()))


class Profiled:
    """cProfile of the route functions themselves: FastAPI runs a sync route in a worker thread,
    where a profiler enabled in the caller's thread sees nothing."""

    def __init__(self) -> None:
        import fastapi.routing as routing
        self.prof: cProfile.Profile | None = None
        original = routing.run_in_threadpool

        async def run(func: Any, *args: Any, **kwargs: Any) -> Any:
            def inner(*a: Any, **kw: Any) -> Any:
                if self.prof is None:
                    return func(*a, **kw)
                self.prof.enable()
                try:
                    return func(*a, **kw)
                finally:
                    self.prof.disable()
            return await original(inner, *args, **kwargs)

        routing.run_in_threadpool = run  # type: ignore[assignment]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--fill", type=int, default=0)
    ap.add_argument("--cprofile", default="", help="a page name to profile (room, servers, server, queue, inbox)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sort", default="cumulative", help="cProfile order: cumulative or tottime")
    args = ap.parse_args()
    if args.fill:
        t0 = time.perf_counter()
        fill.write(args.url, args.fill, AUDIT_KEY)
        print(f"filled {args.fill} servers in {time.perf_counter() - t0:.1f} s")
    settings = Settings(database_url=args.url, secret_key=secrets.token_hex(32), audit_key=AUDIT_KEY,
                        scheduler_enabled=False, serve_worker=False)
    app = create_app(settings)
    stats = Statements([app.state.engine, app.state.read_engine])
    profiled = Profiled()
    from sqlalchemy import select

    from controller.models import Room, Server
    with app.state.sessions() as db:
        room = db.scalar(select(Room.id).order_by(Room.id))
        server = db.scalar(select(Server.id).where(Server.management_ip.is_not(None)).order_by(Server.id.desc()))
    pages = {"room": ("petugas1", f"/rooms/{room}"), "servers": ("petugas1", "/servers?q=srv0&state=baik&page=3"),
             "server": ("petugas1", f"/servers/{server}"), "queue": ("petugas1", "/queue"),
             "inbox": ("kadis", "/inbox"), "inbox-division": ("kabid", "/inbox")}
    with TestClient(app) as client:
        for name, (who, address) in pages.items():
            client.cookies.clear()
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            r = client.post("/login", data={"username": who, "password": fill.PASSWORD, "csrf_token": token.group(1)},
                            follow_redirects=False)
            assert r.status_code == 303, r.status_code
            client.get(address)
            stats.by_text.clear()
            stats.on = True
            took = []
            prof = profiled.prof = cProfile.Profile() if name == args.cprofile else None
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                r = client.get(address)
                took.append(time.perf_counter() - t0)
                assert r.status_code == 200, (address, r.status_code)
            profiled.prof = None
            stats.on = False
            n = sum(len(v) for v in stats.by_text.values()) / args.repeat
            sql = sum(sum(v) for v in stats.by_text.values()) / args.repeat
            print(f"{name:<15} {min(took) * 1000:7.0f} ms  {n:6.0f} statements  {sql * 1000:7.0f} ms in SQL  "
                  f"{len(r.content) / 1024:6.0f} KiB")
            top = sorted(stats.by_text.items(), key=lambda kv: -sum(kv[1]))[:5]
            for text, times in top:
                print(f"    {len(times) / args.repeat:6.0f} x {sum(times) / args.repeat * 1000:7.1f} ms  {text}")
            if prof:
                pstats.Stats(prof).sort_stats(args.sort).print_stats(45)


if __name__ == "__main__":
    main()
