"""Two controllers on one database: the agent is given both URLs and fails over between them."""

from __future__ import annotations

from pathlib import Path

import pytest
from agent_helpers import ENROLL_TOKEN, FakeController, run_agent, spooled, tune

from agent.client import ControllerClient, Transient


def _pair() -> tuple[FakeController, FakeController]:
    """Two controllers sharing their database: tokens and credentials known to both."""
    a, b = FakeController(), FakeController()
    b.tokens, b.credentials = a.tokens, a.credentials
    a.start()
    b.start()
    return a, b


def test_the_agent_fails_over_to_the_second_controller_and_back(tmp_path: Path) -> None:
    a, b = _pair()
    state = tmp_path / "state"
    try:
        r = run_agent("enroll", "--controller", f"{a.url}, {b.url}", "--token", ENROLL_TOKEN,
                      "--state-dir", str(state))
        assert r.returncode == 0, r.stderr
        tune(state, backoff_base_seconds=0.05, backoff_max_seconds=0.2, timeout_seconds=2)
        run = ("run", "--state-dir", str(state), "--interval", "0.1", "--once-cycles", "2")

        assert run_agent(*run).returncode == 0
        assert a.kinds() == ["inventory", "heartbeat", "heartbeat"] and b.kinds() == []

        a.stop()                                  # the first host dies: nothing is spooled
        r = run_agent(*run)
        assert r.returncode == 0, r.stderr
        assert b.kinds() == ["inventory", "heartbeat", "heartbeat"]
        assert spooled(state) == []

        ids = [x["report_id"] for x in a.stored + b.stored]
        assert len(ids) == len(set(ids)) == 6     # every report once, wherever it went
    finally:
        a.stop()
        b.stop()


def test_the_client_stays_with_the_controller_that_answers_and_leaves_one_answering_5xx() -> None:
    a, b = _pair()
    try:
        a.credentials.add("cred-shared")
        client = ControllerClient(f"{a.url},{b.url}", timeout=2)
        a.stop()
        client.send_report("cred-shared", {"report_id": "r1", "kind": "heartbeat"})
        a.start()
        client.send_report("cred-shared", {"report_id": "r2", "kind": "heartbeat"})   # stays with b
        b.forced.append(503)                      # b is going away
        client.send_report("cred-shared", {"report_id": "r3", "kind": "heartbeat"})
        client.send_report("cred-shared", {"report_id": "r4", "kind": "heartbeat"})
        assert [r["report_id"] for r in b.stored] == ["r1", "r2"]
        assert [r["report_id"] for r in a.stored] == ["r3", "r4"]
        a.forced.append(429)                      # a controller asking to wait is not left for another
        with pytest.raises(Transient):
            client.send_report("cred-shared", {"report_id": "r5", "kind": "heartbeat"})
        assert "r5" not in [r["report_id"] for r in b.received]
    finally:
        a.stop()
        b.stop()


def test_a_bad_url_in_the_list_is_named(tmp_path: Path) -> None:
    r = run_agent("enroll", "--controller", "https://titip.example.go.id,ftp://x", "--token", ENROLL_TOKEN,
                  "--state-dir", str(tmp_path / "s"))
    assert r.returncode == 2 and "ftp://x" in r.stderr
