"""The register of document numbers: one gapless counter per document kind and year."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class DocumentCounter(Base):
    """The last number given for (kind, year), office-wide. Taken and raised in the transaction
    that stores the document, under the row's lock: a rolled-back issue gives its number back."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
