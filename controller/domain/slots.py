"""Finding free U ranges in racks: plain functions over occupancy, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RackSpace:
    rack_id: int
    rack_name: str
    height_u: int
    held_units: frozenset[int]
    power_capacity_w: int | None = None
    power_used_w: int = 0


@dataclass(frozen=True)
class Candidate:
    rack_id: int
    rack_name: str
    u_bottom: int
    u_top: int
    run_length: int       # the free run the candidate sits in
    leftover_u: int       # free U left in that run after placing: less is better (less fragmentation)
    power_free_w: int | None


def free_runs(height_u: int, held: Iterable[int]) -> list[tuple[int, int]]:
    """Maximal runs of free U as (bottom, length), bottom to top; U are numbered from 1."""
    held_set = set(held)
    runs: list[tuple[int, int]] = []
    start = None
    for u in range(1, height_u + 2):
        free = u <= height_u and u not in held_set
        if free and start is None:
            start = u
        elif not free and start is not None:
            runs.append((start, u - start))
            start = None
    return runs


def range_fits(space: RackSpace, u_bottom: int, height_u: int) -> bool:
    top = u_bottom + height_u - 1
    return u_bottom >= 1 and top <= space.height_u and not any(
        u in space.held_units for u in range(u_bottom, top + 1)
    )


def power_free(space: RackSpace) -> int | None:
    if space.power_capacity_w is None:
        return None
    return space.power_capacity_w - space.power_used_w


def candidates(racks: Iterable[RackSpace], height_u: int, power_w: int = 0) -> list[Candidate]:
    """Best fit first: the tightest free run (least fragmentation), then the most power headroom,
    then the lowest U (heavy kit low in the rack), then rack name."""
    found: list[Candidate] = []
    for space in racks:
        headroom = power_free(space)
        if headroom is not None and headroom < power_w:
            continue
        for bottom, length in free_runs(space.height_u, space.held_units):
            if length >= height_u:
                found.append(Candidate(
                    space.rack_id, space.rack_name, bottom, bottom + height_u - 1,
                    length, length - height_u, headroom,
                ))
    inf = float("inf")
    found.sort(key=lambda c: (
        c.leftover_u,
        -(c.power_free_w if c.power_free_w is not None else inf),
        c.u_bottom, c.rack_name,
    ))
    return found
