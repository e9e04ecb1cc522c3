"""Screenshots of the pages for a reviewer: `make screenshots` (writes screenshots/*.png).

Starts a controller on a throwaway SQLite database with the demo data (controller.demo.seed plus
controller.web.demo.enrich, both through the services), logs in as the officer and as a unit's
contact person in Debian's headless chromium, and saves PNGs; adds the pages of a sealed
handover form and of a lembar disposisi as issued (every page). Everything stays on 127.0.0.1.

    .venv/bin/python tools/screenshots.py [--out screenshots] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controller.demo import DEMO_PASSWORD, seed  # noqa: E402
from controller.migrate import upgrade  # noqa: E402
from controller.settings import Settings  # noqa: E402
from controller.web.demo import enrich  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_controller(db_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "TITIP_DATABASE_URL": db_url, "TITIP_SCHEDULER_ENABLED": "false",
           "TITIP_SECRET_KEY": secrets.token_hex(32)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "controller.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"controller exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError("controller did not start in 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def shoot(url: str, out: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            def login(who: str, viewport: dict):
                context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="id-ID",
                                              timezone_id="Asia/Jakarta")
                page = context.new_page()
                page.goto(f"{url}/login")
                page.fill("input[name=username]", who)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                return context, page

            def save(page, name: str) -> None:
                path = out / name
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)

            context, page = login("petugas", DESKTOP)
            page.goto(f"{url}/rooms")
            save(page, "officer-room.png")
            device = page.query_selector("a.u-server")  # a rack device links to its server page
            if device is not None:
                page.goto(f"{url}{device.get_attribute('href')}")
                save(page, "officer-server.png")
            page.goto(f"{url}/queue")
            save(page, "officer-queue.png")
            rid = page.get_attribute("tr[data-request] a", "href")
            page.goto(f"{url}{rid}")
            save(page, "officer-request.png")
            page.goto(f"{url}{rid}/space")
            save(page, "officer-choose-slot.png")
            context.close()

            context, page = login("cp.diskes", DESKTOP)
            page.goto(f"{url}/servers")
            save(page, "contact-servers.png")
            context.close()

            context, page = login("cp.diskes", PHONE)
            page.goto(f"{url}/servers")
            save(page, "contact-servers-phone.png")
            context.close()

            context, page = login("kabid", DESKTOP)
            page.goto(f"{url}/inbox")
            save(page, "division-head-inbox.png")
            context.close()

            context, page = login("admin", DESKTOP)
            page.goto(f"{url}/admin/racks")
            save(page, "admin-racks.png")
            page.goto(f"{url}/admin/import")
            page.set_input_files("form[action='/admin/import'] input[name=file]", {
                "name": "ruang-server.xlsx", "buffer": import_sample(),
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
            page.click("form[action='/admin/import'] button[type=submit]")
            page.wait_for_load_state()
            save(page, "admin-import-dry-run.png")
            context.close()
        finally:
            browser.close()
    return saved


def document_pages(db_url: str, out: Path) -> list[Path]:
    """Every page of the latest sealed handover form and lembar disposisi, as issued (pdftoppm): the
    seal sits on the last page, in the bottom margin."""
    from sqlalchemy import create_engine, select

    from controller.models import Document

    saved = []
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn, tempfile.TemporaryDirectory(prefix="titip-docs-") as tmp:
            for kind, stem in (("handover", "document-handover"), ("disposition", "document-disposition")):
                content = conn.scalar(select(Document.content).where(Document.kind == kind)
                                      .order_by(Document.id.desc()).limit(1))
                if content is None:
                    continue
                pdf = Path(tmp) / f"{stem}.pdf"
                pdf.write_bytes(content)
                for old in out.glob(f"{stem}-*.png"):
                    old.unlink()
                subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(out / stem)], check=True, timeout=60)
                saved += sorted(out.glob(f"{stem}-*.png"))
    finally:
        engine.dispose()
    return saved


def import_sample() -> bytes:
    """A small room to import: two good rows and two with errors, for the dry run's page."""
    import io

    from openpyxl import Workbook

    from controller.services.importer import COLUMNS

    rows = [
        {"unit_code": "DISKES", "room": "Ruang Server Utama", "rack": "R03", "rack_height_u": 42, "u_bottom": 1,
         "brand": "Dell", "model": "PowerEdge R640", "serial_number": "IMP-0001", "height_u": 1, "power_w": 350,
         "management_ip": "10.20.1.31", "asset_code": "1.3.2.10.01.02.001", "nup": "0101"},
        {"unit_code": "DISDIK", "unit_name": "Dinas Pendidikan", "room": "Ruang Server Utama", "rack": "R03",
         "u_bottom": 2, "brand": "HPE", "model": "ProLiant DL20", "serial_number": "IMP-0002", "height_u": 1,
         "management_ip": "10.20.3.300"},
        {"unit_code": "BAPPEDA", "room": "Ruang Server Utama", "rack": "R03", "u_bottom": 1, "brand": "Lenovo",
         "model": "SR250", "serial_number": "IMP-0003", "height_u": 1},
        {"unit_code": "DISKES", "brand": "Dell", "model": "R240", "height_u": 1, "custody": "aktif"},
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Server"
    ws.append([c.heading for c in COLUMNS])
    for row in rows:
        ws.append([row.get(c.key) for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="titip-shots-") as tmp:
        db_url = f"sqlite:///{tmp}/demo.db"
        upgrade(db_url)
        # The demo's forms are sealed with a demo office certificate, as `make demo` does.
        from controller.documents.seal import init_demo

        pki = init_demo(Path(tmp) / "pki", "Dinas Komunikasi dan Informatika", "titip-demo-seal")
        settings = Settings(database_url=db_url, scheduler_enabled=False, seal_p12=str(pki["p12"]),
                            seal_passphrase="titip-demo-seal")
        for line in (*seed(settings), *enrich(settings)):
            print(line) if line.startswith("demo") else None
        proc, url = start_controller(db_url)
        try:
            for path in [*shoot(url, out, args.chromium), *document_pages(db_url, out)]:
                print(f"saved {path}")
        finally:
            stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
