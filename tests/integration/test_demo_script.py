"""`make demo` as a newcomer runs it: the logins are the last lines on the terminal (the
controller's and the agent's logs go to files), and Ctrl-C ends it cleanly, without make's
"Error 130" (issue 15).

The real Makefile and tools/demo.sh run in a scratch folder (its own var/, database and port), so
the checkout's own demo is left alone; `-o deps` keeps make from installing anything (the venv is
the checkout's, shared with every other run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_line(proc: subprocess.Popen, out: Path, text: str, after: str, timeout: float = 120) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = out.read_text(errors="replace")
        if after in seen and text in seen[seen.index(after):]:
            return seen
        if proc.poll() is not None:
            raise AssertionError(f"make demo exited with {proc.returncode}:\n{seen}")
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared:\n{out.read_text(errors='replace')}")


def test_make_demo_prints_its_logins_last_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    for name in ("Makefile", "tools"):  # no pyproject.toml: nothing here can be pip-installed
        (tmp_path / name).symlink_to(ROOT / name)
    port = free_port()
    out = tmp_path / "terminal.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TITIP_", "MAKE"))}
    with out.open("wb") as sink:
        # Its own session, as a terminal's foreground job: Ctrl-C reaches make and the script alike.
        # SIGINT as a terminal leaves it (a test runner started in the background may ignore it).
        proc = subprocess.Popen(["make", "--no-print-directory", "-o", "deps", "demo", f"VENV={ROOT / '.venv'}",
                                 f"PORT={port}"], cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_default_sigint)
    try:
        _wait_for_line(proc, out, "  cp.bappeda ", after="Titip is at")
        time.sleep(20)  # the agent reports (every 15 s) and the controller logs requests meanwhile
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        lines = [ln for ln in out.read_text().splitlines() if ln.strip()]
        # The last lines: where Titip is, then the logins (one per demo user), nothing after.
        [at] = [i for i, ln in enumerate(lines) if ln.startswith("Titip is at")]
        assert lines[at].startswith(f"Titip is at http://127.0.0.1:{port}/")
        assert lines[at + 1].startswith("logins (password for all:"), lines[at:]
        assert [ln.split()[0] for ln in lines[at + 2:]] == ["admin", "kadis", "kabid", "petugas", "helpdesk",
                                                            "cp.diskes", "cp.bappeda"], lines[at:]
        assert not any("GET /" in ln or "POST /" in ln for ln in lines), "request lines on the terminal"
        assert "/api/v1/agents/reports" in (tmp_path / "var/demo-controller.log").read_text()
        assert (tmp_path / "var/demo-agent.log").exists()

        os.killpg(proc.pid, signal.SIGINT)   # Ctrl-C
        # make itself was interrupted (a shell shows 130) but, its recipe having ended cleanly, it
        # prints nothing: no "Error 130", no "Interrupt".
        assert proc.wait(30) in (0, -signal.SIGINT), out.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = out.read_text()
    assert "Error" not in text and "Interrupt" not in text, text
    assert "Titip stopped" in text
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
