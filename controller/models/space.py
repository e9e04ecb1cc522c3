"""Where: rooms, racks, the servers in custody, and which U each one holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Audited, Base, UTCDateTime, utcnow
from .org import Unit


class Room(Audited, Base):
    __tablename__ = "rooms"
    __audit_name__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rack(Audited, Base):
    __tablename__ = "racks"
    __audit_name__ = "rack"
    __table_args__ = (
        UniqueConstraint("room_id", "name"),
        CheckConstraint("height_u BETWEEN 1 AND 60", name="height"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100))
    height_u: Mapped[int] = mapped_column(Integer, default=42)
    power_capacity_w: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room] = relationship(lazy="joined")


class Server(Audited, Base):
    __tablename__ = "servers"
    __audit_name__ = "server"
    __table_args__ = (
        # 0: a kind that takes no rack space (a licence, a laptop); see domain/asset_kinds.py.
        CheckConstraint("height_u BETWEEN 0 AND 60", name="height"),
        CheckConstraint("power_w >= 0", name="power"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    brand: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    serial_number: Mapped[str] = mapped_column(String(100), unique=True)
    height_u: Mapped[int] = mapped_column(Integer)
    power_w: Mapped[int] = mapped_column(Integer, default=0)
    hostname: Mapped[str | None] = mapped_column(String(253))
    management_ip: Mapped[str | None] = mapped_column(String(45))
    condition: Mapped[str] = mapped_column(String(16), default="baik")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its monitoring was retired (returned or disposed); cleared when it is received again.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The network it sits in (a remote room behind its own network): its probes go to the
    # workers started with `titip worker --site SITE`; empty is the controllers' own network.
    site: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The register holds every ICT asset kind (domain/asset_kinds.py); the table keeps its name.
    kind: Mapped[str] = mapped_column(String(32), default="server", server_default="server", index=True)
    attributes: Mapped[str | None] = mapped_column(Text)                       # JSON, the kind's fields
    secrets: Mapped[str | None] = mapped_column(Text, info={"secret": True})   # sealed (a licence key)

    unit: Mapped[Unit] = relationship(lazy="joined")


LIVE = text("status != 'released' AND server_id IS NOT NULL")


class Allocation(Audited, Base):
    """A reservation or placement of a contiguous U range; kept after release as history."""

    __tablename__ = "allocations"
    __audit_name__ = "allocation"
    # One live (reserved or occupied) allocation per server, held by the database: no code path
    # can leave a server holding two slots.
    __table_args__ = (CheckConstraint("height_u >= 1 AND u_bottom >= 1", name="range"),
                      Index("uq_allocations_live_per_server", "server_id", unique=True,
                            sqlite_where=LIVE, postgresql_where=LIVE),
                      # A server's placements over time (the index above holds the live one only)
                      # and a rack's or a room's allocations.
                      Index("ix_allocations_server", "server_id"), Index("ix_allocations_rack", "rack_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rack_id: Mapped[int] = mapped_column(ForeignKey("racks.id", ondelete="RESTRICT"))
    u_bottom: Mapped[int] = mapped_column(Integer)
    height_u: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default="reserved")
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rack: Mapped[Rack] = relationship(lazy="joined")
    server: Mapped[Server | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    @property
    def u_top(self) -> int:
        return self.u_bottom + self.height_u - 1


class RackUnit(Base):
    """One row per held U. The unique (rack, u) key is what makes double booking impossible."""

    __tablename__ = "rack_units"
    __table_args__ = (UniqueConstraint("rack_id", "u"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rack_id: Mapped[int] = mapped_column(ForeignKey("racks.id", ondelete="RESTRICT"))
    u: Mapped[int] = mapped_column(Integer)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("allocations.id", ondelete="CASCADE"), index=True
    )
