"""Many officers reserving at once over real HTTP: the database lets exactly one win each U."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest


@pytest.fixture
def live(served):
    world, ctl, _ = served
    yield ctl, world


def _fire(url: str, token: str, bodies: list[dict]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies))

    def one(body: dict) -> httpx.Response:
        with httpx.Client(timeout=60) as c:
            barrier.wait()
            return c.post(url, json=body, headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def test_fifty_racing_reservations_overlapping_ranges(live):
    ctl, world = live
    rng = random.Random(7)
    bodies = [{"u_bottom": rng.randint(1, 16), "height_u": rng.randint(1, 4), "note": f"r{i}"} for i in range(50)]
    rack = world.ids["rack2"]
    responses = _fire(f"{ctl.url}/api/v1/racks/{rack}/reservations", world.tokens["officer"], bodies)
    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409}, codes
    winners = [set(range(b["u_bottom"], b["u_bottom"] + b["height_u"])) for b, r in zip(bodies, responses)
               if r.status_code == 201]
    held: set[int] = set()
    for w in winners:
        assert not (w & held), "two winners hold the same U"
        held |= w
    for b, r in zip(bodies, responses):
        if r.status_code == 409:  # every loser really overlaps a winner
            assert set(range(b["u_bottom"], b["u_bottom"] + b["height_u"])) & held
    elev = httpx.get(f"{ctl.url}/api/v1/racks/{rack}/elevation",
                     headers={"Authorization": f"Bearer {world.tokens['officer']}"}).json()
    assert {e["u"] for e in elev["units"] if e["state"] == "reserved"} == held


def test_fifty_racing_reservations_same_range_one_winner(live):
    ctl, world = live
    bodies = [{"u_bottom": 20, "height_u": 2, "note": f"r{i}"} for i in range(50)]
    responses = _fire(f"{ctl.url}/api/v1/racks/{world.ids['rack1']}/reservations", world.tokens["officer"], bodies)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 49, codes
    assert all("U20" in r.json()["detail"] for r in responses if r.status_code == 409)


def test_twenty_racing_disposal_requests_open_one_case(live):
    """Both databases: SQLite serialises the writers, PostgreSQL lets them all pass the check in
    code and its partial unique index turns all but one into a 409."""
    ctl, world = live
    sid = world.ids["server_b"]
    bodies = [{"server_id": sid, "method": "penghapusan", "reason": f"Rusak berat ({i})"} for i in range(20)]
    responses = _fire(f"{ctl.url}/api/v1/disposals", world.tokens["contact_b"], bodies)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
    assert all("already open" in r.json()["detail"] or "still open" in r.json()["detail"]
               for r in responses if r.status_code == 409)
    cases = httpx.get(f"{ctl.url}/api/v1/disposals",
                      headers={"Authorization": f"Bearer {world.tokens['officer']}"}).json()["items"]
    assert [c["server_id"] for c in cases] == [sid]
