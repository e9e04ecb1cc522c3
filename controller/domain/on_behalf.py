"""Steps an SOP gives to someone outside the office (the Bupati, the Sekda, the BPKAD).

Titip has no users there: an office role records the step *on behalf of* that office, under the
number of that office's letter (a decree, an approval), optionally with its scan. Declared once
per procedure and action, beside the tables, so the runner stamps every such step row the same way
and the pages say on whose behalf a step was (or is to be) taken.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import Label


@dataclass(frozen=True)
class OutsideOffice:
    code: str
    label: Label


BUPATI = OutsideOffice("bupati", Label("Bupati", "Regent (Bupati)", "purple"))
SEKDA = OutsideOffice("sekda", Label("Sekretaris Daerah", "Regional secretary (Sekda)", "purple"))
BPKAD = OutsideOffice("bpkad", Label("BPKAD", "Regional finance and asset office (BPKAD)", "purple"))
OFFICES: dict[str, OutsideOffice] = {o.code: o for o in (BUPATI, SEKDA, BPKAD)}


@dataclass(frozen=True)
class OutsideStep:
    """A move recorded for an outside office: whose step it is and which field holds its letter."""

    office: OutsideOffice
    letter_field: str = "letter_number"   # the field of the move's data holding the letter's number


# (procedure, action) -> the outside office whose step it is.
OUTSIDE_STEPS: dict[tuple[str, str], OutsideStep] = {
    # SOP 000 Pemusnahan 5-6: the Bupati decides and issues the approval letter (surat persetujuan).
    ("disposal", "record_regent_approval"): OutsideStep(BUPATI, "decree_number"),
    # SOP 000 Perencanaan 4-5: the RKPD is adopted by the regent's regulation (Perbup), on its own
    # calendar; the unit's or the office's record of it names that regulation.
    ("needs_plan", "record_rkpd"): OutsideStep(BUPATI, "letter_number"),
}

# The optional scan of the outside office's letter: a document uploaded before the move.
SCAN_FIELD = "letter_document_id"


def outside_step(procedure: str, action: str) -> OutsideStep | None:
    return OUTSIDE_STEPS.get((procedure, action))
