"""What an SOP says of one step: who does it, how long it may take, what comes out of it.

The workflow tables say who may *take* a move in Titip; an SOP row also names its actor (often an
office outside the ICT office), its service time (*Mutu Baku: Waktu*, in minutes or days) and its
output document. The pages and the API show these beside each move, and a case's due time is the
time of the step it waits for, counted in office hours (``service_time.add_working_span``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SopTime:
    """A service time as the SOP writes it: minutes of office time, or whole working days."""

    minutes: int = 0
    days: int = 0

    def __add__(self, other: SopTime) -> SopTime:
        """Steps a state waits for add up: "10 menit" then "3 hari" is 3 days and 10 minutes."""
        return SopTime(minutes=self.minutes + other.minutes, days=self.days + other.days)

    def span(self, day_length: timedelta) -> timedelta:
        """Working time to add: days are full office days, minutes are minutes of office hours."""
        return day_length * self.days + timedelta(minutes=self.minutes)

    @property
    def text(self) -> str:
        parts = ([f"{self.days} hari"] if self.days else []) + ([f"{self.minutes} menit"] if self.minutes else [])
        return " + ".join(parts) or "-"


@dataclass(frozen=True)
class SopStep:
    """One row of an SOP table, tied to the move that carries it out here."""

    sop: str                      # "SOP 000 Perencanaan, 2"
    actor: str                    # the SOP's Pelaksana ("Kabid Aptika", "Bakeuda")
    output: str                   # the SOP's Output column
    time: SopTime | None = None   # None: the SOP gives no time, or the product chose none (README)
    outside: str | None = None    # the office outside Kominfo the SOP names; recorded on its behalf


def minutes(n: int) -> SopTime:
    return SopTime(minutes=n)


def days(n: int) -> SopTime:
    return SopTime(days=n)
