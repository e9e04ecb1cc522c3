"""The allocation rule (domain.slots) without a database: which free U a server is offered first."""

from __future__ import annotations

from hypothesis import given, strategies as st

from controller.domain.slots import RackSpace, candidates, free_runs, power_free, range_fits


def rack(name: str, held=(), height: int = 42, capacity: int | None = None, used: int = 0, rid: int = 1):
    return RackSpace(rid, name, height, frozenset(held), capacity, used)


def test_free_runs_are_maximal_and_bottom_up():
    assert free_runs(10, []) == [(1, 10)]
    assert free_runs(10, [1, 2, 5, 10]) == [(3, 2), (6, 4)]
    assert free_runs(3, [1, 2, 3]) == []


def test_range_fits_respects_edges_and_held_units():
    r = rack("R01", held={10}, height=12)
    assert range_fits(r, 11, 2) and range_fits(r, 1, 9)
    assert not range_fits(r, 9, 2)           # overlaps U10
    assert not range_fits(r, 12, 2)          # past the top
    assert not range_fits(r, 0, 1)           # below U1


def test_the_tightest_run_is_offered_first_to_keep_big_runs_whole():
    # R01 has a 2 U gap (U5-U6) and a long run above; a 2 U server goes into the gap.
    r = rack("R01", held={1, 2, 3, 4, 7})
    best = candidates([r], 2)[0]
    assert (best.u_bottom, best.u_top, best.leftover_u) == (5, 6, 0)


def test_more_power_headroom_wins_a_tie_and_a_rack_without_power_is_skipped():
    tight = rack("R01", capacity=1000, used=900, rid=1)
    roomy = rack("R02", capacity=5000, used=1000, rid=2)
    unlimited = rack("R03", rid=3)
    order = [c.rack_name for c in candidates([tight, roomy, unlimited], 2, power_w=500)]
    assert order[:2] == ["R03", "R02"]       # no budget counts as the most headroom
    assert "R01" not in order                  # 100 W left < 500 W
    assert power_free(tight) == 100 and power_free(unlimited) is None


def test_lowest_u_then_rack_name_break_the_remaining_ties():
    a, b = rack("B", rid=1), rack("A", rid=2)
    first = candidates([a, b], 42)
    assert [(c.rack_name, c.u_bottom) for c in first] == [("A", 1), ("B", 1)]


@given(st.integers(1, 42), st.sets(st.integers(1, 42), max_size=40), st.integers(1, 8))
def test_every_candidate_is_really_free_and_fits(height, held, server_u):
    r = rack("R", held=held, height=height)
    for c in candidates([r], server_u):
        assert c.u_top - c.u_bottom + 1 == server_u
        assert range_fits(r, c.u_bottom, server_u)
    # and if any free range of that size exists, one is offered
    exists = any(range_fits(r, u, server_u) for u in range(1, height + 1))
    assert bool(candidates([r], server_u)) == exists
