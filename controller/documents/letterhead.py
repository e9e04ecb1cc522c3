"""The office's letterhead (kop surat) and paper size, shared by every issued form."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# CSS page sizes. F4 (folio, 215 x 330 mm) is what many Indonesian offices print official letters on.
PAPER = {"A4": "210mm 297mm", "F4": "215mm 330mm"}
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 1024 * 1024


class LogoError(ValueError):
    """The configured logo cannot be printed (missing, too large, not an image)."""


@dataclass(frozen=True)
class Letterhead:
    lines: tuple[str, ...]
    address: str | None = None
    phone: str | None = None
    website: str | None = None
    email: str | None = None
    logo_uri: str | None = None   # a data: URI, so rendering never fetches anything
    paper: str = "A4"

    @property
    def page_size(self) -> str:
        return PAPER.get(self.paper, PAPER["A4"])

    @property
    def contact_line(self) -> str:
        """ "Telepon (0355) 791 234, Laman diskominfo.contoh.go.id, Pos-el ..." in the kop's small print."""
        parts = [f"Telepon {self.phone}" if self.phone else "", f"Laman {self.website}" if self.website else "",
                 f"Pos-el {self.email}" if self.email else ""]
        return ", ".join(p for p in parts if p)


def logo_uri(path: str | None) -> str | None:
    if not path:
        return None
    file = Path(path)
    kind = _IMAGE_TYPES.get(file.suffix.lower())
    if kind is None:
        raise LogoError(f"TITIP_OFFICE_LOGO: {path} is not a .png, .jpg or .svg file")
    if not file.is_file():
        raise LogoError(f"TITIP_OFFICE_LOGO: no file at {path}")
    data = file.read_bytes()
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(f"TITIP_OFFICE_LOGO: {path} is larger than 1 MB")
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def from_settings(settings: Any) -> Letterhead:
    lines = tuple(ln.strip() for ln in (settings.office_letterhead or "").splitlines() if ln.strip())
    return Letterhead(lines=lines or ("DINAS KOMUNIKASI DAN INFORMATIKA",), address=settings.office_address,
                      phone=settings.office_phone, website=settings.office_website, email=settings.office_email,
                      logo_uri=logo_uri(settings.office_logo), paper=settings.paper_size)


def plain(office_name: str | None, address: str | None = None, paper: str = "A4") -> Letterhead:
    """A letterhead from the office name alone (forms built by hand, tests)."""
    lines = tuple(ln.strip() for ln in (office_name or "").splitlines() if ln.strip())
    return Letterhead(lines=lines or ("DINAS KOMUNIKASI DAN INFORMATIKA",), address=address, paper=paper)
