"""Statuses declared once, with Indonesian and English labels and a colour (as NetBox choices.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Label:
    id: str
    en: str
    colour: str


class Role(StrEnum):
    admin = "admin"
    head = "head"
    division_head = "division_head"
    officer = "officer"
    helpdesk = "helpdesk"
    unit_contact = "unit_contact"
    section_head = "section_head"            # Kepala Seksi (Kasi), SOP 001
    property_manager = "property_manager"    # Pengelola Barang, SOP 000


ROLE_LABELS: dict[Role, Label] = {
    Role.admin: Label("Administrator", "Administrator", "grey"),
    Role.head: Label("Kepala Dinas", "Head of office", "purple"),
    Role.division_head: Label("Kepala Bidang Aptika", "Division head", "indigo"),
    Role.officer: Label("Pejabat Fungsional / Pelaksana", "Officer", "blue"),
    Role.helpdesk: Label("Helpdesk", "Helpdesk", "teal"),
    Role.unit_contact: Label("Contact person unit kerja", "Unit contact person", "green"),
    Role.section_head: Label("Kepala Seksi", "Section head", "cyan"),
    Role.property_manager: Label("Pengelola Barang", "Property manager", "brown"),
}

# Staff of the ICT office: may see every unit's servers and the racks.
STAFF_ROLES = frozenset({Role.admin, Role.head, Role.division_head, Role.section_head, Role.officer,
                         Role.helpdesk, Role.property_manager})
# May change racks, servers and reservations.
SPACE_MANAGERS = frozenset({Role.admin, Role.officer})
# Keep the asset register's data (kode barang, NUP, acquisition) and run, decide and sign the
# monthly inventory: the officer, and the property manager (Pengelola Barang, SOP 000
# "Penatausahaan": records and inventories every asset in the BMD register).
REGISTER_KEEPERS = frozenset({Role.admin, Role.officer, Role.property_manager})


class Condition(StrEnum):
    baik = "baik"
    rusak_ringan = "rusak_ringan"
    rusak_berat = "rusak_berat"


CONDITION_LABELS: dict[Condition, Label] = {
    Condition.baik: Label("Baik", "Good", "green"),
    Condition.rusak_ringan: Label("Rusak Ringan", "Lightly damaged", "orange"),
    Condition.rusak_berat: Label("Rusak Berat", "Heavily damaged", "red"),
}


class SlotState(StrEnum):
    free = "free"
    reserved = "reserved"
    occupied = "occupied"


SLOT_LABELS: dict[SlotState, Label] = {
    SlotState.free: Label("Kosong", "Free", "lightgrey"),
    SlotState.reserved: Label("Dipesan", "Reserved", "orange"),
    SlotState.occupied: Label("Terisi", "Occupied", "blue"),
}


class AllocationStatus(StrEnum):
    """A reservation holds U until the server is placed; a placement is the server in the rack."""

    reserved = "reserved"
    occupied = "occupied"
    released = "released"
