"""The spool: bounded, ordered, durable; and the backoff that paces its replay."""

from __future__ import annotations

import json
import random
from pathlib import Path

from agent_helpers import FakeController

from agent.client import Backoff
from agent.config import load_config
from agent.runner import Agent
from agent.spool import Spool

PAD = "x" * 200  # makes every heartbeat about the same size


def _heartbeat(n: int) -> dict[str, object]:
    return {"n": n, "pad": PAD}


def test_full_spool_drops_oldest_heartbeats_keeps_inventories_and_reports_the_count(
        state_dir: Path, controller: FakeController) -> None:
    config = load_config(state_dir)
    one = len(json.dumps(_heartbeat(0)))
    config.spool_max_bytes = 6 * (one + 150)  # room for about five reports
    agent = Agent(config)
    spool = agent.spool

    inventory = spool.put("inventory", {"inventory": 1, "pad": PAD})
    for n in range(1, 11):
        spool.put("heartbeat", _heartbeat(n))
    later_inventory = spool.put("inventory", {"inventory": 2, "pad": PAD})
    spool.put("heartbeat", _heartbeat(11))

    kept = list(spool)
    assert spool.size_bytes <= config.spool_max_bytes
    assert inventory in kept and later_inventory in kept  # inventories are never dropped
    kept_heartbeats = [r.payload["n"] for r in kept if r.kind == "heartbeat"]
    assert kept_heartbeats == sorted(kept_heartbeats) and kept_heartbeats[-1] == 11
    dropped = 11 - len(kept_heartbeats)
    assert dropped > 0 and spool.dropped_heartbeats == dropped
    assert kept_heartbeats == list(range(dropped + 1, 12))  # the oldest went first

    assert agent.deliver()
    sent = controller.stored
    assert [r["payload"].get("inventory") for r in sent if r["kind"] == "inventory"] == [1, 2]
    counts = [(r["kind"], r["dropped_heartbeats"]) for r in sent]
    first_heartbeat = next(i for i, (kind, _) in enumerate(counts) if kind == "heartbeat")
    assert counts[first_heartbeat] == ("heartbeat", dropped)  # told on the next heartbeat...
    assert sum(c for _, c in counts) == dropped                # ...and only once
    assert spool.dropped_heartbeats == 0 and len(spool) == 0


def test_inventories_alone_may_exceed_the_bound(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", max_bytes=100)
    for n in range(3):
        spool.put("inventory", {"n": n, "pad": PAD})
    assert [r.payload["n"] for r in spool] == [0, 1, 2]
    assert spool.dropped_heartbeats == 0


def test_spool_survives_a_restart_in_order(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    spool = Spool(directory, max_bytes=1200)
    first = [spool.put(kind, {"i": i}) for i, kind in enumerate(["inventory", "heartbeat", "heartbeat"])]
    for n in range(5):
        spool.put("heartbeat", _heartbeat(n))  # overflow: the dropped count must persist too
    dropped = spool.dropped_heartbeats
    before = list(spool)
    # a write interrupted by a crash leaves only a temp file, which must never be replayed
    (directory / ".tmp-000000000099.heartbeat.json").write_text('{"report_id": "half')

    reopened = Spool(directory, max_bytes=1200)
    assert list(reopened) == before
    assert reopened.dropped_heartbeats == dropped > 0
    assert first[0] in before  # the inventory is still first in line
    assert not any(p.name.startswith(".tmp-") for p in directory.iterdir())
    newer = reopened.put("heartbeat", {"i": "new"})
    assert newer.seq > before[-1].seq and list(reopened)[-1] == newer


def test_backoff_grows_with_jitter_up_to_its_cap() -> None:
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, ceiling in zip(delays, [1, 2, 4, 8, 8, 8]):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) == len(delays)  # jittered, not lockstep
    backoff.reset()
    assert backoff.next_delay() <= 1.0
